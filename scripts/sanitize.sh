#!/usr/bin/env bash
# Sanitizer runs of the test suite, each in its own build directory (issue 8):
#   scripts/sanitize.sh ci        CI's sanitizer steps, run by scripts/test.sh after the normal
#                                 tests (needs build/ from scripts/build.sh): the host and the
#                                 tests labelled for each sanitizer in tests/CMakeLists.txt,
#                                 ASan + UBSan in build-ci-asan, then TSan in build-ci-tsan, both
#                                 loading build/plugins (not instrumented)
#   scripts/sanitize.sh address   ASan + UBSan (build-asan): the whole suite except the packaging
#                                 test, plugins instrumented too
#   scripts/sanitize.sh thread    TSan (build-tsan): the tests of the parallel parts (sampling,
#                                 training reduction, sweeps, metrics, determinism), plugins
#                                 instrumented too
# Any report fails the run: the sanitizers stop the process at the first one, and every report,
# also one from an `sgm` process a test starts, goes to <build dir>/sanitizer-reports/.
# Extra arguments: ctest options (ci, address) or a Catch test filter (thread). The full modes
# take 15-30 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-address}"
shift || true

# Runs "$@" with the sanitizers writing their reports under $1/sanitizer-reports; fails if the
# command fails or any report was written.
checked() {
  local reports="$PWD/$1/sanitizer-reports"
  shift
  rm -rf "$reports" && mkdir -p "$reports"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp:log_path=$reports/tsan"
  local status=0
  "$@" || status=$?
  if compgen -G "$reports/*" > /dev/null; then
    cat "$reports"/* >&2
    echo "sanitize: the reports above are in $reports" >&2
    return 1
  fi
  return "$status"
}

build() {  # directory, CMake options...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir" --parallel "$(nproc)"
}

# One sanitizer subset of CI: directory, sanitizer option, optimisation level, ctest options...
ci_step() {
  local dir=$1 sanitizer=$2 opt=$3 t0=$SECONDS
  shift 3
  build "$dir" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=$opt -g1" "$sanitizer" \
    -DSGM_SANITIZE_SUBSET=ON "-DSGM_PLUGINS_FROM=$PWD/build"
  local t1=$SECONDS
  checked "$dir" ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" "$@"
  echo "sanitize: $dir built in $((t1 - t0)) s, tested in $((SECONDS - t1)) s"
}

case "$mode" in
  ci)
    if [[ ! -d build/plugins ]]; then
      echo "sanitize: build/plugins is missing; run scripts/build.sh first" >&2
      exit 2
    fi
    # ASan + UBSan unoptimised: optimising their checks more than doubles the compile time, and
    # the host code the subset runs is light. TSan at -O1, as its manual advises: it compiles
    # about as fast as -O0 and runs faster.
    ci_step build-ci-asan -DSGM_SANITIZE=ON -O0 "$@"
    ci_step build-ci-tsan -DSGM_TSAN=ON -O1 "$@"
    ;;
  address)
    build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGM_SANITIZE=ON
    checked build-asan ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" -LE package "$@"
    ;;
  thread)
    build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGM_TSAN=ON
    checked build-tsan build-tsan/tests/sgm_tests "${@:-[determinism],[training],[sweep],[sampling],[metrics],[faults]}"
    ;;
  *)
    echo "usage: scripts/sanitize.sh ci|address|thread [ctest options or test filter]" >&2
    exit 2
    ;;
esac
