#!/usr/bin/env bash
# Reproduce the seed experiments: run every pipeline in examples/pipelines/seeds/ (or the ones
# named as arguments, by file or by stem) into runs/seeds/<stem>/, then write EXPERIMENTS.md with
# one section per experiment and its figure copied into docs/experiments/.
#
#   scripts/experiments.sh                                   # all of them (~8-15 min on 2 cores)
#   scripts/experiments.sh 000_swiss_roll_support_table 003_langevin_vs_annealed
#   SGM=/path/to/sgm FORCE=1 scripts/experiments.sh          # another binary; rerun finished runs
#
# Builds nothing: the binary is ${SGM:-build/sgm} (plugins next to it). Without FORCE=1 finished
# work is kept (a finished single run is skipped; a sweep resumes and reruns only the points it
# has not finished), so an interrupted call picks up where it stopped; FORCE=1 passes --force
# (needed after editing a pipeline: a resumed sweep keeps the points it finished before).
set -euo pipefail
cd "$(dirname "$0")/.."

SGM=${SGM:-build/sgm}
FORCE=${FORCE:-0}
SEEDS_DIR=examples/pipelines/seeds
OUT_ROOT=runs/seeds

if [[ ! -x "$SGM" ]]; then
  echo "experiments.sh: no sgm binary at '$SGM' (build first: scripts/build.sh, or set SGM=...)" >&2
  exit 1
fi

# The pipelines: arguments (a path or a stem), else every seeds pipeline in name order.
files=()
if [[ $# -gt 0 ]]; then
  for a in "$@"; do
    if [[ -f "$a" ]]; then files+=("$a")
    elif [[ -f "$SEEDS_DIR/$a.toml" ]]; then files+=("$SEEDS_DIR/$a.toml")
    elif [[ -f "$SEEDS_DIR/$a" ]]; then files+=("$SEEDS_DIR/$a")
    else
      echo "experiments.sh: no pipeline '$a' (looked for $a, $SEEDS_DIR/$a.toml)" >&2
      exit 1
    fi
  done
else
  shopt -s nullglob
  files=("$SEEDS_DIR"/*.toml)
  shopt -u nullglob
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "experiments.sh: no pipelines in $SEEDS_DIR" >&2
    exit 1
  fi
fi

force=()
[[ "$FORCE" == "1" ]] && force=(--force)

# Seconds since a `date +%s.%N` stamp, one decimal.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$OUT_ROOT"
dirs=()
failed=0
total_start=$(date +%s.%N)
for f in "${files[@]}"; do
  stem=$(basename "$f" .toml)
  out="$OUT_ROOT/$stem"
  start=$(date +%s.%N)
  status=ok
  if [[ "$FORCE" != "1" && -f "$out/metrics.json" ]]; then
    status="kept (finished earlier; FORCE=1 reruns)"
  elif ! "$SGM" run "$f" --out "$out" --quiet "${force[@]}" >/dev/null; then
    status=FAILED
    failed=$((failed + 1))
  fi
  printf '%-40s %8s s  %s\n' "$stem" "$(elapsed "$start")" "$status"
  [[ -d "$out" ]] && dirs+=("$out")   # a failed sweep still reports its finished points
done
printf '%-40s %8s s\n' "total" "$(elapsed "$total_start")"

# The report: one section per run directory. `sgm report` may not exist in an older binary.
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "experiments.sh: no results to report" >&2
  exit 1
fi
set +e
report_output=$("$SGM" report --out EXPERIMENTS.md --figures docs/experiments "${dirs[@]}" 2>&1)
report_status=$?
set -e
if [[ $report_status -ne 0 ]]; then
  if grep -q "unknown command" <<<"$report_output"; then
    echo "note: '$SGM' has no 'report' command yet; the runs are in $OUT_ROOT/ (EXPERIMENTS.md not written)"
    [[ $failed -gt 0 ]] && { echo "experiments.sh: $failed pipeline(s) failed" >&2; exit 1; }
    exit 0
  fi
  echo "$report_output" >&2
  exit "$report_status"
fi
[[ -n "$report_output" ]] && echo "$report_output"
echo "wrote EXPERIMENTS.md (figures in docs/experiments/)"
if [[ $failed -gt 0 ]]; then
  echo "experiments.sh: $failed pipeline(s) failed" >&2
  exit 1
fi
