#!/usr/bin/env bash
# Install sgm into a temporary prefix, build the out-of-tree example plugin against it with
# find_package(sgm), install it there, and run its pipeline with the installed host.
# Usage: out_of_tree.sh <sgm build dir> <sgm source dir>
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
cmake -S "$src/examples/out_of_tree_plugin" -B "$work/oot" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/oot" > "$work/build.log"
cmake --install "$work/oot" --prefix "$prefix" > /dev/null

# The installed host finds both the in-tree and the new plugins, with no --plugin-path.
env -u SGM_PLUGIN_PATH "$prefix/bin/sgm" list > "$work/list.txt"
grep -q "vp_cosine" "$work/list.txt"
grep -q "reverse_midpoint" "$work/list.txt"
grep -q "analytic_gmm" "$work/list.txt"
env -u SGM_PLUGIN_PATH "$prefix/bin/sgm" list --broken | grep -q "no broken libraries"
test -f "$prefix/include/sgm/sgm.hpp"
test -f "$prefix/lib/cmake/sgm/sgmConfigVersion.cmake"

env -u SGM_PLUGIN_PATH "$prefix/bin/sgm" run "$src/examples/out_of_tree_plugin/pipeline.toml" \
  --out "$work/run" --quiet > /dev/null
# The samples must be as good as fresh data: sw2 within 1.5x the data-vs-data baseline.
sw=$(grep -A3 '"metrics"' "$work/run/metrics.json" | grep '"sw2"' | head -1 | sed 's/.*: //; s/,//')
base=$(grep -A3 '"baseline"' "$work/run/metrics.json" | grep '"sw2"' | head -1 | sed 's/.*: //; s/,//')
echo "out-of-tree pipeline: sw2 $sw (data vs data $base)"
awk -v a="$sw" -v b="$base" 'BEGIN { exit !(a < 1.5 * b) }'
echo "out-of-tree plugin: ok"
