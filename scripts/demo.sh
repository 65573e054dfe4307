#!/usr/bin/env bash
# One command on a fresh machine: install dependencies, build, run the default pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
./build/sgm run examples/pipelines/default.toml "$@"
