"""Explicit offload rules with real frames (issue 9 items 4 and 8): the
seed's topology in switchdev with hw-tc-offload on and no bridge over
the representors, so a frame reaches the other side only if a rule takes
it. Redirect both ways, drop, VLAN push towards the wire and VLAN pop
from it, each checked where the frame lands."""

import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from vflaglab.capture import Capture
from vflaglab.switchdev import dev_mac, switchdev
from vflaglab.topo import CLIENT_IP, VF_MAC, VM_IP, VfLagTopo
from vflaglab.traffic import log, ping

from test_isolation import frame, inject, quiet


def switchdev_no_bridge(lab, d):
    t = VfLagTopo(lab, d, peer="bridge", mode="active-backup",
                  bond_opts=("miimon", 100))
    switchdev(t)
    t.client_mac = dev_mac(t.cl_if, t.client)
    # No ARP across: nothing floods here, only rules carry frames.
    t.client.ip("neigh", "replace", VM_IP, "lladdr", VF_MAC, "dev", t.cl_if)
    t.vm.ip("neigh", "replace", CLIENT_IP, "lladdr", t.client_mac, "dev",
            t.vf_port)
    active = d.bond(t.bond)["active"]
    t.active_sw_end = t.sw_ends[t.pfs.index(active)]
    quiet(t, extra=[(t.client, [t.cl_if])])
    return t


def flow(d, *words):
    return d.ctl("flow", "add", *[str(w) for w in words])["handle"]


def rule(d, handle):
    return [r for r in d.ctl("flow", "show", "-s")["rules"]
            if r["handle"] == handle][0]


def redirect_both_ways(d, t):
    flow(d, "dev", t.bond, "prio", 10, "flower", "dst_mac", VF_MAC,
         "action", "mirred", "egress", "redirect", "dev", t.rep)
    flow(d, "dev", t.rep, "prio", 10, "flower", "src_mac", VF_MAC,
         "action", "mirred", "egress", "redirect", "dev", t.bond)


def test_redirect_and_drop(lab, vflagd):
    d = vflagd
    t = switchdev_no_bridge(lab, d)
    # Nothing carries the frames yet: they end on the LAG representor.
    assert not ping(t.client, VM_IP, count=2, timeout=3)
    slow = d.counters(t.bond)["slow_rx_packets"]
    assert slow >= 2
    redirect_both_ways(d, t)
    rep0 = d.counters(t.rep)
    assert ping(t.client, VM_IP, count=3)
    rules = d.ctl("flow", "show", "-s")["rules"]
    assert all(r["in_hw"] for r in rules)
    # Each echo and each reply took its rule: none reached a
    # representor (what else the wire sends still may).
    assert sorted(r["stats"]["packets"] for r in rules) == [3, 3], rules
    rep = d.counters(t.rep)
    assert rep["slow_tx_packets"] == rep0["slow_tx_packets"]
    assert rep["offload_tx_packets"] - rep0["offload_tx_packets"] >= 3

    # A better rule drops ICMP from the wire; the redirect still
    # carries the rest.
    h = flow(d, "dev", t.bond, "prio", 1, "flower", "eth_type", "ipv4",
             "ip_proto", "icmp", "action", "drop")
    assert not ping(t.client, VM_IP, count=3, timeout=3)
    dropped = rule(d, h)["stats"]["packets"]
    log(f"drop rule: {dropped} frames")
    assert dropped >= 3
    d.ctl("flow", "del", "dev", t.bond, "prio", 1)
    assert ping(t.client, VM_IP, count=3)
    assert rule(d, 1)["stats"]["packets"] >= 6


def udp_frame(dst, src, sport, dport, payload, src_ip=VM_IP,
              dst_ip=CLIENT_IP):
    return bytes(Ether(dst=dst, src=src) / IP(src=src_ip, dst=dst_ip) /
                 UDP(sport=sport, dport=dport) / Raw(payload))


