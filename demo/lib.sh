# Shared by demo/demo.sh and bench/bench.sh: unique names, a cleanup
# stack run on exit (also on Ctrl-C and failures), namespaces, veths, an
# OVS userspace switch in a namespace, vflagd.
# Source it; it sets `set -euo pipefail` and the EXIT/INT/TERM traps.

set -euo pipefail

VFLAG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFLAG_BUILD=${VFLAG_BUILD:-build}
case $VFLAG_BUILD in /*) BUILD_DIR=$VFLAG_BUILD ;; *) BUILD_DIR=$VFLAG_ROOT/$VFLAG_BUILD ;; esac
VFLAGD=$BUILD_DIR/src/vflagd/vflagd
VFLAGCTL=$BUILD_DIR/src/vflagctl/vflagctl
PY=/usr/bin/python3

# A tag unique on this machine: in every namespace, link and name we make.
while :; do
	T=$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
	ip -o link show | grep -q "$T" || ip netns list | grep -q "$T" || break
done
TMP=$(mktemp -d "/tmp/vflag-$T.XXXX")
SOCK=$TMP/vflagd.sock

PIDS=()      # processes we started, stopped newest first by PID
NETNS=()     # namespaces we made
ROOTLINKS=() # root-namespace links we made
CLEANED=0

stop_pid() { # PID: TERM, wait up to 5 s, then KILL
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	set +e
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
	for ((i = ${#NETNS[@]} - 1; i >= 0; i--)); do ip netns del "${NETNS[i]}" 2>/dev/null; done
	for l in "${ROOTLINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'echo; echo "interrupted: cleaning up"; exit 130' INT TERM

need_root() {
	[ "$(id -u)" -eq 0 ] || { echo "run as root (namespaces, veth, tc)" >&2; exit 1; }
}

need_binaries() {
	local b
	for b in "$VFLAGD" "$VFLAGCTL"; do
		[ -x "$b" ] || { echo "$b not built: meson setup $VFLAG_BUILD && ninja -C $VFLAG_BUILD" >&2; exit 1; }
	done
}

mkns() { # NAME
	ip netns add "$1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# veth A [NS_A|-] B [NS_B|-]: a pair, both ends up ("-" = root namespace)
veth() {
	local a=$1 na=$2 b=$3 nb=$4 args
	args=(ip link add name "$a")
	[ "$na" != - ] && args+=(netns "$na")
	args+=(type veth peer name "$b")
	[ "$nb" != - ] && args+=(netns "$nb")
	"${args[@]}"
	[ "$na" = - ] && ROOTLINKS+=("$a")
	[ "$nb" = - ] && ROOTLINKS+=("$b")
	if [ "$na" = - ]; then ip link set "$a" up; else ip -n "$na" link set "$a" up; fi
	if [ "$nb" = - ]; then ip link set "$b" up; else ip -n "$nb" link set "$b" up; fi
}

start_bg() { # NS|- LOG CMD...: start in the background, remember the PID
	local ns=$1 log=$2
	shift 2
	if [ "$ns" = - ]; then "$@" >"$log" 2>&1 </dev/null &
	else ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null & fi
	PIDS+=($!)
	LAST_PID=$!
}

wait_until() { # TIMEOUT_S CMD...: poll every 0.1 s
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# OVS userspace datapath inside namespace NS, state under $TMP/ovs.
ovs_start() { # NS
	OVSDIR=$TMP/ovs
	mkdir -p "$OVSDIR"
	OVSENV=(env OVS_RUNDIR="$OVSDIR" OVS_LOGDIR="$OVSDIR" OVS_DBDIR="$OVSDIR" OVS_SYSCONFDIR="$OVSDIR")
	ovsdb-tool create "$OVSDIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	start_bg "$1" "$OVSDIR/ovsdb-server.out" "${OVSENV[@]}" ovsdb-server "$OVSDIR/conf.db" \
		--remote="punix:$OVSDIR/db.sock" --pidfile="$OVSDIR/ovsdb-server.pid" \
		--unixctl="$OVSDIR/ovsdb-server.ctl" --no-chdir \
		--log-file="$OVSDIR/ovsdb-server.log" -vconsole:off
	wait_until 10 test -S "$OVSDIR/db.sock" || { echo "ovsdb-server did not start" >&2; exit 1; }
	vsctl --no-wait init
	start_bg "$1" "$OVSDIR/ovs-vswitchd.out" "${OVSENV[@]}" ovs-vswitchd "unix:$OVSDIR/db.sock" \
		--pidfile="$OVSDIR/ovs-vswitchd.pid" --unixctl="$OVSDIR/ovs-vswitchd.ctl" \
		--no-chdir --log-file="$OVSDIR/ovs-vswitchd.log" -vconsole:off
	wait_until 10 test -S "$OVSDIR/ovs-vswitchd.ctl" || { echo "ovs-vswitchd did not start" >&2; exit 1; }
}
vsctl() { "${OVSENV[@]}" ovs-vsctl --db="unix:$OVSDIR/db.sock" --timeout=20 "$@"; }
appctl() { "${OVSENV[@]}" ovs-appctl -t "$OVSDIR/ovs-vswitchd.ctl" --timeout=20 "$@"; }

vflagd_start() { # [extra vflagd args]
	# --teardown-on-exit: the demo leaves nothing behind when it ends
	start_bg - "$TMP/vflagd.log" "$VFLAGD" -s "$SOCK" -l info --teardown-on-exit "$@"
	VFLAGD_PID=$LAST_PID
	if ! wait_until 15 "$VFLAGCTL" -s "$SOCK" show; then
		echo "vflagd did not start:" >&2
		cat "$TMP/vflagd.log" >&2
		exit 1
	fi
}
ctl() { "$VFLAGCTL" -s "$SOCK" "$@"; }

# jq-like access with Debian's python: json_get 'expression on d' < json
json_get() { $PY -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
