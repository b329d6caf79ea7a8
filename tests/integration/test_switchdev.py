"""switchdev mode (doc/switchdev.md): the VF representors and the bond's
LAG representor as host netdevs, with a kernel bridge or Open vSwitch's
userspace datapath over them as the control plane (slow path: no rule is
offloaded here), against an Open vSwitch LACP partner (mode 4) in the
switch namespace; mode switches under traffic; a representor set down;
clear refusals.

vflagd runs in the root namespace (the lab's), so the representors
(`<pf>_<n>`), the bond's netdev (`<bond>`) and the bridge are there."""

import json
import os
import time

from vflaglab import linkfail
from vflaglab.failover import directions, measure_failover
from vflaglab.netns import link_exists, sh, wait_for
from vflaglab.ovs import OvsPartner
from vflaglab.switchdev import host_bridge
from vflaglab.topo import VM_IP, VfLagTopo, counter_delta, shares
from vflaglab.traffic import (Iperf3Client, Iperf3Server, burst, log, ping,
                            summarize_bps)
from vflaglab.vflagd import EXIT_REFUSED, EXIT_USAGE

FAST = ("miimon", 100, "lacp_rate", "fast", "xmit_hash_policy", "layer3+4")


def make(lab, vflagd, **kw):
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST,
                  rebalance_ms=1000, **kw)
    t.wait_lag(timeout=15)
    t.wait_connectivity()
    return t


def reps(t):
    """Every VF representor of both PFs (the eswitch ends)."""
    return [v["rep"] for v in t.d.ctl("vf", "show")["vfs"]]


def set_mode(t, mode):
    for pf in t.pfs:
        t.d.ctl("eswitch", "set", pf, "mode", mode)


def lag_mode(t):
    return t.bond_view()["eswitch_mode"]


def bridge(lab, t):
    """A kernel bridge in vflagd's namespace over the representors and
    the bond's netdev, as the seed's `ip link set ... master`."""
    return host_bridge(lab, reps(t) + [t.bond])


def vf_carrier(t):
    out = t.vm.ip("-j", "link", "show", t.vf_port).stdout
    return "LOWER_UP" in json.loads(out)[0]["flags"]


def vf_ifindex(t):
    return json.loads(t.vm.ip("-j", "link", "show", t.vf_port).stdout)[0][
        "ifindex"]


def split(lab, t, reverse):
    """iperf3 -P 10 for 6 s; per-uplink shares between 2.5 s and 5.5 s."""
    key = "tx_packets_phy" if reverse else "rx_packets_phy"
    for _ in range(3):
        c = Iperf3Client(lab, t.client, VM_IP, parallel=10, seconds=6,
                         reverse=reverse).start()
        time.sleep(2.5)
        before = t.uplink_counters()
        time.sleep(3)
        after = t.uplink_counters()
        res = c.result()
        d = counter_delta(before, after, key)
        sh_ = shares(d)
        if min(sh_.values()) >= 0.20:
            break
    return res, d, sh_


