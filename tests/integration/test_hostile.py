"""Hostile input on the wire: broken LACPDUs, a flapping partner and
malformed frames, sent into an uplink from its peer end (or from the VF)
with scapy-built frames. The daemon must count them under the names
`bond show` gives, keep serving, and leave an existing LAG alone."""

import json
import time

from scapy.contrib.lacp import LACP, SlowProtocol
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether

from vflaglab.netns import link_stats, sh, wait_for
from vflaglab.topo import VF_MAC, VM_IP, VfLagTopo
from vflaglab.traffic import PYTHON, Sniffer, log, ping
import os

from vflaglab import LIBDIR
INJECT = os.path.join(LIBDIR, "inject.py")
FAKE = os.path.join(LIBDIR, "fakepartner.py")
SLOW_MAC = "01:80:c2:00:00:02"
FAST = ("miimon", 100, "lacp_rate", "fast", "xmit_hash_policy", "layer3+4")


def inject(ns, iface, frames, interval_ms=0):
    hexes = "\n".join(bytes(f).hex() for f in frames) + "\n"
    p = sh([PYTHON, INJECT, iface, "--interval-ms", interval_ms], ns=ns,
           input=hexes, timeout=60)
    sent = int(p.stdout.split()[0])
    assert sent == len(frames), f"sent {sent} of {len(frames)}: {p.stderr}"


def lacpdu(src, **kw):
    fields = dict(actor_system_priority=32768, actor_system="02:11:22:33:44:55",
                  actor_key=77, actor_port_priority=255, actor_port_number=1,
                  actor_state=0x3f, collector_max_delay=0)
    fields.update(kw)
    return Ether(dst=SLOW_MAC, src=src, type=0x8809) / SlowProtocol() / \
        LACP(**fields)


def member_counters(t, pf):
    """The member's LACP counters (names as in doc/ctl.md)."""
    return dict(t.members()[pf]["lacp"]["counters"])


def lag_snapshot(t):
    bd = t.bond_view()
    return {"partner": bd["lacp"]["partner_mac"],
            "agg": bd["lacp"]["aggregator_id"],
            "num_ports": bd["lacp"]["num_ports"],
            "distributing": t.distributing()}


def test_malformed_lacpdus_are_counted_and_ignored(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST)
    t.wait_lag()
    t.wait_connectivity()
    before_lag = lag_snapshot(t)
    pf, sw_end, sw = t.pfs[0], t.sw_ends[0], t.sw.name
    src = "02:de:ad:00:00:01"
    good = bytes(lacpdu(src))
    n = 5
    cases = {
        # name of the counter that must grow: frames
        "rx_truncated": [good[:14 + 2 + 10], good[:14 + 2 + 21],
                         good[:14 + 2 + 60]],
        "unknown_rx": [bytes(Ether(dst=SLOW_MAC, src=src, type=0x8809) /
                             SlowProtocol(subtype=0x0a)) + b"\0" * 100],
        "rx_bad_version": [good[:15] + b"\x00" + good[16:]],
        "rx_bad_tlv": [good[:16] + b"\x05" + good[17:],          # actor type
                       good[:17] + b"\x10" + good[18:],          # actor len
                       good[:36] + b"\x07" + good[37:]],         # partner type
        "rx_bad_system": [bytes(lacpdu(src, actor_system="00:00:00:00:00:00")),
                          bytes(lacpdu(src, actor_system="ff:ff:ff:ff:ff:ff")),
                          bytes(lacpdu(src, actor_system="01:00:5e:00:00:01"))],
    }
    illegal_kinds = ("rx_truncated", "rx_bad_version", "rx_bad_tlv",
                     "rx_bad_system", "rx_not_slow")
    watched = illegal_kinds + ("unknown_rx", "illegal_rx", "partner_changes")
    c_start = member_counters(t, pf)
    for name, frames in cases.items():
        # one class at a time: its own counter grows by exactly what was
        # sent (nobody else sends these), every other one stays put
        c0 = member_counters(t, pf)
        sent = len(frames) * n
        inject(sw, sw_end, frames * n, interval_ms=2)
        want = {k: 0 for k in watched}
        want[name] = sent
        if name != "unknown_rx":
            want["illegal_rx"] = sent
        wait_for(lambda: member_counters(t, pf)[name] - c0[name] >= sent, 5,
                 what=f"{name} to count {sent} frames")
        time.sleep(0.2)  # nothing more may come
        c1 = member_counters(t, pf)
        got = {k: c1[k] - c0[k] for k in watched}
        log(f"hostile LACPDUs into {pf}, class {name} ({sent} sent): {got}")
        assert got == want, (name, got, want)
    c1 = member_counters(t, pf)
    c0 = c_start
    assert c1["partner_changes"] == c0["partner_changes"]
    # the LAG did not notice
    assert lag_snapshot(t) == before_lag
    assert "negotiated" in t.ovs.lacp_show(t.ovs_bond)["status"]
    assert ping(t.client, VM_IP)


