#!/usr/bin/env bash
# Sanitizer runs of the test suite, each in its own build directory (issue 8):
#   scripts/sanitize.sh address   ASan + UBSan (build-asan): the whole suite except the packaging
#                                 test; any report fails the run (-fno-sanitize-recover=all)
#   scripts/sanitize.sh thread    TSan (build-tsan): the tests of the parallel parts (sampling,
#                                 training reduction, sweeps, metrics, determinism)
# Extra arguments: ctest options (address) or a Catch test filter (thread). 15-30 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-address}"
shift || true
case "$mode" in
  address) dir=build-asan; flag=-DSGM_SANITIZE=ON ;;
  thread)  dir=build-tsan; flag=-DSGM_TSAN=ON ;;
  *) echo "usage: scripts/sanitize.sh [address|thread] [test filter]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$flag"
cmake --build "$dir" --parallel
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
if [[ "$mode" == address ]]; then
  ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" -LE package "$@"
else
  "$dir/tests/sgm_tests" "${@:-[determinism],[training],[sweep],[sampling],[metrics],[faults]}"
fi
