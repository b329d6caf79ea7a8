"""The kernel bridge over the representors as an offloaded control plane
(issue 9 item 5, doc/bridge-offload.md): the seed's set-up in switchdev,
with br0 holding the VF's representor and the bond's LAG representor.
Traffic works at once through the bridge (slow path); vflagd then
installs what the bridge learned as rules, so established flows go
VF <-> LAG in the eswitch: the representor's counters stop growing, the
rules' grow, and both members still carry traffic."""

import time

from vflaglab import linkfail
from vflaglab.netns import sh, wait_for
from vflaglab.switchdev import host_bridge, switchdev
from vflaglab.topo import VM_IP, VF_MAC, VfLagTopo
from vflaglab.traffic import (Iperf3Client, Iperf3Server, OutageMeter, log,
                              ping)

SEED_OPTS = ("miimon", 100, "lacp_rate", "fast")


def bridge_fdb(br):
    """{mac: flags} of br's learned entries (not the ports' own)."""
    out = sh(["bridge", "-j", "fdb", "show", "br", br]).stdout
    import json
    res = {}
    for e in json.loads(out or "[]"):
        if "permanent" in e.get("state", "") or e.get("vlan"):
            continue
        res[e["mac"]] = e
    return res


def switchdev_bridge(lab, d, offload=True):
    """The seed's section 4-7 in order: offload on, switchdev, the
    representor and bond0 in a kernel bridge."""
    t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad", bond_opts=SEED_OPTS)
    t.wait_lag()
    switchdev(t, offload=offload)
    assert t.rep, "switchdev: the VF has a representor"
    t.bridge = host_bridge(lab, [t.rep, t.bond])
    t.wait_connectivity(timeout=20)
    return t


def flows(d, dev=None):
    args = ["flow", "show"] + (["dev", dev] if dev else []) + ["-s"]
    return d.ctl(*args)["rules"]


def bridge_rules(d):
    return [f for f in flows(d) if f.get("origin") == "bridge"]


def rule_packets(d):
    return sum(f["stats"]["packets"] for f in bridge_rules(d))


def rep_slow(d, rep):
    c = d.counters(rep)
    return c["slow_tx_packets"] + c["slow_rx_packets"]


def wait_offloaded(d, t, timeout=10):
    """Both directions' rules in the eswitch."""
    def ready():
        rules = bridge_rules(d)
        to_vf = [r for r in rules if r["dev"] == t.bond and r["in_hw"]]
        from_vf = [r for r in rules if r["dev"] == t.rep and r["in_hw"]]
        return to_vf and from_vf
    wait_for(ready, timeout, interval=0.1, what="bridge rules in the eswitch")


def test_bridge_offloads_established_flows(lab, vflagd):
    t = switchdev_bridge(lab, vflagd)
    assert ping(t.client, VM_IP, count=3)
    wait_offloaded(vflagd, t)
    rules = bridge_rules(vflagd)
    log("bridge rules: " + "; ".join(
        f"{r['dev']} {r['match']} -> {r['actions']}" for r in rules))
    # The rules are what the bridge learned: the VF's MAC behind its
    # representor, the client's behind bond0; both marked extern_learn.
    fdb = bridge_fdb(t.bridge)
    assert VF_MAC in fdb and "extern_learn" in fdb[VF_MAC].get("flags", [])
    assert any(r["dev"] == t.bond and VF_MAC in r["match"] for r in rules)
    assert any(r["dev"] == t.rep and VF_MAC in r["match"] for r in rules)
    br = vflagd.ctl("flow", "show")["bridge"]
    assert br["rules"] == len(rules) and br["rules_in_hw"] == len(rules)
    assert br["extern_learn"] >= 2

    srv = Iperf3Server(lab, t.vm, bind=VM_IP)
    for reverse in (False, True):
        slow0, rule0 = rep_slow(vflagd, t.rep), rule_packets(vflagd)
        up0 = {pf: vflagd.counters(pf) for pf in t.pfs}
        res = Iperf3Client(lab, t.client, VM_IP, seconds=3,
                           reverse=reverse).start().result()
        slow = rep_slow(vflagd, t.rep) - slow0
        hits = rule_packets(vflagd) - rule0
        key = "lag_tx_packets" if reverse else "rx_packets_phy"
        per_member = {pf: vflagd.counters(pf)[key] - up0[pf][key]
                      for pf in t.pfs}
        log(f"{'VM->client' if reverse else 'client->VM'}: "
            f"{res['received_bps'] / 1e9:.2f} Gbit/s, slow path {slow}, "
            f"offloaded {hits}, members {per_member}")
        assert res["received_bps"] > 0
        # Established flows no longer reach the representor.
        assert hits > 1000
        assert slow * 100 < hits, (slow, hits)
        # And the LAG still spreads them over both members.
        total = sum(per_member.values())
        for pf, n in per_member.items():
            assert n > total * 0.05, per_member
    srv.stop()