def test_oversized_lacpdu_echoing_the_partner_is_harmless(lab, vflagd):
    """802.1AX ignores octets past the PDU: a jumbo copy of the partner's
    own PDU must be taken as that PDU and change nothing."""
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST)
    t.wait_lag()
    pf, sw_end = t.pfs[0], t.sw_ends[0]
    m = t.members()[pf]["lacp"]
    p, a = m["partner"], m["actor"]
    st = p["state_raw"]
    sw_mac = json.loads(sh(["ip", "-j", "link", "show", "dev", sw_end],
                           ns=t.sw.name).stdout)[0]["address"]
    pdu = lacpdu(sw_mac,
                 actor_system_priority=p["system_priority"],
                 actor_system=p["system"], actor_key=p["key"],
                 actor_port_priority=p["port_priority"],
                 actor_port_number=p["port"], actor_state=st,
                 partner_system_priority=a["system_priority"],
                 partner_system=a["system"], partner_key=a["key"],
                 partner_port_priority=a["port_priority"],
                 partner_port_number=a["port"],
                 partner_state=a["state_raw"])
    before = lag_snapshot(t)
    jumbo = bytes(pdu) + b"\xa5" * 1300
    n = 5
    sniff = Sniffer(lab, None, t.uplinks[0], ethertype=0x8809).start()
    c0 = member_counters(t, pf)
    inject(t.sw.name, sw_end, [jumbo] * n, interval_ms=50)
    wait_for(lambda: member_counters(t, pf)["lacpdu_rx"] - c0["lacpdu_rx"]
             >= n, 5, what=f"{n} LACPDUs counted")
    time.sleep(0.2)
    c1 = member_counters(t, pf)
    heard = sniff.stop()
    ours = [x for x in heard if x == len(jumbo)]
    d = {k: c1[k] - c0[k] for k in c1}
    log(f"oversized LACPDUs: {len(ours)} of {n} arrived at "
        f"{t.uplinks[0]} ({len(heard) - len(ours)} from OVS meanwhile); "
        f"lacpdu_rx +{d['lacpdu_rx']}, illegal_rx +{d['illegal_rx']}")
    # they reached the port, and vflagd took every one as a valid LACPDU:
    # lacpdu_rx grew by them and by OVS's own PDUs (heard by the sniffer,
    # whose window encloses the counters'; one may fall in between)
    assert len(ours) == n, heard
    assert len(heard) - 1 <= d["lacpdu_rx"] <= len(heard), (d, heard)
    assert d["lacpdu_rx"] >= n
    assert d["illegal_rx"] == 0 and d["unknown_rx"] == 0, d
    assert d["partner_changes"] == 0, d
    assert lag_snapshot(t) == before
    assert ping(t.client, VM_IP)


def test_flapping_partner_keys(lab, vflagd):
    """A partner whose key flips every 200 ms for 3 s, then settles."""
    t = VfLagTopo(lab, vflagd, peer="none", mode="802.3ad", bond_opts=FAST)
    c0 = {pf: member_counters(t, pf) for pf in t.pfs}
    fake = lab.popen([PYTHON, FAKE, "--ifaces", ",".join(t.sw_ends),
                      "--sys-mac", "02:fa:ce:00:00:00", "--keys", "11,22",
                      "--flip-ms", 200, "--flap-s", 3, "--hold-key", 33,
                      "--hold-s", 6], ns=t.sw, name="fakepartner",
                     stdout=open(lab.path("fake.json"), "w"))
    time.sleep(1.5)
    assert vflagd.ctl("bond", "show", t.bond)  # serving while flapping
    wait_for(lambda: all(
        t.members()[pf]["lacp"]["partner"]["key"] == 33 for pf in t.pfs),
        7, what="partner key 33 on both members")
    c1 = {pf: member_counters(t, pf) for pf in t.pfs}
    wait_for(lambda: t.distributing() == sorted(t.pfs), 4,
             what="a LAG with the settled partner")
    bd = t.bond_view()
    assert bd["lacp"]["partner_mac"] == "02:fa:ce:00:00:00"
    assert bd["lacp"]["partner_key"] == 33
    fake.wait(timeout=15)
    with open(lab.path("fake.json")) as fh:
        report = json.loads(fh.read())
    flips = {pf: c1[pf]["partner_changes"] - c0[pf]["partner_changes"]
             for pf in t.pfs}
    log(f"flapping partner: {report['flips']} key flips sent, "
        f"partner_changes {flips}")
    c2 = {pf: member_counters(t, pf) for pf in t.pfs}
    rx = sum(c2[pf]["lacpdu_rx"] - c0[pf]["lacpdu_rx"] for pf in t.pfs)
    log(f"flapping partner: {report['sent']} LACPDUs sent, lacpdu_rx +{rx}")
    # every PDU the fake partner sent was received as a LACPDU
    assert rx == report["sent"], (rx, report)
    for pf in t.pfs:
        assert flips[pf] >= report["flips"] // 2, flips
        assert c1[pf]["lacpdu_rx"] > c0[pf]["lacpdu_rx"]


