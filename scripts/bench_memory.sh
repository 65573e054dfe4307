#!/usr/bin/env bash
# Peak memory vs particles (issue 8, bounded memory at scale): runs `sgm run` on a 2-D and a
# 64-D Gaussian mixture (exact score, VP SDE, reverse Euler-Maruyama), streamed in passes of
# STREAM particles and, for the smaller sizes, in one pass; prints one row per run with the peak
# resident memory that sgm itself reports (getrusage) and the wall time.
#   scripts/bench_memory.sh                 # 2-D: 1e5, 1e6, 1e7; 64-D: 1e5, 1e6
#   SIZES_2D="100000 1000000" SIZES_64D="" STREAM=50000 scripts/bench_memory.sh
# Environment: SGM (the host binary, default build/sgm), STREAM (default 100000), STEPS (20),
# THREADS (all cores), OUT (scratch directory, default /tmp/sgm-bench-memory; samples.npy of
# 1e7 2-D particles is 160 MB, of 1e6 64-D particles 512 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
SGM="${SGM:-build/sgm}"
STREAM="${STREAM:-100000}"
STEPS="${STEPS:-20}"
THREADS="${THREADS:-$(nproc)}"
OUT="${OUT:-/tmp/sgm-bench-memory}"
SIZES_2D="${SIZES_2D-100000 1000000 10000000}"
SIZES_64D="${SIZES_64D-100000 1000000}"
UNSTREAMED_MAX="${UNSTREAMED_MAX:-1000000}"  # one-pass runs only up to this size
mkdir -p "$OUT"

# A d-dimensional two-component mixture: means ±1 on every axis, covariances 0.5 I and 0.25 I.
mixture() {
  local d=$1
  awk -v d="$d" -v steps="$STEPS" 'function row(v, c,   s, j) { s = "["; for (j = 0; j < d; ++j) s = s (j ? ", " : "") v; return s "]" }
    function cov(v,   s, i, j) { s = "["; for (i = 0; i < d; ++i) { s = s (i ? ", " : "") "["; for (j = 0; j < d; ++j) s = s (j ? ", " : "") (i == j ? v : 0.0); s = s "]" } return s "]" }
    BEGIN {
      print "[run]\nseed = 1\nchunk = 1024\n"
      print "[dataset]\nplugin = \"gmm\"\nweights = [0.4, 0.6]"
      print "means = [" row(-1.0) ", " row(1.0) "]"
      print "covariances = [" cov(0.5) ", " cov(0.25) "]\n"
      print "[sde]\nplugin = \"vp\"\n\n[score]\nplugin = \"analytic_gmm\"\n"
      print "[sample]\nplugin = \"euler_maruyama\"\nsteps = " steps "\n"
      print "[evaluate.moments]\nplugin = \"moments\"\nexact = true\n"
      print "[evaluate.modes]\nplugin = \"mode_weights\"\n"
      print "[evaluate.sw]\nplugin = \"sliced_wasserstein\"\nprojections = 100\n"
      print "[output]\ncsv = false\nplots = false\ntrajectories = 0\nreference = 0"
    }'
}

printf '%-4s %10s %9s %8s %10s %12s %s\n' dim particles stream passes seconds peak_MB "moments.cov_error"
bench() {  # dim particles stream
  local d=$1 n=$2 s=$3 dir="$OUT/d$1-n$2-s$3"
  mixture "$d" > "$OUT/mixture-$d.toml"
  rm -rf "$dir"
  local t0=$SECONDS
  "$SGM" run "$OUT/mixture-$d.toml" --quiet --force --threads "$THREADS" --out "$dir" \
    --set run.particles="$n" --set run.stream="$s" --set run.baseline=false >/dev/null
  local peak cov passes
  peak=$(sed -n 's/.*"peak_rss_mb": \([0-9.]*\).*/\1/p' "$dir/metrics.json")
  cov=$(sed -n 's/.*"cov_error": \([0-9.e+-]*\).*/\1/p' "$dir/metrics.json" | head -1)
  passes=$(sed -n 's/.* in \([0-9]*\) passes of .*/\1/p' "$dir/run.log")
  printf '%-4s %10s %9s %8s %10s %12.1f %s\n' "$d" "$n" "$s" "${passes:-1}" "$((SECONDS - t0))" "$peak" "$cov"
  rm -f "$dir/samples.npy"  # keep the scratch space small; metrics.json and run.log stay
}
for n in $SIZES_2D; do
  [[ "$n" -le "$UNSTREAMED_MAX" ]] && bench 2 "$n" 0
  bench 2 "$n" "$STREAM"
done
for n in $SIZES_64D; do
  [[ "$n" -le "$UNSTREAMED_MAX" ]] && bench 64 "$n" 0
  bench 64 "$n" "$STREAM"
done
