#!/usr/bin/env bash
# The seed's Deployment Verification ("QSG for High Availability with
# NVIDIA Enhanced SR-IOV with Bonding Support (VF-LAG)"), replayed with
# vflag in network namespaces:
#
#   vm ns                root ns: vflagd           switch ns               client ns
#   VF0 1.1.1.1 -- eswitch -- bond(pf0: up0, pf1: up1) == sw0,sw1 [peer] sc -- cl 1.1.1.2
#
#   --mode 802.3ad        (default) bond mode 4, lacp_rate fast; the peer is
#                         an Open vSwitch userspace bond (balance-tcp, LACP
#                         active, fast)
#   --mode active-backup  bond mode 1; the peer is a kernel bridge
#   --duration S          seconds per iperf3 run (default 5)
#
# The legacy run (the VF-LAG, its failover and restore) is followed by a
# switchdev run in the seed's section 4-7 order: hw-tc-offload, switchdev
# mode, the representors, map-rep, a kernel bridge over the representors
# and the bond's netdev, traffic through it, slow-path and offloaded
# counters. The exit status is non-zero if traffic through it failed.
# Every step prints the seed's step, then the vflag commands and their
# output. Everything is removed on exit, Ctrl-C or failure.
# Usage: demo/demo.sh [--mode 802.3ad|active-backup] [--duration S]
# (scripts/demo.sh installs the packages and builds first.)

MODE=802.3ad
DURATION=5
while [ $# -gt 0 ]; do
	case $1 in
	--mode) MODE=${2:?--mode needs a value}; shift 2 ;;
	--mode=*) MODE=${1#--mode=}; shift ;;
	--duration) DURATION=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,23p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done
case $MODE in
4 | 802.3ad) MODE=802.3ad ;;
1 | active-backup) MODE=active-backup ;;
*) echo "--mode: 802.3ad or active-backup" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"
need_root
need_binaries

# Names, all carrying the tag $T.
NS_VM=vfd${T}vm NS_SW=vfd${T}sw NS_CL=vfd${T}cl
UP0=up0$T UP1=up1$T SW0=sw0$T SW1=sw1$T CL=cl$T SC=sc$T
PF0=p0$T PF1=p1$T BOND=bond$T BR=br$T OVSBOND=ob$T
VF=${PF0}vf0
MAC=6a:66:2d:48:92:c3
VM_IP=1.1.1.1 CL_IP=1.1.1.2

B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'
[ -t 1 ] || B='' D='' N=''
STEP=0
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s%s\n' "$B" "$STEP" "$1" "$N"; }
seed() { printf '%s   seed: %s%s\n' "$D" "$1" "$N"; }
say() { printf '   %s\n' "$*"; }
shown() { # the command as a reader would type it
	local first=$1
	shift
	case $first in
	ctl) first=vflagctl ;;
	vsctl) first=ovs-vsctl ;;
	appctl) first=ovs-appctl ;;
	esac
	echo "$first${*:+ $*}"
}
run() { printf '%s   $ %s%s\n' "$B" "$(shown "$@")" "$N"; "$@" 2>&1 | sed 's/^/     /'; }

vflagctl_show() { printf '%s   $ vflagctl %s%s\n' "$B" "$*" "$N"; ctl "$@" 2>&1 | sed 's/^/     /'; }
bond_brief() { # the lines of `bond show` that change on a failure
	printf '%s   $ vflagctl bond show %s | grep -E "%s"%s\n' "$B" "$BOND" 'Number of ports|Currently Active|Slave Interface|State:' "$N"
	ctl bond show "$BOND" | grep -E 'Number of ports|Currently Active|Slave Interface|State:' | sed 's/^/     /'
}

# The seed's `ethtool -S PF | grep packets | grep phy`, per uplink, with the
# change since the last call.
declare -A LAST
counters() {
	local pf dev line rx tx
	printf '%s   $ vflagctl stats PF   (the seed: ethtool -S PF | grep packets | grep phy)%s\n' "$B" "$N"
	for pf in "$PF0" "$PF1"; do
		line=$(ctl -j stats "$pf" | json_get \
			'" ".join(str(p["counters"][k]) for p in d["ports"] if p["kind"]=="uplink" for k in ("rx_packets_phy","tx_packets_phy"))')
		read -r rx tx <<<"$line"
		printf '     %-9s rx_packets_phy: %-10s tx_packets_phy: %-10s (+%s rx, +%s tx since last look)\n' \
			"$pf" "$rx" "$tx" $((rx - ${LAST[$pf.rx]:-0})) $((tx - ${LAST[$pf.tx]:-0}))
		LAST[$pf.rx]=$rx LAST[$pf.tx]=$tx
	done
}

