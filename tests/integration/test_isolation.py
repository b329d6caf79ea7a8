"""Tenant isolation (issue 8): a hostile tenant inside a VF's namespace
sends every class of frame a VF must not get out (control protocols
behind any tags, spoofed sources, tags it may not send, sizes), built
with scapy and sent raw; the far side of BOTH uplinks is captured
throughout, every class is bracketed by a legit frame that must arrive
(so a dead switch cannot pass), and each class must move its own counter
by exactly what was sent. Then the same attack against Open vSwitch as
LACP partner while another tenant pings, VST VLANs end to end, the rate
limit under iperf3 and the storm limit next to a sibling's ping."""

import os
import re
import struct
import time

from scapy.contrib.lacp import LACP, MarkerProtocol, SlowProtocol
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from vflaglab import LIBDIR
from vflaglab.capture import Capture
from vflaglab.netns import sh, wait_for
from vflaglab.topo import CLIENT_IP, VF_MAC, VM_IP, VfLagTopo
from vflaglab.traffic import PYTHON, Iperf3Server, iperf3, log, ping

INJECT = os.path.join(LIBDIR, "inject.py")
SLOW_MAC = "01:80:c2:00:00:02"
PAUSE_MAC = "01:80:c2:00:00:01"
BCAST = "ff:ff:ff:ff:ff:ff"
PEER_MAC = "02:00:00:00:00:02"  # a host on the wire (nobody answers)
XOR = ("miimon", 100, "xmit_hash_policy", "layer3+4")
FAST = ("miimon", 100, "lacp_rate", "fast", "xmit_hash_policy", "layer3+4")
TENANT2_IP = "1.1.1.3"


# -- frames ----------------------------------------------------------------
def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def frame(dst, src, ethertype, payload, tags=()):
    """Raw bytes: tags is a list of (tpid, tci), outermost first."""
    b = mac_bytes(dst) + mac_bytes(src)
    for tpid, tci in tags:
        b += struct.pack("!HH", tpid, tci)
    return b + struct.pack("!H", ethertype) + payload


TAGGINGS = {
    "untagged": (),
    "prio": ((0x8100, 3 << 13),),            # priority-tagged, VID 0
    "dot1q": ((0x8100, 5),),
    "dot1ad": ((0x88a8, 5),),
    "double": ((0x88a8, 5), (0x8100, 6)),
}


def control_payloads(partner_mac):
    """(name, ethertype, payload, destinations, counter) of each control
    protocol a tenant must never send."""
    lacp = bytes(SlowProtocol() / LACP(actor_system="02:11:22:33:44:55",
                                       actor_key=77, actor_state=0x3f))
    marker = bytes(SlowProtocol(subtype=2) / MarkerProtocol())
    oam = bytes([3, 0x00, 0x50]) + bytes(40)   # 802.3ah OAM information
    pause = struct.pack("!HH", 0x0001, 0xffff) + bytes(42)
    pfc = struct.pack("!HH", 0x0101, 0x00ff) + struct.pack("!8H",
                                                           *[0xffff] * 8)
    slow_dsts = (SLOW_MAC, BCAST, partner_mac)
    return [("lacp", 0x8809, lacp, slow_dsts, "tx_drop_slow_proto"),
            ("marker", 0x8809, marker, slow_dsts, "tx_drop_slow_proto"),
            ("oam", 0x8809, oam, (SLOW_MAC,), "tx_drop_slow_proto"),
            ("pause", 0x8808, pause, (PAUSE_MAC, BCAST),
             "tx_drop_mac_control"),
            ("pfc", 0x8808, pfc, (PAUSE_MAC,), "tx_drop_mac_control")]


def mark(kind, name):
    return f"VFLAG-ISO:{kind}:{name}:".encode()


def udp(src, payload, dst=PEER_MAC, size=0):
    p = Ether(dst=dst, src=src) / IP(src=VM_IP, dst=CLIENT_IP) / \
        UDP(sport=4242, dport=4242) / Raw(payload)
    b = bytes(p)
    return b + bytes(max(0, size - len(b)))


def legit(name, when):
    return udp(VF_MAC, mark("ctl", f"{name}-{when}"))


# -- helpers ---------------------------------------------------------------
def inject(ns, iface, frames, interval_ms=0):
    hexes = "\n".join(bytes(f).hex() for f in frames) + "\n"
    p = sh([PYTHON, INJECT, iface, "--interval-ms", interval_ms], ns=str(ns),
           input=hexes, timeout=60)
    sent = int(p.stdout.split()[0])
    assert sent == len(frames), f"sent {sent} of {len(frames)}: {p.stderr}"