def test_bridge_over_representors(lab, vflagd):
    """Switchdev with br0 over the representors and bond0: ping and
    iperf3 -P 10 both ways through the LAG, both members carrying, every
    frame through the representors (slow path), then a member failure."""
    t = make(lab, vflagd)
    vf_before = vf_ifindex(t)
    set_mode(t, "switchdev")
    assert lag_mode(t) == "switchdev"
    assert vf_ifindex(t) == vf_before  # the VF survived the switch
    bridge(lab, t)
    wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 10,
             what="ping through the bridge")
    assert ping(t.client, VM_IP, count=3)
    es = vflagd.ctl("eswitch", "show")["eswitch"]
    assert {e["mode"] for e in es} == {"switchdev"}
    assert all(e["lag"]["representor"] == t.bond for e in es)
    # bond0 has its first member's MAC, as a Linux bond
    pf0 = vflagd.ctl("pf", "show", t.pfs[0])["pfs"][0]
    assert json.loads(sh(["ip", "-j", "link", "show", t.bond]).stdout)[0][
        "address"] == pf0["mac"]
    maps = vflagd.ctl("map-rep", t.pfs[0])["reps"]
    assert maps[0]["representor"] == f"{t.pfs[0]}_0"
    Iperf3Server(lab, t.vm, bind=VM_IP)
    for reverse in (False, True):
        vf0 = vflagd.counters(t.vf_port)
        lrep0 = vflagd.ctl("stats", t.bond)["ports"][0]["counters"]
        res, d, sh_ = split(lab, t, reverse)
        vf1 = vflagd.counters(t.vf_port)
        lrep1 = vflagd.ctl("stats", t.bond)["ports"][0]["counters"]
        direction = "VM->client" if reverse else "client->VM"
        log(f"switchdev bridge iperf3 -P 10 {direction}: "
            f"{summarize_bps(res['received_bps'])}, per uplink {d}, "
            f"shares { {k: round(v, 2) for k, v in sh_.items()} }")
        assert res["received_bps"] > 0
        for pf, s in sh_.items():
            assert s >= 0.20, f"{pf} carried {s:.0%} ({d})"
        # everything took the representors: nothing offloaded
        assert vf1["slow_tx_packets"] > vf0["slow_tx_packets"]
        assert vf1["offload_tx_packets"] == vf0["offload_tx_packets"] == 0
        key = "slow_tx_packets" if reverse else "slow_rx_packets"
        assert lrep1[key] > lrep0[key], (lrep0, lrep1)
    failed, survivor = t.pfs
    r = measure_failover(
        lab, directions(t),
        lambda: linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False),
        detected=lambda: t.distributing() == [survivor], settle=1.5,
        what=f"switchdev bridge: carrier loss on {failed}")
    log(r.line())
    r.check(bound_ms=1000)


def test_mode_switch_under_traffic(lab, vflagd):
    """legacy -> switchdev -> legacy with UDP flows running both ways
    (bridge already over the representors): the pause of each switch,
    measured and printed; VFs untouched."""
    t = make(lab, vflagd)
    bridge(lab, t)
    vf_before = vf_ifindex(t)
    for mode in ("switchdev", "legacy"):
        r = measure_failover(
            lab, directions(t), lambda mode=mode: set_mode(t, mode),
            detected=lambda mode=mode: lag_mode(t) == mode, settle=1.0,
            what=f"eswitch mode -> {mode}")
        log(f"{r.line()} (the pause of the switch)")
        r.check(bound_ms=1000)
    assert vf_ifindex(t) == vf_before
    assert vf_carrier(t)


def test_modes_differ_and_bad_input(lab, vflagd):
    """Both PFs of a bond in the same mode or the LAG keeps its mode and
    says why; bad words and unknown PFs get clear errors."""
    t = make(lab, vflagd, numvfs=1)
    a, b = t.pfs
    vflagd.ctl("eswitch", "set", a, "mode", "switchdev")
    bd = t.bond_view()
    assert bd["eswitch_mode"] == "legacy"
    assert bd["eswitch_reason"] == \
        f"eswitch modes differ: {a} switchdev, {b} legacy"
    text = vflagd.ctl("bond", "show", t.bond, json=False)
    assert "eswitch modes differ" in text
    e = vflagd.ctl("eswitch", "show", a)["eswitch"][0]
    assert (e["mode"], e["mode_set"]) == ("legacy", "switchdev")
    assert e["lag"]["modes_agree"] is False
    pfs = {p["name"]: p for p in vflagd.ctl("pf", "show")["pfs"]}
    assert pfs[a]["eswitch_mode"] == "legacy"
    assert pfs[a]["eswitch_mode_set"] == "switchdev"
    assert ping(t.client, VM_IP, count=2)  # legacy still switches
    vflagd.ctl("eswitch", "set", b, "mode", "switchdev")
    bd = t.bond_view()
    assert bd["eswitch_mode"] == "switchdev" and bd["eswitch_reason"] is None
    rc, _, err = vflagd.ctl_rc("eswitch", "set", a, "mode", "offload")
    assert rc == EXIT_USAGE and "legacy or switchdev, not 'offload'" in err
    rc, _, err = vflagd.ctl_rc("eswitch", "set", "nosuch", "mode", "legacy")
    assert rc == EXIT_REFUSED and "no PF named nosuch" in err
    rc, _, err = vflagd.ctl_rc("eswitch", "set", a, "legacy")
    assert rc == EXIT_USAGE and "eswitch set PF mode" in err
    rc, _, err = vflagd.ctl_rc("pf", "set", a, "hw-tc-offload", "maybe")
    assert rc == EXIT_USAGE and "on or off" in err
    rc, _, err = vflagd.ctl_rc("eswitch", "show", "nosuch")
    assert rc == EXIT_REFUSED and "no PF named nosuch" in err