iperf() { # extra args: a short iperf3 -P 10, showing the sums only
	printf '%s   $ ip netns exec %s iperf3 -c %s -P 10 -t %s%s%s\n' "$B" "$NS_CL" "$VM_IP" "$DURATION" "${*:+ $*}" "$N"
	local out
	if ! out=$(ip netns exec "$NS_CL" iperf3 -c "$VM_IP" -P 10 -t "$DURATION" -f m "$@" 2>&1); then
		printf '%s\n' "$out" | tail -5 | sed 's/^/     /'
		return 1
	fi
	printf '%s\n' "$out" | grep -E '^\[SUM\].*(sender|receiver)' | sed 's/^/     /'
}

members_ready() { # true when the bond carries on every member
	ctl -j bond show "$BOND" | json_get \
		'all(m["tx"] for m in d["bonds"][0]["members"]) or sys.exit(1)'
}

member_state_is() { # PF STATE
	ctl -j bond show "$BOND" | json_get \
		'[m for m in d["bonds"][0]["members"] if m["name"]=="'"$1"'"][0]["state"]=="'"$2"'" or sys.exit(1)'
}

ovs_negotiated() { appctl lacp/show "$OVSBOND" | grep -q 'status: active negotiated'; }

member_out() { # PF: true when vflag stopped transmitting on it
	ctl -j bond show "$BOND" | json_get \
		'[m for m in d["bonds"][0]["members"] if m["name"]=="'"$1"'"][0]["tx"] and sys.exit(1)'
}

printf '%svflag demo: VF-LAG in namespaces, bond mode %s (tag %s, logs in %s)%s\n' "$B" "$MODE" "$T" "$TMP" "$N"
T0=$SECONDS

step "Test topology (the seed's figure 5)"
seed "a VM with a VF, two PF uplinks to an L2 switch, an iperf client behind the switch"
mkns "$NS_VM"; mkns "$NS_SW"; mkns "$NS_CL"
veth "$UP0" - "$SW0" "$NS_SW"
veth "$UP1" - "$SW1" "$NS_SW"
veth "$CL" "$NS_CL" "$SC" "$NS_SW"
# OVS's userspace datapath drops TCP/UDP whose checksum is left to offload.
ip netns exec "$NS_CL" ethtool -K "$CL" tx off >/dev/null
say "namespaces: $NS_VM (the VM), $NS_SW (the switch), $NS_CL (the iperf client)"
say "uplinks (the PFs' ports): $UP0 <-> $SW0, $UP1 <-> $SW1; client: $CL <-> $SC"
if [ "$MODE" = 802.3ad ]; then
	say "switch: Open vSwitch (userspace datapath) with an LACP bond of $SW0 and $SW1"
	ovs_start "$NS_SW"
	run vsctl add-br "$BR" -- set bridge "$BR" datapath_type=netdev
	run vsctl add-bond "$BR" "$OVSBOND" "$SW0" "$SW1" bond_mode=balance-tcp lacp=active \
		other_config:lacp-time=fast other_config:bond-rebalance-interval=1000
	run vsctl add-port "$BR" "$SC"
else
	say "switch: a kernel bridge over $SW0, $SW1 and $SC"
	run ip -n "$NS_SW" link add "$BR" type bridge
	for p in "$SW0" "$SW1" "$SC"; do ip -n "$NS_SW" link set "$p" master "$BR"; done
	ip -n "$NS_SW" link set "$BR" up
fi

step "Start vflagd (the NIC and its eswitch)"
say "\$ vflagd -s $SOCK -l info --teardown-on-exit &"
vflagd_start

