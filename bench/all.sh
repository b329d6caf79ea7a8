#!/usr/bin/env bash
# Every figure of issue 10 in one run, peers in the same invocation, by the
# bench scripts that measure them (each line says which command): not a
# test; a figure that cannot be had is printed as missing and the run goes
# on; exits 0. About 5 minutes on 2 cores. Run it alone, as root, under
# the lab's lock (the scripts do not take it):
#   flock /tmp/vflag-integ.lock bash bench/all.sh
# VFLAG_BUILD picks the build directory (default build).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export VFLAG_BUILD=${VFLAG_BUILD:-build}
PY=/usr/bin/python3
cd "$ROOT" || exit 0
[ "$(id -u)" -eq 0 ] || { echo "run as root (namespaces, veth, BPF, OVS)"; exit 0; }

step() {
	local t0=$SECONDS
	echo
	echo "## $1"
	shift
	echo "\$ VFLAG_BUILD=$VFLAG_BUILD $*"
	"$@" 2>&1 | grep -v '^\s*$' || true
	echo "(exit ${PIPESTATUS[0]}, $((SECONDS - t0)) s)"
}

echo "# vflag bench, $(date -u +%F\ %H:%M) UTC, $(git rev-parse --short HEAD 2>/dev/null), $(uname -r), $(nproc) CPUs"
step "bring-up (vflag<->vflag with and without the shortcut; vs OVS), restore loss, heal, carrier loss at 10 000 pps" \
	$PY bench/convergence.py --runs 3 \
	--only bringup-vv,bringup-ovs,restore-vv,restore-ovs,heal-vv,carrier-vv
step "vs OVS: formation, split, carrier and silent failover worst flow (10 000 pps a direction)" \
	$PY bench/lag_figures.py --runs 3 --silent both --pps 10000
step "VF link state following the LAG" \
	$PY bench/vf_link_figures.py --runs 3
step "throughput and retransmits, vflag<->vflag against two kernel bridges in series" \
	$PY bench/vv_throughput.py --seconds 5
step "throughput and retransmits, vflag (active-backup) against one kernel bridge" \
	bash bench/bench.sh --duration 5
step "idle wakeups (context switches per second)" \
	bash bench/idle_wakeups.sh 5
step "vflagd memory with 128 VFs" \
	$PY bench/rss_vfs.py --vfs 128
echo
echo "# done in $SECONDS s"
exit 0
