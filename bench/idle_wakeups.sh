#!/usr/bin/env bash
# How often an idle vflagd wakes up: context switches per second of the
# daemon (voluntary + involuntary, from /proc/PID/status) over a window,
# for three cases, each in namespaces of its own:
#   1. no PF, no bond;
#   2. two PFs and a mode-1 bond with miimon 0 (events only), nothing
#      happening on its links;
#   3. a mode-4 bond with fast LACP against a second vflagd back to back
#      (two members), after the LAG formed: LACPDUs every second per member.
# Prints one line per case; never fails on a figure.
# Usage: bench/idle_wakeups.sh [SECONDS]   (VFLAG_BUILD=build by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VFLAG_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VFLAGD=$BUILD/src/vflagd/vflagd
VFLAGCTL=$BUILD/src/vflagctl/vflagctl
WINDOW=${1:-10}
[ "$(id -u)" -eq 0 ] || { echo "run as root (namespaces, veth, BPF)" >&2; exit 1; }
[ -x "$VFLAGD" ] || { echo "no $VFLAGD: build first (meson setup build && ninja -C build)" >&2; exit 1; }

T=w$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
TMP=$(mktemp -d "/tmp/vflag-$T.XXXX")
PIDS=() NETNS=()
cleanup() {
	set +e
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${PIDS[i]}" 2>/dev/null
		wait "${PIDS[i]}" 2>/dev/null
	done
	for n in "${NETNS[@]}"; do
		ip netns exec "$n" "$VFLAGCTL" -s "$TMP/$n.sock" teardown --force >/dev/null 2>&1
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns() { ip netns add "$1"; NETNS+=("$1"); ip -n "$1" link set lo up; }
start_vflagd() { # NS
	ip netns exec "$1" "$VFLAGD" -s "$TMP/$1.sock" --teardown-on-exit -l warn \
		>"$TMP/$1.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$TMP/$1.sock" ] && return 0; sleep 0.05; done
	echo "vflagd in $1 did not start: $(cat "$TMP/$1.log")" >&2
	exit 1
}
ctl() { local ns=$1; shift; ip netns exec "$ns" "$VFLAGCTL" -s "$TMP/$ns.sock" "$@"; }
switches() { # PID: voluntary + involuntary context switches so far
	awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"
}
rate() { # PID: wakeups per second over WINDOW
	local a b
	sleep 1
	a=$(switches "$1")
	sleep "$WINDOW"
	b=$(switches "$1")
	awk -v a="$a" -v b="$b" -v w="$WINDOW" 'BEGIN { printf "%.1f", (b - a) / w }'
}

# vflagd of this tree may predate --teardown-on-exit (then it tears down
# on SIGTERM by itself).
if ! "$VFLAGD" -h 2>&1 | grep -q -- --teardown-on-exit; then
	start_vflagd() {
		ip netns exec "$1" "$VFLAGD" -s "$TMP/$1.sock" -l warn >"$TMP/$1.log" 2>&1 &
		PIDS+=($!)
		for _ in $(seq 100); do [ -S "$TMP/$1.sock" ] && return 0; sleep 0.05; done
		echo "vflagd in $1 did not start" >&2
		exit 1
	}
fi

echo "idle vflagd wakeups per second, over ${WINDOW} s ($(uname -r), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null))"

A=${T}a B=${T}b
netns "$A"
netns "$B"
start_vflagd "$A"
printf '  %-58s %s/s\n' "no PF, no bond" "$(rate "${PIDS[0]}")"

# Two back-to-back links between A and B.
ip link add "${T}p0" netns "$A" type veth peer name "${T}q0" netns "$B"
ip link add "${T}p1" netns "$A" type veth peer name "${T}q1" netns "$B"
for i in 0 1; do
	ip -n "$A" link set "${T}p$i" up
	ip -n "$B" link set "${T}q$i" up
done
ctl "$A" pf add pf0 dev "${T}p0" >/dev/null
ctl "$A" pf add pf1 dev "${T}p1" >/dev/null
ctl "$A" bond add bond0 mode active-backup miimon 0 members pf0 pf1 >/dev/null
printf '  %-58s %s/s\n' "mode 1 bond, miimon 0, two PFs" "$(rate "${PIDS[0]}")"
ctl "$A" bond del bond0 >/dev/null

start_vflagd "$B"
ctl "$B" pf add pf0 dev "${T}q0" >/dev/null
ctl "$B" pf add pf1 dev "${T}q1" >/dev/null
ctl "$A" bond add bond0 mode 802.3ad miimon 0 lacp_rate fast members pf0 pf1 >/dev/null
ctl "$B" bond add bond0 mode 802.3ad miimon 0 lacp_rate fast members pf0 pf1 >/dev/null
for _ in $(seq 100); do
	n=$(ctl "$A" -j bond show bond0 | grep -o '"mux_state": *"COLLECTING_DISTRIBUTING"' | wc -l || true)
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
printf '  %-58s %s/s\n' "mode 4 bond, fast LACP, two members, partner a vflagd" "$(rate "${PIDS[0]}")"