step "Set firmware to support SR-IOV (NUM_OF_VFS) and create the VFs"
seed "mstconfig -d <PF> set SRIOV_EN=1 NUM_OF_VFS=4;  echo 2 > /sys/class/net/<PF>/device/sriov_numvfs"
run ctl pf add "$PF0" dev "$UP0" pci 0000:61:00.0
run ctl pf add "$PF1" dev "$UP1" pci 0000:61:00.1
run ctl pf set "$PF0" numvfs 2
run ctl pf set "$PF1" numvfs 2

step "Configure the bond"
if [ "$MODE" = 802.3ad ]; then
	seed 'BONDING_OPTS="mode=4 miimon=100 lacp_rate=1"; MASTER=bond0 SLAVE=yes on both PFs'
	# The seed's exact options: no hash policy. The default port selection
	# (queue_affinity, as the NIC's) spreads the VF's flows anyway.
	run ctl bond add "$BOND" mode 802.3ad miimon 100 lacp_rate fast members "$PF0" "$PF1"
else
	seed 'BONDING_OPTS="mode=1 miimon=100"; MASTER=bond0 SLAVE=yes on both PFs'
	run ctl bond add "$BOND" mode active-backup miimon 100 members "$PF0" "$PF1"
fi

step "The eswitch mode: legacy first"
seed "ethtool -K <PF> hw-tc-offload on; devlink dev eswitch set pci/0000:61:00.0 mode switchdev"
say "vflag's eswitch is its eBPF switch (tc programs on every port): in legacy"
say "mode it switches the VFs and the LAG by MAC itself, which is all VF-LAG"
say "needs. This first run stays in legacy; the switchdev run, with the"
say "representors and a bridge over them, follows the failover. The PFs:"
vflagctl_show show

step "Discover the representors (map_rep.py)"
seed "python map_rep.py --port <First_PF_interface_name>"
say "(legacy: no representor yet, as map_rep.py finds none outside switchdev)"
vflagctl_show map-rep "$PF0"

step "Attach VF 0 to the VM with the seed's MAC, set 1.1.1.1 in the guest"
seed "virsh <interface type='hostdev'> <mac address='6a:66:2d:48:92:c3'/> ...; IP 1.1.1.1 in the guest"
run ctl vf set "$PF0" vf 0 mac "$MAC" netns "$NS_VM"
run ip -n "$NS_VM" link set "$VF" up
run ip -n "$NS_VM" addr add "$VM_IP/24" dev "$VF"
ip netns exec "$NS_VM" ethtool -K "$VF" tx off >/dev/null
run ip -n "$NS_CL" addr add "$CL_IP/24" dev "$CL"

step "The LAG, from both sides"
if [ "$MODE" = 802.3ad ]; then
	wait_until 15 members_ready || say "(the LAG did not form within 15 s)"
	wait_until 10 ovs_negotiated || true
	say "the partner's view:"
	run appctl lacp/show "$OVSBOND"
else
	wait_until 5 members_ready || true
fi
say "vflag's view (as /proc/net/bonding/bond0):"
vflagctl_show bond show "$BOND"

step "Connectivity: ICMP from the iperf client to the VM"
seed "Make sure there is connectivity between the Iperf client to the guest VM"
wait_until 10 ip netns exec "$NS_CL" ping -c 1 -W 1 "$VM_IP" || true
run ip netns exec "$NS_CL" ping -c 3 -i 0.2 "$VM_IP"

step "iperf3: server in the VM, client at 1.1.1.2"
seed "iperf3 -s (guest);  iperf3 -c 1.1.1.1 -P 10 (client)"
start_bg "$NS_VM" "$TMP/iperf3-s.log" iperf3 -s -B "$VM_IP"
IPERF_PID=$LAST_PID
iperf_listening() { ip netns exec "$NS_VM" ss -tlnH | grep -q ':5201'; }
wait_until 5 iperf_listening
counters >/dev/null
iperf

step "Packets per bond member (the seed's step 7)"
seed 'watch -d -n1 "ethtool -S <PF> | grep packets | grep phy"  (both PFs)'
counters

step "Fail one of the bond links"
seed "Fail one of the bond links and repeat step 7: packets only on a single bond slave"
if [ "$MODE" = active-backup ]; then
	ACTIVE=$(ctl -j bond show "$BOND" | json_get 'd["bonds"][0]["active"]')
	[ "$ACTIVE" = "$PF1" ] && { FAIL_SW=$SW1 FAIL_PF=$PF1; } || { FAIL_SW=$SW0 FAIL_PF=$PF0; }
	say "active member: $ACTIVE"