def test_member_failure_offloaded(lab, vflagd):
    t = switchdev_bridge(lab, vflagd)
    wait_offloaded(vflagd, t)
    m = OutageMeter(lab, t.client, t.vm, VM_IP).start()
    time.sleep(0.5)
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
    time.sleep(1.5)
    r = m.stop()
    log(f"member failure, offloaded: worst flow {r['max_gap_ms']:.1f} ms, "
        f"lost {r['lost']}")
    assert not r["silent_flows"], r
    assert r["lost"] < 50, r
    assert ping(t.client, VM_IP, count=3)
    assert all(x["in_hw"] for x in bridge_rules(vflagd))


def test_offload_off_takes_the_representors(lab, vflagd):
    t = switchdev_bridge(lab, vflagd)
    wait_offloaded(vflagd, t)
    for pf in t.pfs:
        vflagd.ctl("pf", "set", pf, "hw-tc-offload", "off")
    # The addresses go back to the bridge (no longer extern_learn); it
    # learns them again from the slow path, and their rules are kept
    # out of the eswitch, saying why.
    assert ping(t.client, VM_IP, count=2)
    wait_for(lambda: bridge_rules(vflagd), 5, what="rules learned again")
    rules = bridge_rules(vflagd)
    assert not any(r["in_hw"] for r in rules)
    fdb = bridge_fdb(t.bridge)
    assert VF_MAC in fdb and "extern_learn" not in fdb[VF_MAC].get(
        "flags", [])
    assert all("hw-tc-offload" in (r.get("reason") or "") for r in rules)
    slow0, rule0 = rep_slow(vflagd, t.rep), rule_packets(vflagd)
    srv = Iperf3Server(lab, t.vm, bind=VM_IP)
    res = Iperf3Client(lab, t.client, VM_IP, seconds=2).start().result()
    srv.stop()
    slow = rep_slow(vflagd, t.rep) - slow0
    log(f"offload off: {res['received_bps'] / 1e9:.2f} Gbit/s, "
        f"slow path {slow}")
    assert res["received_bps"] > 0
    assert rule_packets(vflagd) == rule0
    assert slow > 1000
    for pf in t.pfs:
        vflagd.ctl("pf", "set", pf, "hw-tc-offload", "on")
    wait_offloaded(vflagd, t)


def test_ageing_is_ours(lab, vflagd):
    t = switchdev_bridge(lab, vflagd)
    sh(["ip", "link", "set", t.bridge, "type", "bridge", "ageing_time",
        "200"])
    assert ping(t.client, VM_IP, count=2)
    wait_offloaded(vflagd, t)
    # While offloaded traffic flows, the entries stay (the bridge sees
    # none of it: our last-used times keep them).
    m = OutageMeter(lab, t.client, t.vm, VM_IP, flows=2).start()
    time.sleep(3)
    r = m.stop()
    assert not r["silent_flows"], r
    assert VF_MAC in bridge_fdb(t.bridge)
    # Idle: aged out of the bridge and out of the eswitch.
    wait_for(lambda: VF_MAC not in bridge_fdb(t.bridge) and
             not any(VF_MAC in x["match"] for x in bridge_rules(vflagd)),
             10, interval=0.2, what="idle entries aged out")
    assert ping(t.client, VM_IP, count=3)
    wait_offloaded(vflagd, t)


