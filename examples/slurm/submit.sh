#!/usr/bin/env bash
# Runs a sweep as a Slurm job array of SHARDS tasks, then merges it:
#   examples/slurm/submit.sh examples/pipelines/sweep_steps.toml runs/steps 4
# The result: runs/steps/sweep.csv, summary.md and plots/, as from a single `sgm run`.
# (With MPI instead: srun -n 4 build/sgm-mpi PIPELINE --out OUT, or mpirun -n 4 ...)
set -euo pipefail
if (($# != 3)); then
  echo "usage: $0 PIPELINE OUT SHARDS" >&2
  exit 2
fi
PIPELINE=$1 OUT=$2 SHARDS=$3
here=$(dirname "$0")
SGM=${SGM:-build/sgm}
"$SGM" validate "$PIPELINE"  # every point checked before anything is queued
mkdir -p "$OUT"
array=$(sbatch --parsable --array="0-$((SHARDS - 1))" \
  --export="ALL,PIPELINE=$PIPELINE,OUT=$OUT,SGM=$SGM" "$here/sweep_array.sbatch")
sbatch --dependency="afterok:${array%%;*}" --export="ALL,OUT=$OUT,SHARDS=$SHARDS,SGM=$SGM" \
  "$here/merge.sbatch"
echo "queued: array job $array ($SHARDS shards) and its merge"