else
	FAIL_SW=$SW0 FAIL_PF=$PF0
fi
say "(16 UDP flows each way, one packet per flow every 5 ms, measured as the"
say " tests measure it: pylib/vflaglab/failover.py)"
printf '%s   $ %s%s\n' "$B" "ip -n $NS_SW link set $FAIL_SW down" "$N"
export VFLAGCTL SOCK BOND PY
export -f ctl json_get member_out
FO_RC=0
PYTHONPATH=$VFLAG_ROOT/pylib $PY -m vflaglab.failover \
	--dir "$NS_CL,$NS_VM,$VM_IP" --dir "$NS_VM,$NS_CL,$CL_IP" \
	--event "ip -n $NS_SW link set $FAIL_SW down" \
	--detected "member_out $FAIL_PF" --after 1 >"$TMP/failover.json" || FO_RC=$?
[ -s "$TMP/failover.json" ] || { echo "demo: the failover measurement failed" >&2; exit 1; }
OUTAGE=$(json_get 'd["outage_ms"]' <"$TMP/failover.json")
LOST=$(json_get 'sum(m["lost"] for m in d["meters"].values())' <"$TMP/failover.json")
DETECT=$(json_get 'd["detect_ms"]' <"$TMP/failover.json")
say "${B}outage: ${OUTAGE} ms${N} (longest gap of any flow either way, up to the end"
say "of the window for a flow that never came back; $LOST packets lost); vflag"
say "stopped transmitting on $FAIL_PF ${DETECT} ms after the link went down"
if [ "$FO_RC" -eq 0 ]; then
	say "delivery after the failure: every flow, and a fresh burst of new flows, arrived"
else
	json_get '"\n".join(d["problems"])' <"$TMP/failover.json" | sed 's/^/   NOT DELIVERED: /'
fi
bond_brief
counters >/dev/null
iperf
counters
say "only $([ "$FAIL_PF" = "$PF0" ] && echo "$PF1" || echo "$PF0") moved packets"

step "Restore the link"
run ip -n "$NS_SW" link set "$FAIL_SW" up
if [ "$MODE" = 802.3ad ]; then
	T1=$SECONDS
	wait_until 15 members_ready && say "both members distributing again after $((SECONDS - T1)) s"
	sleep 1.5 # OVS rebalances every second
else
	wait_until 5 member_state_is "$FAIL_PF" backup || true
fi
bond_brief
counters >/dev/null
iperf
counters
[ "$MODE" = active-backup ] && say "(active-backup: the restored link stands by)"

# ---- the switchdev run: the seed's sections 4-7 in order ----
KB=kb$T
SD_RC=0
step "switchdev run: hw-tc-offload on, then switchdev mode"
seed "ethtool -K <PF> hw-tc-offload on (both PFs)"
run ctl pf set "$PF0" hw-tc-offload on
run ctl pf set "$PF1" hw-tc-offload on
seed "devlink dev eswitch set pci/0000:61:00.0 mode switchdev (both PFs)"
run ctl eswitch set "$PF0" mode switchdev
run ctl eswitch set "$PF1" mode switchdev
vflagctl_show eswitch show

step "switchdev run: the representors"
seed "ip link show: a representor per VF (ens2f0_0, ...) and bond0"
say "the VFs' eswitch ends and the bond's netdev, the same devices as before"
say "the switch (the VF in the VM kept its link):"
printf '%s   $ ip -br link show | grep -E "^(%s_|%s_|%s )"%s
' "$B" "$PF0" "$PF1" "$BOND" "$N"
ip -br link show | grep -E "^(${PF0}_|${PF1}_|${BOND}[ @])" | sed 's/^/     /'

step "switchdev run: map-rep (map_rep.py)"
seed "python map_rep.py --port <First_PF_interface_name>"
vflagctl_show map-rep "$PF0"