def test_restart_relearns_without_loss(lab):
    """kill -9 with the bridge offloaded and traffic flowing: the
    datapath forwards on its rules meanwhile; the restarted vflagd drops
    the rules it cannot know the origin of and learns them again from the
    bridge, with no ping lost and no rule twice."""
    from test_survive import (Survivor, cleanup, flood_ping, netns_inode,
                              ping_loss)
    ino = netns_inode()
    d = Survivor(lab).start()
    t = None
    try:
        t = switchdev_bridge(lab, d)
        wait_offloaded(d, t)
        before = sorted((r["dev"], r["match"], r["actions"])
                        for r in bridge_rules(d))
        p = flood_ping(t.client, VM_IP, seconds=5)
        time.sleep(1.0)
        d.kill9()
        time.sleep(0.5)
        d = Survivor(lab).start()
        t.d = d
        sent, received = ping_loss(p)
        log(f"bridge offload, kill -9 and restart: ping {sent} sent, "
            f"{received} received")
        assert received == sent
        assert d.ctl("show")["adopted"] is True
        wait_offloaded(d, t)
        after = sorted((r["dev"], r["match"], r["actions"])
                       for r in bridge_rules(d))
        # Learned again (more, perhaps: the bridge kept learning), and
        # none twice.
        assert set(before) <= set(after), (before, after)
        assert len(set(after)) == len(after)
        assert len(d.ctl("flow", "show")["rules"]) == len(after)
    finally:
        cleanup(lab, t.d if t else d, ino)


def test_mac_moves_to_another_vf(lab, vflagd):
    """The VM's MAC and address move from VF 0 to VF 1 (a migrated VM):
    its first frame from VF 1 matches no rule (its rules match VF 0's
    port), takes the slow path, the bridge learns the move and the rules
    follow it: traffic flows again, offloaded, through VF 1."""
    d = vflagd
    t = switchdev_bridge(lab, d)
    wait_offloaded(d, t)
    rep1 = d.ctl("map-rep", t.pfs[0])["reps"][1]["representor"]
    sh(["ip", "link", "set", rep1, "master", t.bridge])
    sh(["ip", "link", "set", rep1, "up"])
    vf1 = f"{t.pfs[0]}vf1"
    # VF 0 stays up (its port in the bridge too), with another MAC.
    t.vm.ip("addr", "flush", "dev", t.vf_port)
    d.ctl("vf", "set", t.pfs[0], "vf", 0, "mac", "02:00:00:00:aa:01")
    d.ctl("vf", "set", t.pfs[0], "vf", 1, "mac", VF_MAC, "netns", t.vm.name)
    t.vm.up(vf1)
    t.vm.addr(vf1, f"{VM_IP}/24")
    t.vm.tx_csum_off(vf1)
    # The VM speaks first (its ARP is a broadcast: the slow path).
    wait_for(lambda: ping(t.vm, "1.1.1.2", count=1, timeout=2), 10,
             what="the moved VM reaches the client")
    wait_for(lambda: any(r["dev"] == t.bond and VF_MAC in r["match"] and
                         r["actions"].endswith(rep1) and r["in_hw"]
                         for r in bridge_rules(d)), 5,
             what="wire -> VM rule through VF 1's representor")
    # Nothing is sent to VF 0 for the VM's MAC any more.
    assert not any(r["actions"].endswith(f"dev {t.rep}") and
                   f"dst_mac {VF_MAC}" in r["match"]
                   for r in bridge_rules(d))
    assert d.ctl("flow", "show")["bridge"]["moves"] >= 1
    assert ping(t.client, VM_IP, count=3)
