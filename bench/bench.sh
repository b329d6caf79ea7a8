#!/usr/bin/env bash
# Throughput through vflag against a kernel bridge in its place, in one run
# over the same namespaces and veths (not a test: it prints, never fails
# on a figure; compare only within one run, MACHINE-NOTES):
#
#   client ns -- switch ns (kernel bridge) == up0/up1 == [X] -- vm ns
#
#   X = vflag:  pf add x2, bond active-backup over up0/up1, VF 0 in the vm ns
#   X = bridge: a kernel bridge in the root namespace over up0 and a veth
#               into the vm ns (one uplink: two would loop through the
#               switch's bridge); same addresses
#
# For each, iperf3 -P 10 client->VM and VM->client (-R).
# Usage: bench/bench.sh [--duration S] [--parallel N]
# VFLAG_BUILD picks the build directory (default build).

DURATION=5
PARALLEL=10
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=${2:?}; shift 2 ;;
	--parallel) PARALLEL=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done

. "$(dirname "$0")/../demo/lib.sh"
need_root
need_binaries

NS_VM=vfb${T}vm NS_SW=vfb${T}sw NS_CL=vfb${T}cl
UP0=up0$T UP1=up1$T SW0=sw0$T SW1=sw1$T CL=cl$T SC=sc$T
PF0=p0$T PF1=p1$T BOND=bond$T BR=br$T RB=rb$T VB=vb$T VV=vv$T
VM_IP=1.1.1.1 CL_IP=1.1.1.2

mkns "$NS_VM"; mkns "$NS_SW"; mkns "$NS_CL"
veth "$UP0" - "$SW0" "$NS_SW"
veth "$UP1" - "$SW1" "$NS_SW"
veth "$CL" "$NS_CL" "$SC" "$NS_SW"
ip -n "$NS_SW" link add "$BR" type bridge
for p in "$SW0" "$SW1" "$SC"; do ip -n "$NS_SW" link set "$p" master "$BR"; done
ip -n "$NS_SW" link set "$BR" up
ip -n "$NS_CL" addr add "$CL_IP/24" dev "$CL"

# Where frames went missing, if anywhere: the per-CPU backlog's drops
# (/proc/net/softnet_stat column 2, all CPUs) and the senders' TCP loss
# and reordering counters (TcpExt of /proc/net/netstat, per namespace).
TCPX="TCPSACKReorder TCPTSReorder TCPFastRetrans TCPLossProbes TCPTimeouts TCPDSACKRecv"
snapshot() {
	local ns d=0 _c dropped _r
	while read -r _c dropped _r; do d=$((d + 0x$dropped)); done </proc/net/softnet_stat
	echo "softnet_drops $d"
	for ns in "$NS_CL" "$NS_VM"; do
		ip netns exec "$ns" awk -v ns="$ns" -v want="$TCPX" '
			$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
			$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (index(" " want " ", " " n[i] " ")) print n[i], $i }' /proc/net/netstat
	done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }'
}
delta() { # before after -> "k=v ..." for what moved
	join <(sort "$1") <(sort "$2") | awk '$3 - $2 || $1 == "softnet_drops" { printf "%s=%d ", $1, $3 - $2 }'
}

# iperf3 -J summary: "<Gbit/s received> <retransmits>"; what moved
# meanwhile (snapshot) to $TMP/moved-<label>
measure() { # label, extra iperf3 args
	local label=$1 out
	shift
	snapshot >"$TMP/before"
	out=$(ip netns exec "$NS_CL" iperf3 -c "$VM_IP" -P "$PARALLEL" -t "$DURATION" -J "$@") || {
		echo "iperf3 failed ($label): $(echo "$out" | tail -3)" >&2
		echo "0 0"
		return
	}
	snapshot >"$TMP/after"
	delta "$TMP/before" "$TMP/after" >"$TMP/moved-${label// /_}"
	echo "$out" | json_get '"%.3f %d" % (d["end"]["sum_received"]["bits_per_second"]/1e9, d["end"]["sum_sent"].get("retransmits", 0))'
}

run_both_directions() { # label -> sets R_FWD R_REV
	local srv
	start_bg "$NS_VM" "$TMP/iperf3-$1.log" iperf3 -s -B "$VM_IP"
	srv=$LAST_PID
	wait_until 5 ip netns exec "$NS_VM" sh -c 'ss -tlnH | grep -q :5201'
	wait_until 10 ip netns exec "$NS_CL" ping -c 1 -W 1 "$VM_IP"
	R_FWD=$(measure "$1 client->VM")
	R_REV=$(measure "$1 VM->client" -R)
	stop_pid "$srv"
}

echo "bench: iperf3 -P $PARALLEL, $DURATION s per run, tag $T"

# 1. the baseline: a kernel bridge where vflag would be
ip link add "$RB" type bridge
ROOTLINKS+=("$RB")
veth "$VB" - "$VV" "$NS_VM"
ip link set "$UP0" master "$RB"
ip link set "$VB" master "$RB"
ip link set "$RB" up
ip -n "$NS_VM" addr add "$VM_IP/24" dev "$VV"
run_both_directions bridge
B_FWD=$R_FWD B_REV=$R_REV
ip link del "$RB"
ip link del "$VB"
ip -n "$NS_CL" neigh flush all
ip -n "$NS_SW" link set "$BR" type bridge fdb_flush 2>/dev/null || true

# 2. vflag: active-backup over both uplinks, VF 0 in the vm namespace
vflagd_start -l warn
ctl pf add "$PF0" dev "$UP0"
ctl pf add "$PF1" dev "$UP1"
ctl pf set "$PF0" numvfs 1
ctl bond add "$BOND" mode active-backup miimon 100 members "$PF0" "$PF1"
ctl vf set "$PF0" vf 0 mac 6a:66:2d:48:92:c3 netns "$NS_VM"
ip -n "$NS_VM" link set "${PF0}vf0" up
ip -n "$NS_VM" addr add "$VM_IP/24" dev "${PF0}vf0"
run_both_directions vflag
V_FWD=$R_FWD V_REV=$R_REV

ratio() { $PY -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.2f" % (a/b) if b else "n/a")' "$1" "$2"; }
set -- $B_FWD; BF=$1 BFR=$2
set -- $B_REV; BR_=$1 BRR=$2
set -- $V_FWD; VF=$1 VFR=$2
set -- $V_REV; VR=$1 VRR=$2
echo
printf '%-22s %14s %14s %8s\n' "direction" "kernel bridge" "vflag" "ratio"
printf '%-22s %9s Gb/s %9s Gb/s %8s\n' "client -> VM" "$BF" "$VF" "$(ratio "$VF" "$BF")"
printf '%-22s %9s Gb/s %9s Gb/s %8s\n' "VM -> client (-R)" "$BR_" "$VR" "$(ratio "$VR" "$BR_")"
printf '%-22s %14s %14s\n' "retransmits fwd/rev" "$BFR/$BRR" "$VFR/$VRR"
for l in "bridge client->VM" "bridge VM->client" "vflag client->VM" "vflag VM->client"; do
	printf '%-22s %s\n' "$l" "$(cat "$TMP/moved-${l// /_}" 2>/dev/null)"
done
echo "vflag's datapath drops: $(ctl -j stats | json_get '" ".join("%s=%d" % (k, v) for p in d["ports"] for k, v in p["counters"].items() if k.startswith("drop") and v) or "none"')"
echo "(ratio = vflag / kernel bridge; figures swing between runs on a shared machine)"