step "switchdev run: a kernel bridge over the representors and bond0"
seed "ovs-vsctl add-br ovs-sriov; add-port ovs-sriov <representors> bond0 (here: a kernel bridge, doc/switchdev.md)"
run ip link add "$KB" type bridge nf_call_iptables 0 nf_call_arptables 0
ROOTLINKS+=("$KB")
for p in "${PF0}_0" "${PF0}_1" "${PF1}_0" "${PF1}_1" "$BOND"; do
	run ip link set "$p" master "$KB"
done
run ip link set "$KB" up
ip netns exec "$NS_CL" ping -c 1 -W 1 "$VM_IP" >/dev/null 2>&1 || true
wait_until 10 ip netns exec "$NS_CL" ping -c 1 -W 1 "$VM_IP" || SD_RC=1
run ip netns exec "$NS_CL" ping -c 3 -i 0.2 "$VM_IP" || SD_RC=1

step "switchdev run: the bridge's decisions offloaded"
seed "ovs-vsctl set Open_vSwitch . other_config:hw-offload=true (here: vflag offloads br0's FDB)"
say "the bridge learned the VM's MAC on its representor and the client's on"
say "bond0; vflagd installed them as rules (doc/bridge-offload.md):"
bridge_rules_in() { ctl flow show | grep -q bridge; }
wait_until 5 bridge_rules_in || SD_RC=1
vflagctl_show flow show
printf '%s   $ bridge fdb show br %s | grep extern_learn%s\n' "$B" "$KB" "$N"
bridge fdb show br "$KB" | grep extern_learn | sed 's/^/     /'

step "switchdev run: traffic, slow path against offloaded"
seed "iperf3 -c 1.1.1.1 -P 10; then the representors' counters (ethtool -S <rep>)"
SD0=$(ctl -j stats "$VF"); SDB0=$(ctl -j stats "$BOND")
iperf || SD_RC=1
SD1=$(ctl -j stats "$VF"); SDB1=$(ctl -j stats "$BOND")
printf '%s   $ vflagctl stats %s; vflagctl stats %s   (during the iperf3 run)%s\n' "$B" "$VF" "$BOND" "$N"
$PY - "$SD0" "$SD1" "$SDB0" "$SDB1" "$VF" "$BOND" <<'PY' || SD_RC=1
import json, sys
v0, v1, b0, b1 = [json.loads(x)["ports"][0]["counters"] for x in sys.argv[1:5]]
vf, bond = sys.argv[5:7]
d = lambda a, b, k: b[k] - a[k]
slow = d(v0, v1, "slow_tx_packets") + d(v0, v1, "slow_rx_packets")
off = d(v0, v1, "offload_tx_packets") + d(v0, v1, "offload_rx_packets")
lag = d(b0, b1, "slow_tx_packets") + d(b0, b1, "slow_rx_packets")
print(f"     {vf:<12} slow path {slow:>9}   offloaded {off:>9}   "
      f"({100.0 * slow / max(1, slow + off):.2f}% slow)")
print(f"     {bond:<12} slow path {lag:>9}   (the LAG representor: "
      f"bond0's share of the bridge)")
sys.exit(0 if off > slow else 1)
PY
counters
say "established flows no longer reach the representors or the bridge;"
say "the first frames of each (and broadcasts) still do"
run ctl eswitch set "$PF0" mode legacy
run ctl eswitch set "$PF1" mode legacy
run ip link del "$KB"
[ "$SD_RC" -eq 0 ] || say "switchdev run: traffic through the bridge FAILED"

step "Tear down VF-LAG in the seed's order"
seed "1. teardown VFs from the VM  2. unbind the VF drivers  3. undo the bond"
stop_pid "$IPERF_PID"
run ctl vf set "$PF0" vf 0 netns -
run ctl pf set "$PF0" numvfs 0
run ctl pf set "$PF1" numvfs 0
run ctl bond del "$BOND"
run ctl pf del "$PF0"
run ctl pf del "$PF1"
vflagctl_show show
say "\$ kill -TERM $VFLAGD_PID   (vflagd)"
kill -TERM "$VFLAGD_PID"
RC=0; wait "$VFLAGD_PID" || RC=$?
say "vflagd exited $RC"

printf '\n%sdone in %d s%s\n' "$B" $((SECONDS - T0)) "$N"
[ "$SD_RC" -eq 0 ] || exit 1
