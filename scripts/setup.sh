#!/usr/bin/env bash
# Install sgm's build dependencies from Debian's archive (bookworm). Idempotent: packages
# already present are skipped, and nothing is fetched when all are installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # g++ brings the sanitizer runtimes (libasan8, libubsan1, libtsan2)
  libboost-program-options-dev libboost-filesystem-dev   # Boost.DLL is header-only in libboost1.74-dev
  libeigen3-dev libtbb-dev libfmt-dev libtomlplusplus-dev libcairo2-dev catch2
  libboost-mpi-dev openmpi-bin   # optional for the build: sgm-mpi is built when they are found
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all dependencies are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