def _quiet(t):
    """No IPv6 (router solicitations, MLD) from the switch and VM ends, so
    that every frame the counters see is one a test sent."""
    for ns, devs in ((t.sw, t.sw_ends), (t.vm, [t.vf_port])):
        for key in ["all", "default"] + list(devs):
            sh(["sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"],
               ns=ns.name)


def _stats(d):
    return {p["name"]: dict(p["counters"]) for p in d.ctl("stats")["ports"]}


def _delta(a, b):
    return {name: {k: a[name][k] - b[name].get(k, 0) for k in a[name]}
            for name in a if name in b}


def _drops(counters):
    return sum(v for k, v in counters.items() if "drop" in k)


def test_malformed_frames_from_both_sides(lab, vflagd):
    """Short and broken L2/L3 frames from the wire and from the VF, one
    class at a time: every frame reached the port (counted there, exactly)
    and was either forwarded or counted as a drop, exactly once."""
    t = VfLagTopo(lab, vflagd, peer="none", mode="balance-xor",
                  bond_opts=("miimon", 100, "xmit_hash_policy", "layer3+4"))
    _quiet(t)
    time.sleep(0.5)
    peer_mac = "02:00:00:00:00:02"
    vf = t.vf_port
    wire_frames = {
        "eth-header-only": bytes(Ether(dst=VF_MAC, src=peer_mac,
                                       type=0x0800)),
        "ipv4-cut": bytes(Ether(dst=VF_MAC, src=peer_mac) / IP(dst=VM_IP))[:20],
        "ipv6-cut": bytes(Ether(dst=VF_MAC, src=peer_mac) / IPv6())[:30],
        "arp-empty-broadcast": bytes(Ether(dst="ff:ff:ff:ff:ff:ff",
                                           src=peer_mac, type=0x0806)),
        "qinq-cut": bytes(Ether(dst=VF_MAC, src=peer_mac) / Dot1Q(vlan=5) /
                          Dot1Q(vlan=6))[:20],
        "ipv4-ihl15-cut": bytes(Ether(dst=VF_MAC, src=peer_mac) /
                                IP(dst=VM_IP, ihl=15) / TCP())[:40],
    }
    vf_frames = {
        "eth-header-only": bytes(Ether(dst=peer_mac, src=VF_MAC,
                                       type=0x0800)),
        "tcp-cut": bytes(Ether(dst=peer_mac, src=VF_MAC) / IP(dst="1.1.1.2") /
                         TCP())[:24],
        "ipv4-ihl2": bytes(Ether(dst=peer_mac, src=VF_MAC) /
                           IP(dst="1.1.1.2", ihl=2) / UDP()),
        "fragment-cut": bytes(Ether(dst=peer_mac, src=VF_MAC) /
                              IP(dst="1.1.1.2", frag=5, flags=1) /
                              UDP())[:36],
        "ipv6-ext-cut": bytes(Ether(dst=peer_mac, src=VF_MAC) /
                              IPv6(nh=44))[:56],
    }
    up0 = t.pfs[0]
    # A VLAN tag cut short never reaches tc: the kernel's VLAN untagging
    # frees it first (__netif_receive_skb_core). The kernel's own counters
    # prove it was received; the eswitch must count nothing.
    kernel_drops = {
        "wire vlan-cut": (t.sw, t.sw_ends[0], None, t.uplinks[0],
                          bytes(Ether(dst=VF_MAC, src=peer_mac,
                                      type=0x8100)) + b"\x00"),
        "vf vlan-cut": (t.vm, vf, None, f"{up0}_0",
                        bytes(Ether(dst=peer_mac, src=VF_MAC) /
                              Dot1Q(vlan=7))[:16]),
    }
    n = 20

    def settle(check, what):
        wait_for(check, 5, what=what)
        time.sleep(0.2)  # nothing more may come

    for name, f in wire_frames.items():
        b = _stats(vflagd)
        inject(t.sw.name, t.sw_ends[0], [f] * n)
        settle(lambda: _stats(vflagd)[up0]["rx_packets_phy"] -
               b[up0]["rx_packets_phy"] >= n, f"{name} at {up0}")
        d = _delta(_stats(vflagd), b)
        # A frame from the wire ends exactly once: given to the VF, dropped
        # (counted), or left to the host's stack (counted: the eswitch
        # never hands a VF a tag stack it cannot parse).
        to_host = d[up0].get("rx_to_host_packets", 0)
        log(f"malformed from the wire, {name} x{n}: uplink {up0} "
            f"rx_packets_phy +{d[up0]['rx_packets_phy']}, VF rx_packets "
            f"+{d[vf]['rx_packets']}, drops +{_drops(d[up0])}, "
            f"to host +{to_host}")
        assert d[up0]["rx_packets_phy"] == n, (name, d[up0])
        assert d[vf]["rx_packets"] + _drops(d[up0]) + to_host == n, (name, d)

    for name, f in vf_frames.items():
        b = _stats(vflagd)
        inject(t.vm.name, vf, [f] * n)
        settle(lambda: _stats(vflagd)[vf]["tx_packets"] -
               b[vf]["tx_packets"] >= n, f"{name} from {vf}")
        d = _delta(_stats(vflagd), b)
        out = sum(d[pf]["lag_tx_packets"] for pf in t.pfs)
        log(f"malformed from the VF, {name} x{n}: VF tx_packets "
            f"+{d[vf]['tx_packets']}, out on the LAG +{out}, drops "
            f"+{_drops(d[vf])}")
        assert d[vf]["tx_packets"] == n, (name, d[vf])
        assert out + _drops(d[vf]) == n, (name, d)

    for name, (sns, sdev, rns, rdev, f) in kernel_drops.items():
        b = _stats(vflagd)
        k0 = link_stats(rdev, rns and rns.name)
        inject(sns.name, sdev, [f] * n)
        time.sleep(0.3)
        k1 = link_stats(rdev, rns and rns.name)
        d = _delta(_stats(vflagd), b)
        key = "rx_packets"
        log(f"{name} x{n}: kernel {rdev} {key} +{k1[key] - k0[key]}")
        assert k1[key] - k0[key] == n, (name, k0, k1)
        moved = {p: {k: v for k, v in c.items() if v and "bytes" not in k}
                 for p, c in d.items()}
        assert moved[up0] == {} and moved[vf] == {}, (name, moved)

    # still serving, both members still transmitting
    assert all(m["tx"] for m in t.members().values())
    assert vflagd.ctl("show")["bonds"] == [t.bond]