def quiet(t, extra=()):
    """No IPv6 from the switch and VM ends: every frame counted is one a
    test sent."""
    for ns, devs in [(t.sw, t.sw_ends), (t.vm, [t.vf_port])] + list(extra):
        for key in ["all", "default"] + list(devs):
            sh(["sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"],
               ns=ns.name)


def stats(d):
    return {p["name"]: dict(p["counters"]) for p in d.ctl("stats")["ports"]}


def delta(a, b):
    return {n: {k: a[n][k] - b[n].get(k, 0) for k in a[n]} for n in a
            if n in b}


def vf_row(d, pf, index):
    return [v for v in d.ctl("vf", "show", pf)["vfs"] if v["vf"] == index][0]


def dev_mac(dev, ns=None):
    import json
    return json.loads(sh(["ip", "-j", "link", "show", "dev", dev],
                         ns=ns).stdout)[0]["address"]


def count_marked(frames, marker):
    return sum(1 for _, f in frames if marker in f)


def add_tenant2(lab, t, ip=TENANT2_IP):
    """VF 0 of the second PF into a namespace of its own at ip."""
    ns = lab.netns("t2")
    port = f"{t.pfs[1]}vf0"
    t.d.ctl("vf", "set", t.pfs[1], "vf", 0, "netns", ns.name)
    ns.up(port)
    ns.addr(port, f"{ip}/24")
    ns.tx_csum_off(port)
    return ns, port


def ping_loss(ns, dst, count, interval):
    p = sh(["ping", "-c", count, "-i", interval, "-W", "1", "-n", "-q", dst],
           ns=str(ns), check=False, timeout=count * interval + 30)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
    assert m, p.stdout + p.stderr
    return int(m.group(1)), int(m.group(2))


# -- the hostile tenant ----------------------------------------------------
def hostile_classes(t, d):
    """{class: (frames, counter)}: each frame carries its class's mark."""
    partner = dev_mac(t.sw_ends[0], t.sw.name)
    classes = {}
    for proto, et, payload, dsts, counter in control_payloads(partner):
        for tagging, tags in TAGGINGS.items():
            name = f"{proto}-{tagging}"
            classes[name] = ([frame(dst, VF_MAC, et,
                                    payload + mark("bad", name), tags)
                              for dst in dsts], counter)
    sibling = vf_row(d, t.pfs[0], 1)["mac"]
    for name, src, counter in (
            ("src-sibling-vf", sibling, "tx_drop_spoof"),
            ("src-multicast", "01:00:5e:00:00:01", "tx_drop_bad_src"),
            ("src-broadcast", BCAST, "tx_drop_bad_src"),
            ("src-zero", "00:00:00:00:00:00", "tx_drop_bad_src")):
        classes[name] = ([udp(src, mark("bad", name))], counter)
    # an untrusted VF without a VLAN may not tag (VGT needs trust)
    for tagging in ("prio", "dot1q", "dot1ad", "double"):
        name = f"tagged-untrusted-{tagging}"
        body = bytes(IP(src=VM_IP, dst=CLIENT_IP) / UDP(sport=1, dport=2) /
                     Raw(mark("bad", name)))
        classes[name] = ([frame(PEER_MAC, VF_MAC, 0x0800, body,
                                TAGGINGS[tagging])], "drop_vlan")
    return classes


def run_class(t, d, name, frames, counter, n=5):
    """Sends legit, n x frames, legit; returns the counter's delta after
    checking it is exactly what was sent."""
    vf = t.vf_port
    sent = len(frames) * n
    b = stats(d)
    inject(t.vm, vf, [legit(name, "before")] + frames * n +
           [legit(name, "after")])
    wait_for(lambda: stats(d)[vf][counter] - b[vf][counter] >= sent, 5,
             what=f"{counter} +{sent} for {name}")
    time.sleep(0.1)  # nothing more may come
    got = delta(stats(d), b)[vf]
    log(f"hostile {name}: {sent} sent, {counter} +{got[counter]}, "
        f"tx_packets +{got['tx_packets']}")
    assert got[counter] == sent, (name, got)
    assert got["tx_packets"] == sent + 2, (name, got)
    return got[counter]