def test_hw_tc_offload_and_rep_down(lab, vflagd):
    """hw-tc-offload on/off toggles the knob with frames delivered either
    way: off, through the representors; on, by the rules the bridge
    offload learned (or through the representors until then); the
    operator setting a
    representor down takes the VF's carrier down, and vflagd does not
    bring it back (state enable, the LAG flapping)."""
    t = make(lab, vflagd)
    set_mode(t, "switchdev")
    bridge(lab, t)
    wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 10,
             what="ping through the bridge")
    for on in ("on", "off", "on"):
        for pf in t.pfs:
            vflagd.ctl("pf", "set", pf, "hw-tc-offload", on)
        pfs = vflagd.ctl("pf", "show")["pfs"]
        assert all(p["hw_tc_offload"] is (on == "on") for p in pfs)
        v0 = vflagd.counters(t.vf_port)
        assert ping(t.client, VM_IP, count=2)
        v1 = vflagd.counters(t.vf_port)
        slow = v1["slow_tx_packets"] - v0["slow_tx_packets"]
        off = v1["offload_tx_packets"] - v0["offload_tx_packets"]
        if on == "off":
            assert slow > 0 and off == 0, (slow, off)
        else:
            assert slow + off > 0, (slow, off)
    rep = f"{t.pfs[0]}_0"
    sh(["ip", "link", "set", rep, "down"])
    wait_for(lambda: not vf_carrier(t), 5, what="VF carrier down")
    wait_for(lambda: vflagd.ctl("vf", "show", t.pfs[0])["vfs"][0]["link_up"]
             is False, 5, what="vf show: link down")
    vflagd.ctl("vf", "set", t.pfs[0], "vf", 0, "state", "enable")
    # one member fails and returns: the LAG's carrier moves, not the rep
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
    time.sleep(0.5)
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True)
    t.wait_lag(timeout=15)
    time.sleep(0.3)
    assert not vf_carrier(t), "vflagd brought a representor set down up"
    sh(["ip", "link", "set", rep, "up"])
    wait_for(lambda: vf_carrier(t), 5, what="VF carrier back")
    vflagd.ctl("vf", "set", t.pfs[0], "vf", 0, "state", "auto")
    wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 10,
             what="ping after the representor came back")


def test_ovs_userspace_over_representors(lab, vflagd):
    """Open vSwitch's userspace datapath, in vflagd's namespace, with the
    representors and bond0 as netdev ports: the seed's ovs-sriov bridge
    (slow path, nothing offloaded) carries ping and iperf3."""
    t = make(lab, vflagd)
    set_mode(t, "switchdev")
    br = lab.ifname("os")
    # OVS's bridge port (a tap) outlives ovs-vswitchd: removed after it
    # stops (the lab undoes newest first).
    lab.defer(f"ovs bridge {br}",
              lambda: sh(["ip", "link", "del", br], check=False))
    # So does the netdev datapath's own tap, `ovs-netdev`, when this
    # OVS made it (none runs in the root namespace but ours).
    if not link_exists("ovs-netdev"):
        lab.defer("ovs-netdev", lambda: sh(["ip", "link", "del",
                                            "ovs-netdev"], check=False))
    o = OvsPartner(lab, None, name="ovs-sriov").start()
    o.add_bridge(br)
    for p in reps(t) + [t.bond]:
        o.add_port(br, p)
    sh(["ip", "link", "set", br, "up"])
    wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 15,
             what="ping through OVS over the representors")
    assert ping(t.client, VM_IP, count=3)
    Iperf3Server(lab, t.vm, bind=VM_IP)
    for reverse in (False, True):
        c = Iperf3Client(lab, t.client, VM_IP, parallel=10, seconds=3,
                         reverse=reverse).start()
        res = c.result()
        log(f"OVS userspace over representors, iperf3 -P 10 "
            f"{'VM->client' if reverse else 'client->VM'}: "
            f"{summarize_bps(res['received_bps'])}")
        assert res["received_bps"] > 0
    b = burst(lab, t.client, t.vm, VM_IP, port=9300, sport_base=43000,
              seconds=0.3)
    assert b["received"] > 0


