#!/usr/bin/env bash
# One command on a fresh machine: install dependencies, build, run the test suite, then the
# sanitizer subsets (scripts/sanitize.sh ci: ASan + UBSan and TSan; SGM_SKIP_SANITIZERS=1 skips
# them). Extra arguments go to the normal ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
if [[ "${SGM_SKIP_SANITIZERS:-0}" != 1 ]]; then
  scripts/sanitize.sh ci
fi