def test_hostile_frames_never_reach_the_wire(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="none", mode="balance-xor", bond_opts=XOR)
    quiet(t)
    time.sleep(0.5)
    d = vflagd
    vf = t.vf_port
    # the defaults the attack meets: spoof check on, storm limit on
    row = vf_row(d, t.pfs[0], 0)
    assert row["spoofchk"] is True and row["trust"] is False
    assert row["storm_pps"] == 1000 and row["vlan"] == 0
    cap = Capture(lab, t.sw, t.sw_ends).start()
    classes = hostile_classes(t, d)
    results = {}
    for name, (frames, counter) in classes.items():
        results[name] = run_class(t, d, name, frames, counter)

    # VST: the same VF in VLAN 10 may send no tag at all
    d.ctl("vf", "set", t.pfs[0], "vf", 0, "vlan", 10)
    for tagging in ("prio", "dot1q", "double"):
        name = f"tagged-vst-{tagging}"
        tags = ((0x8100, 10),) if tagging == "dot1q" else TAGGINGS[tagging]
        body = bytes(IP(src=VM_IP, dst=CLIENT_IP) / UDP(sport=1, dport=2) /
                     Raw(mark("bad", name)))
        results[name] = run_class(t, d, name,
                                  [frame(PEER_MAC, VF_MAC, 0x0800, body,
                                         tags)], "drop_vlan")
    d.ctl("vf", "set", t.pfs[0], "vf", 0, "vlan", 0)

    # runts: padded to 60 bytes and forwarded, not dropped
    b = stats(d)
    runt = frame(PEER_MAC, VF_MAC, 0x88b5, mark("runt", "runt"))
    assert len(runt) < 60
    inject(t.vm, vf, [runt] * 5)
    wait_for(lambda: stats(d)[vf]["tx_runt_padded"] -
             b[vf]["tx_runt_padded"] >= 5, 5, what="runts padded")
    results["runt"] = delta(stats(d), b)[vf]["tx_runt_padded"]

    # oversize: the uplinks' MTU drops to 1000; vflagd hears it from the
    # link events (pf show), and a 1100-byte payload stays in
    for up in t.uplinks:
        sh(["ip", "link", "set", up, "mtu", 1000])
    wait_for(lambda: all(p["mtu"] == 1000 for p in d.ctl("show")["pfs"]),
             5, what="pf show mtu 1000")
    results["oversize"] = run_class(
        t, d, "oversize", [udp(VF_MAC, mark("bad", "oversize"),
                               size=14 + 1100)], "tx_drop_oversize")
    for up in t.uplinks:
        sh(["ip", "link", "set", up, "mtu", 1500])

    time.sleep(0.3)
    seen = cap.stop()
    log(f"captured {len(seen)} frames on {t.sw_ends}")
    leaked = {n: count_marked(seen, mark("bad", n)) for n in results}
    missing = [f"{n}-{w}" for n in list(classes) + ["oversize"] +
               [x for x in results if x.startswith("tagged-vst")]
               for w in ("before", "after")
               if not count_marked(seen, mark("ctl", f"{n}-{w}"))]
    runts = [f for _, f in seen if mark("runt", "runt") in f]
    log(f"per class, dropped and counted: {results}")
    assert not any(leaked.values()), leaked
    assert not missing, f"legit frames lost: {missing}"
    assert len(runts) == 5 and all(len(f) == 60 for f in runts), \
        [len(f) for f in runts]


