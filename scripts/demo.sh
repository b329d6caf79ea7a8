#!/usr/bin/env bash
# Installs the packages, builds vflag (build/, or $VFLAG_BUILD) and runs
# the demo: the seed's Deployment Verification in network namespaces.
# Usage: ./scripts/demo.sh [--mode 802.3ad|active-backup] [--duration S]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VFLAG_BUILD:-build}
bash scripts/setup.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
ninja -C "$BUILD"
VFLAG_BUILD=$BUILD exec bash demo/demo.sh "$@"
