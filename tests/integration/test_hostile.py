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
from vflaglab.traffic import PYTHON, log, ping
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
    c0 = member_counters(t, pf)
    for name, frames in cases.items():
        inject(sw, sw_end, frames * n, interval_ms=2)
    time.sleep(0.5)
    c1 = member_counters(t, pf)
    grew = {k: c1[k] - c0[k] for k in list(cases) + ["illegal_rx"]}
    log(f"hostile LACPDUs into {pf}: counter deltas {grew}")
    for name, frames in cases.items():
        assert c1[name] - c0[name] >= len(frames) * n, (name, grew)
    illegal = sum(len(f) * n for k, f in cases.items() if k != "unknown_rx")
    assert c1["illegal_rx"] - c0["illegal_rx"] >= illegal, grew
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
    c0 = member_counters(t, pf)
    inject(t.sw.name, sw_end, [bytes(pdu) + b"\xa5" * 1300] * 5,
           interval_ms=50)
    time.sleep(0.5)
    c1 = member_counters(t, pf)
    assert c1["partner_changes"] == c0["partner_changes"]
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
    for pf in t.pfs:
        assert flips[pf] >= report["flips"] // 2, flips
        assert c1[pf]["lacpdu_rx"] > c0[pf]["lacpdu_rx"]


def test_malformed_frames_from_both_sides(lab, vflagd):
    """Short and broken L2/L3 frames from the wire and from the VF: every
    one is either forwarded or counted as a drop; nothing else changes."""
    t = VfLagTopo(lab, vflagd, peer="none", mode="balance-xor",
                  bond_opts=("miimon", 100, "xmit_hash_policy", "layer3+4"))
    peer_mac = "02:00:00:00:00:02"
    # A VLAN tag cut short never reaches tc: the kernel's VLAN untagging
    # frees it first (__netif_receive_skb_core). Sent, not counted.
    kernel_drops = [
        bytes(Ether(dst=VF_MAC, src=peer_mac, type=0x8100)) + b"\x00",
        bytes(Ether(dst=peer_mac, src=VF_MAC) / Dot1Q(vlan=7))[:16],
    ]
    wire_frames = [
        bytes(Ether(dst=VF_MAC, src=peer_mac, type=0x0800)),  # 14 bytes
        bytes(Ether(dst=VF_MAC, src=peer_mac) / IP(dst=VM_IP))[:20],
        bytes(Ether(dst=VF_MAC, src=peer_mac) / IPv6())[:30],
        bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=peer_mac, type=0x0806)),
        bytes(Ether(dst=VF_MAC, src=peer_mac) / Dot1Q(vlan=5) /
              Dot1Q(vlan=6))[:20],
        bytes(Ether(dst=VF_MAC, src=peer_mac) / IP(dst=VM_IP, ihl=15) /
              TCP())[:40],
    ]
    vf_frames = [
        bytes(Ether(dst=peer_mac, src=VF_MAC, type=0x0800)),
        bytes(Ether(dst=peer_mac, src=VF_MAC) / IP(dst="1.1.1.2") /
              TCP())[:24],
        bytes(Ether(dst=peer_mac, src=VF_MAC) / IP(dst="1.1.1.2", ihl=2) /
              UDP()),
        bytes(Ether(dst=peer_mac, src=VF_MAC) / IP(dst="1.1.1.2", frag=5,
                                                   flags=1) / UDP())[:36],
        bytes(Ether(dst=peer_mac, src=VF_MAC) / IPv6(nh=44))[:56],
    ]
    n = 20
    up0 = t.pfs[0]
    before = vflagd.ctl("stats")["ports"]
    vf_k0 = link_stats(t.vf_port, t.vm.name)
    inject(t.sw.name, t.sw_ends[0], wire_frames * n)
    inject(t.vm.name, t.vf_port, vf_frames * n)
    inject(t.sw.name, t.sw_ends[0], kernel_drops[:1] * n)
    inject(t.vm.name, t.vf_port, kernel_drops[1:] * n)
    time.sleep(0.3)
    after = vflagd.ctl("stats")["ports"]
    b = {p["name"]: p["counters"] for p in before}
    a = {p["name"]: p["counters"] for p in after}
    d = {name: {k: a[name][k] - b[name].get(k, 0) for k in a[name]}
         for name in a if name in b}
    log(f"malformed frames: uplink {up0} {d[up0]}; VF {d.get(t.vf_port)}")
    assert d[up0]["rx_packets_phy"] >= len(wire_frames) * n
    # what the VF sent left on some uplink or was counted as dropped
    out = sum(d[pf]["tx_packets_phy"] for pf in t.pfs)
    drops = sum(v for name in d for k, v in d[name].items() if "drop" in k)
    vf_k1 = link_stats(t.vf_port, t.vm.name)
    assert vf_k1["tx_packets"] - vf_k0["tx_packets"] >= (len(vf_frames) + 1) * n
    assert out + drops >= len(vf_frames) * n, (out, drops, d)
    # still serving, both members still transmitting
    assert all(m["tx"] for m in t.members().values())
    assert vflagd.ctl("show")["bonds"] == [t.bond]


def test_lacpdu_storm_does_not_starve_the_control_socket(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="none", mode="802.3ad", bond_opts=FAST)
    junk = bytes(lacpdu("02:de:ad:00:00:09", actor_system="00:00:00:00:00:00"))
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
    storm.wait(timeout=30)
    c = member_counters(t, t.pfs[0])
    log(f"LACPDU storm: {answered} bond show answered meanwhile; "
        f"rx_bad_system {c['rx_bad_system']}")
    assert c["rx_bad_system"] > 0


def _storm_file(lab, frame, count):
    path = lab.path("storm.hex")
    with open(path, "w") as fh:
        line = frame.hex() + "\n"
        for _ in range(count):
            fh.write(line)
    return path