def test_attack_against_ovs_spares_the_other_tenant(lab, vflagd):
    """The whole control-protocol attack for 4 s against an OVS LACP
    partner: another tenant's ping loses nothing and OVS keeps both
    members."""
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST)
    ns2, port2 = add_tenant2(lab, t)
    quiet(t, extra=[(ns2, [port2])])
    t.wait_lag()
    t.wait_connectivity()
    wait_for(lambda: ping(ns2, CLIENT_IP, count=1), 10, what="tenant 2")
    partner = dev_mac(t.sw_ends[0], t.sw.name)
    frames = []
    for _, et, payload, dsts, _ in control_payloads(partner):
        for tags in TAGGINGS.values():
            frames += [frame(dst, VF_MAC, et, payload, tags) for dst in dsts]
    path = lab.path("attack.hex")
    with open(path, "w") as fh:
        fh.write("".join(f.hex() + "\n" for f in frames))
    b = stats(vflagd)
    attack = lab.popen([PYTHON, INJECT, t.vf_port, "--duration", 4],
                       ns=t.vm, name="attack", stdin=open(path))
    sent_pings, got_pings = ping_loss(ns2, CLIENT_IP, 300, 0.01)
    assert attack.wait(timeout=30) == 0, attack.log()
    sent = int(attack.log().split()[0])
    time.sleep(0.3)
    dv = delta(stats(vflagd), b)[t.vf_port]
    dropped = dv["tx_drop_slow_proto"] + dv["tx_drop_mac_control"]
    lacp = t.ovs.lacp_show(t.ovs_bond)
    bond = t.ovs.bond_show(t.ovs_bond)
    log(f"attack on OVS: {sent} control frames sent, {dropped} dropped "
        f"(slow_proto {dv['tx_drop_slow_proto']}, mac_control "
        f"{dv['tx_drop_mac_control']}); tenant 2 ping {got_pings}/"
        f"{sent_pings}; OVS lacp {lacp['status']}, members enabled "
        f"{ {m: v['enabled'] for m, v in bond['members'].items()} }")
    assert dropped == sent, (dropped, sent, dv)
    assert got_pings == sent_pings, (got_pings, sent_pings)
    assert t.ovs.lacp_formed(t.ovs_bond, t.sw_ends), lacp["raw"]
    assert all(bond["members"][m]["enabled"] for m in t.sw_ends), bond["raw"]
    assert t.distributing() == sorted(t.pfs)


def test_vst_vlan(lab, vflagd):
    """A VF in VLAN 10 (qos 5) reaches the wire only tagged 10, and hears
    only VLAN 10: unicast and broadcast of other VLANs, or untagged, stay
    away from it; an untagged sibling hears untagged broadcasts only."""
    t = VfLagTopo(lab, vflagd, peer="none", mode="balance-xor", bond_opts=XOR)
    quiet(t)
    d = vflagd
    d.ctl("vf", "set", t.pfs[0], "vf", 0, "vlan", 10, "qos", 5)
    row = vf_row(d, t.pfs[0], 0)
    assert (row["vlan"], row["qos"], row["vlan_proto"]) == (10, 5, "802.1Q")
    sibling = f"{t.pfs[0]}vf1"     # untagged, in vflagd's namespace
    sh(["ip", "link", "set", sibling, "up"])
    sh(["sysctl", "-qw", f"net.ipv6.conf.{sibling}.disable_ipv6=1"])
    time.sleep(0.3)
    wire = Capture(lab, t.sw, t.sw_ends).start()
    vm = Capture(lab, t.vm, [t.vf_port]).start()
    sib = Capture(lab, None, [sibling]).start()
    b = stats(d)

    # out: unicast and broadcast, tagged on the wire with VID 10, PCP 5
    inject(t.vm, t.vf_port, [udp(VF_MAC, mark("out", "uni")),
                             udp(VF_MAC, mark("out", "bc"), dst=BCAST)])
    # in: to the VF's MAC and to broadcast, in VLAN 10, 20 and untagged
    pkts = []
    for dst, kind in ((VF_MAC, "uni"), (BCAST, "bc")):
        for vid in (10, 20, None):
            tags = () if vid is None else ((0x8100, vid),)
            body = bytes(IP(src=CLIENT_IP, dst=VM_IP) / UDP(sport=3, dport=4)
                         / Raw(mark("in", f"{kind}-{vid}")))
            pkts.append(frame(dst, PEER_MAC, 0x0800, body, tags))
    inject(t.sw, t.sw_ends[0], pkts)
    time.sleep(0.5)
    on_wire, in_vm, in_sib = wire.stop(), vm.stop(), sib.stop()
    dv = delta(stats(d), b)[t.vf_port]

    out = [f for _, f in on_wire if mark("out", "") [:-1] in f]
    tags = [struct.unpack_from("!HH", f, 12) for f in out]
    log(f"VST out: {len(out)} frames on the wire, tags "
        f"{[(hex(p), c & 0xfff, c >> 13) for p, c in tags]}")
    assert len(out) == 2, out
    assert all(p == 0x8100 and c & 0xfff == 10 and c >> 13 == 5
               for p, c in tags), tags

    def heard(frames, kind, vid):
        return [f for _, f in frames if mark("in", f"{kind}-{vid}") in f]
    got = {f"{k}-{v}": len(heard(in_vm, k, v))
           for k in ("uni", "bc") for v in (10, 20, None)}
    got_sib = {f"{k}-{v}": len(heard(in_sib, k, v))
               for k in ("uni", "bc") for v in (10, 20, None)}
    log(f"VST in: the VF heard {got}; its untagged sibling {got_sib}; "
        f"tx_vlan_pushed +{dv['tx_vlan_pushed']}, rx_vlan_popped "
        f"+{dv['rx_vlan_popped']}")
    assert got == {"uni-10": 1, "bc-10": 1, "uni-20": 0, "bc-20": 0,
                   "uni-None": 0, "bc-None": 0}, got
    # what the VF heard came untagged
    for f in heard(in_vm, "uni", 10) + heard(in_vm, "bc", 10):
        assert struct.unpack_from("!H", f, 12)[0] == 0x0800, f.hex()
    assert got_sib["bc-None"] == 1 and got_sib["bc-10"] == 0 and \
        got_sib["bc-20"] == 0, got_sib
    assert dv["tx_vlan_pushed"] >= 1 and dv["rx_vlan_popped"] >= 2, dv