def test_lacpdu_storm_does_not_starve_the_control_socket(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="none", mode="802.3ad", bond_opts=FAST)
    _quiet(t)
    time.sleep(0.5)
    pf = t.pfs[0]
    junk = bytes(lacpdu("02:de:ad:00:00:09", actor_system="00:00:00:00:00:00"))
    s0, c0 = _stats(vflagd)[pf], member_counters(t, pf)
    storm = lab.popen([PYTHON, INJECT, t.sw_ends[0], "--duration", 5],
                      ns=t.sw, name="storm",
                      stdin=open(_storm_file(lab, junk, 100)))
    t0 = time.monotonic()
    answered = 0
    while storm.running() and time.monotonic() - t0 < 20:
        s = time.monotonic()
        vflagd.ctl("bond", "show", t.bond)
        assert time.monotonic() - s < 2.0, "control socket starved"
        answered += 1
    assert storm.wait(timeout=30) == 0, storm.log()
    sent = int(storm.log().split()[0])
    time.sleep(0.5)
    s1, c1 = _stats(vflagd)[pf], member_counters(t, pf)
    slow = s1["rx_slow_proto_packets"] - s0["rx_slow_proto_packets"]
    bad = c1["rx_bad_system"] - c0["rx_bad_system"]
    log(f"LACPDU storm: {sent} sent, {slow} to vflagd by the eswitch, "
        f"{bad} counted rx_bad_system by vflagd; {answered} bond show "
        f"answered meanwhile")
    # every frame reached the port and was handed to vflagd; vflagd may
    # shed load (its socket buffer), but what it read it counted right
    assert slow == sent, (slow, sent)
    assert 0 < bad <= sent
    assert c1["lacpdu_rx"] == c0["lacpdu_rx"]
    assert answered > 0


def _storm_file(lab, frame, count):
    path = lab.path("storm.hex")
    with open(path, "w") as fh:
        line = frame.hex() + "\n"
        for _ in range(count):
            fh.write(line)
    return path