def test_restart_adopts_switchdev(lab):
    """kill -9 in switchdev with the bridge forwarding: a restarted vflagd
    adopts the modes, hw-tc-offload and bond0 (same device) with no ping
    lost, and a replayed `eswitch set` changes nothing."""
    from test_survive import (Survivor, cleanup, flood_ping, netns_inode,
                              ping_loss, pins, state_path)
    ino = netns_inode()
    d = Survivor(lab).start()
    t = None
    try:
        t = make(lab, d)
        set_mode(t, "switchdev")
        d.ctl("pf", "set", t.pfs[0], "hw-tc-offload", "on")
        bridge(lab, t)
        wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 10,
                 what="ping through the bridge")
        bond_ifindex = json.loads(sh(["ip", "-j", "link", "show",
                                      t.bond]).stdout)[0]["ifindex"]
        p = flood_ping(t.client, VM_IP, seconds=5)
        time.sleep(1.0)
        d.kill9()
        time.sleep(0.5)
        d = Survivor(lab).start()
        t.d = d
        sent, received = ping_loss(p)
        log(f"switchdev kill -9 and restart: ping {sent} sent, "
            f"{received} received")
        assert received == sent
        assert d.ctl("show")["adopted"] is True
        es = {e["pf"]: e for e in d.ctl("eswitch", "show")["eswitch"]}
        assert {e["mode"] for e in es.values()} == {"switchdev"}
        assert es[t.pfs[0]]["hw_tc_offload"] is True
        assert es[t.pfs[1]]["hw_tc_offload"] is False
        assert es[t.pfs[0]]["lag"]["representor"] == t.bond
        assert json.loads(sh(["ip", "-j", "link", "show", t.bond]).stdout)[
            0]["ifindex"] == bond_ifindex
        set_mode(t, "switchdev")  # a config replayed: no change
        assert ping(t.client, VM_IP, count=3)
    finally:
        cleanup(lab, t.d if t else d, ino)
    assert pins(ino) == [] and not os.path.exists(state_path(ino))
    assert not [n for n in sh(["ip", "-o", "link"]).stdout.split("\n")
                if f"{t.bond}_esw" in n]


def test_mode_before_bond_and_vfs(lab, vflagd):
    """The order does not matter: switchdev set on the PFs first, then the
    bond, then the VFs; the LAG is in switchdev from its first member and
    the bridge over the representors carries traffic."""
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST,
                  rebalance_ms=1000, configure_vflag=False)
    cmds = t.vflag_commands()
    pf_add = [c for c in cmds if c[:2] == ["pf", "add"]]
    numvfs = [c for c in cmds if c[:2] == ["pf", "set"]]
    bond = [c for c in cmds if c[0] == "bond"]
    vf = [c for c in cmds if c[0] == "vf"]
    for c in pf_add:
        vflagd.ctl(*c)
    set_mode(t, "switchdev")
    for c in bond + numvfs + vf:
        vflagd.ctl(*c)
    t.vm.up(t.vf_port)
    t.vm.addr(t.vf_port, f"{VM_IP}/24")
    t.vm.tx_csum_off(t.vf_port)
    t.wait_lag(timeout=15)
    assert lag_mode(t) == "switchdev"
    assert t.bond_view()["eswitch_reason"] is None
    bridge(lab, t)
    wait_for(lambda: ping(t.client, VM_IP, count=1, timeout=2), 10,
             what="ping through the bridge")
    assert vflagd.ctl("map-rep", t.pfs[1])["reps"][0]["representor"] == \
        f"{t.pfs[1]}_0"