def test_vlan_push_towards_the_wire(lab, vflagd):
    d = vflagd
    t = switchdev_no_bridge(lab, d)
    redirect_both_ways(d, t)
    h = flow(d, "dev", t.rep, "prio", 2, "flower", "eth_type", "ipv4",
             "ip_proto", "udp", "dst_port", 5555, "action", "vlan", "push",
             "id", 100, "priority", 3, "action", "mirred", "egress",
             "redirect", "dev", t.bond)
    cap = Capture(lab, t.sw, t.sw_ends).start()
    marker = b"VFLAG-PUSH"
    inject(t.vm, t.vf_port,
           [udp_frame(t.client_mac, VF_MAC, 4000, 5555, marker)] * 3 +
           [udp_frame(t.client_mac, VF_MAC, 4000, 5556, marker)] * 2)
    frames = cap.stop()
    tagged = untagged = 0
    for _, b in frames:
        if marker not in b:
            continue
        tpid, tci = struct.unpack("!HH", b[12:16])
        if tpid == 0x8100:
            assert tci & 0xfff == 100 and tci >> 13 == 3, hex(tci)
            tagged += 1
        else:
            untagged += 1
    log(f"vlan push: {tagged} tagged, {untagged} untagged on the wire")
    # dport 5555 tagged by the push rule, 5556 by the plain redirect.
    assert (tagged, untagged) == (3, 2)
    assert rule(d, h)["stats"]["packets"] == 3


def test_vlan_pop_from_the_wire(lab, vflagd):
    d = vflagd
    t = switchdev_no_bridge(lab, d)
    h = flow(d, "dev", t.bond, "prio", 3, "flower", "vlan_id", 200,
             "action", "vlan", "pop", "action", "mirred", "egress",
             "redirect", "dev", t.rep)
    cap = Capture(lab, t.vm, [t.vf_port]).start()
    marker = b"VFLAG-POP"
    tagged = frame(VF_MAC, t.client_mac, 0x0800,
                   udp_frame(VF_MAC, t.client_mac, 5555, 4000, marker,
                             src_ip=CLIENT_IP, dst_ip=VM_IP)[14:],
                   tags=((0x8100, 200),))
    other = frame(VF_MAC, t.client_mac, 0x0800,
                  udp_frame(VF_MAC, t.client_mac, 5555, 4000, marker,
                            src_ip=CLIENT_IP, dst_ip=VM_IP)[14:],
                  tags=((0x8100, 300),))
    inject(t.sw, t.active_sw_end, [tagged] * 4 + [other] * 2)
    frames = [b for _, b in cap.stop() if marker in b]
    log(f"vlan pop: the VF got {len(frames)} frames")
    # VLAN 200 arrives untagged; VLAN 300 matches no rule (representor).
    assert len(frames) == 4
    assert all(struct.unpack("!H", b[12:14])[0] == 0x0800 for b in frames)
    assert rule(d, h)["stats"]["packets"] == 4


def test_bad_rules_refused(lab, vflagd):
    d = vflagd
    t = switchdev_no_bridge(lab, d)
    bad = [
        ["dev", "nosuchport", "flower", "action", "drop"],
        ["dev", t.rep, "flower", "dst_mac", "zz:00", "action", "drop"],
        ["dev", t.rep, "flower", "ip_proto", "tcp", "action", "drop"],
        ["dev", t.rep, "flower", "dst_port", "80", "action", "drop"],
        ["dev", t.rep, "flower", "action", "mirred", "egress", "redirect",
         "dev", "nosuchport"],
        ["dev", t.rep, "prio", "70000", "flower", "action", "drop"],
        ["dev", t.rep, "flower", "vlan_id", "5000", "action", "drop"],
    ]
    for words in bad:
        rc, out, err = d.ctl_rc("flow", "add", *words)
        assert rc != 0 and err.strip(), (words, rc, out, err)
    assert d.ctl("flow", "show")["rules"] == []
    rc, _, err = d.ctl_rc("flow", "del", "dev", t.rep, "handle", "77")
    assert rc != 0 and "77" in err