def test_max_tx_rate(lab, vflagd):
    """max_tx_rate 100: iperf3 from the VF, TCP and UDP, gets about 100
    Mbit/s (measured 96-99 TCP, 98 UDP; unlimited it was ~3 Gbit/s)."""
    t = VfLagTopo(lab, vflagd, peer="bridge", mode="active-backup",
                  bond_opts=("miimon", 100))
    t.wait_connectivity()
    srv = Iperf3Server(lab, t.client)
    try:
        free = iperf3(t.vm, CLIENT_IP, parallel=1, seconds=2)["received_bps"]
        vflagd.ctl("vf", "set", t.pfs[0], "vf", 0, "max_tx_rate", 100)
        assert vf_row(vflagd, t.pfs[0], 0)["max_tx_rate"] == 100
        b = stats(vflagd)
        tcp = iperf3(t.vm, CLIENT_IP, parallel=4, seconds=4)
        dv = delta(stats(vflagd), b)[t.vf_port]
        udp_res = iperf3(t.vm, CLIENT_IP, parallel=1, seconds=3, udp=True,
                         bitrate="200M")
    finally:
        srv.stop()
    mbps = tcp["received_bps"] / 1e6
    udp_mbps = udp_res["received_bps"] / 1e6
    log(f"max_tx_rate 100: iperf3 -P 4 TCP VM->client {mbps:.1f} Mbit/s, "
        f"UDP at 200M {udp_mbps:.1f} Mbit/s received (unlimited TCP just "
        f"before: {free / 1e6:.0f} Mbit/s); tx_drop_rate "
        f"+{dv['tx_drop_rate']} during TCP")
    assert 50 <= mbps <= 150, mbps
    assert 50 <= udp_mbps <= 150, udp_mbps
    assert free / 1e6 > 300, free  # the limit, not the machine


def test_storm_does_not_starve_a_sibling(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="bridge", mode="active-backup",
                  bond_opts=("miimon", 100))
    ns2, port2 = add_tenant2(lab, t)
    t.wait_connectivity()
    bc = udp(VF_MAC, mark("storm", "bc"), dst=BCAST)
    path = lab.path("storm.hex")
    with open(path, "w") as fh:
        fh.write((bc.hex() + "\n") * 100)
    b = stats(vflagd)
    storm = lab.popen([PYTHON, INJECT, t.vf_port, "--duration", 4],
                      ns=t.vm, name="storm", stdin=open(path))
    time.sleep(0.5)
    # ARP too: the sibling must resolve the client while the storm runs
    sh(["ip", "neigh", "flush", "all"], ns=ns2.name)
    sent_pings, got_pings = ping_loss(ns2, CLIENT_IP, 100, 0.02)
    assert storm.wait(timeout=30) == 0, storm.log()
    sent = int(storm.log().split()[0])
    time.sleep(0.3)
    dv = delta(stats(vflagd), b)[t.vf_port]
    passed = dv["tx_packets"] - dv["tx_drop_storm"]
    log(f"storm: {sent} broadcasts sent in 4 s, {dv['tx_drop_storm']} "
        f"dropped (tx_drop_storm), {passed} passed; sibling ping "
        f"{got_pings}/{sent_pings}")
    assert dv["tx_drop_storm"] > 0
    # 1000 pps for ~4 s plus the 200-frame burst, with slack for timing
    assert passed <= 1000 * 5 + 200, passed
    assert got_pings == sent_pings, (got_pings, sent_pings)
