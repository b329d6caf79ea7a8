"""The LACP partner's self-test: two Open vSwitch instances (userspace
datapath), each in its own namespace, bonded over two veth pairs. Proves
the OVS fixture, the traffic helpers and both ways of failing a link
before any of them is used against vflagd. Needs no vflag binary."""

import time

import pytest

from vflaglab import linkfail
from vflaglab.netns import link_stats
from vflaglab.topo import OvsPair, shares
from vflaglab.traffic import (Iperf3Client, Iperf3Server, OutageMeter, log,
                            summarize_bps, wait_ping)


@pytest.mark.parametrize("lacp_time,lacp", [
    ("fast", ("active", "active")),
    ("fast", ("active", "passive")),
    ("slow", ("active", "active")),
    ("slow", ("passive", "active")),
])
def test_lacp_forms(lab, lacp_time, lacp):
    pair = OvsPair(lab, lacp=lacp, lacp_time=lacp_time)
    took = pair.wait_lacp(timeout=15)
    log(f"OVS-OVS LACP {lacp_time} {lacp[0]}/{lacp[1]}: formed in "
        f"{took * 1e3:.0f} ms")
    for side in range(2):
        view = pair.ovs[side].lacp_show(pair.bond)
        other = pair.ovs[1 - side].lacp_show(pair.bond)
        assert view["status"][:2] == [lacp[side], "negotiated"], view["raw"]
        assert view["lacp_time"] == lacp_time
        for m in pair.members[side]:
            mv = view["members"][m]
            assert mv["partner_sys_id"] == other["sys_id"], view["raw"]
            assert {"collecting", "distributing"} <= set(mv["actor_state"])
        assert pair.ovs[side].enabled_members(pair.bond) == \
            sorted(pair.members[side])
    assert wait_ping(pair.hosts[0], pair.ips[1], timeout=10) < 10


def test_passive_passive_never_negotiates(lab):
    """Two passive ends send nothing: the check above is not vacuous."""
    pair = OvsPair(lab, lacp=("passive", "passive"))
    time.sleep(2)
    for side in range(2):
        view = pair.ovs[side].lacp_show(pair.bond)
        assert "negotiated" not in view["status"], view["raw"]
        assert not pair.ovs[side].lacp_formed(pair.bond, pair.members[side])


def test_balance_tcp_carries_iperf3_on_both_members(lab):
    pair = OvsPair(lab, rebalance_ms=1000)
    pair.wait_lacp()
    wait_ping(pair.hosts[0], pair.ips[1])
    Iperf3Server(lab, pair.hosts[1], bind=pair.ips[1])
    client = Iperf3Client(lab, pair.hosts[0], pair.ips[1], parallel=10,
                          seconds=6).start()
    # New flows start on one member; balance-tcp spreads them at its
    # rebalance (1 s here): count only after that.
    time.sleep(2.5)
    before = pair.tx_packets(0)
    time.sleep(3)
    after = pair.tx_packets(0)
    res = client.result()
    delta = {m: a - b for m, a, b in zip(pair.members[0], after, before)}
    share = shares(delta)
    log(f"OVS-OVS balance-tcp iperf3 -P 10: {summarize_bps(res['received_bps'])}"
        f", tx packets per member {delta}, shares "
        f"{ {k: round(v, 2) for k, v in share.items()} }")
    assert res["received_bps"] > 0
    for m, s in share.items():
        assert s >= 0.20, f"{m} carried only {s:.0%}: {delta}"


def test_carrier_failure_moves_traffic_and_restores(lab):
    pair = OvsPair(lab, rebalance_ms=1000)
    pair.wait_lacp()
    wait_ping(pair.hosts[0], pair.ips[1])
    meter = OutageMeter(lab, pair.hosts[0], pair.hosts[1], pair.ips[1],
                        flows=16).start(settle=1.5)
    before = pair.tx_packets(0)
    time.sleep(0.5)
    mid = pair.tx_packets(0)
    assert all(m > b for m, b in zip(mid, before)), \
        f"16 flows did not use both members: {before} -> {mid}"
    failed, survivor = pair.members[0]
    linkfail.carrier(lab, pair.ns[0], failed, up=False)
    time.sleep(1.0)
    s0 = pair.tx_packets(0)
    time.sleep(1.0)
    s1 = pair.tx_packets(0)
    report = meter.stop()
    assert pair.ovs[0].enabled_members(pair.bond) == [survivor]
    assert s1[1] - s0[1] > 100, "no traffic on the survivor"
    assert s1[0] == s0[0], "traffic still counted on the failed member"
    log(f"OVS-OVS carrier failure: outage {report['max_gap_ms']} ms, "
        f"{report['lost']} of {report['received'] + report['lost']} lost")
    assert report["received"] > 0
    assert report["max_gap_ms"] < 1000, report
    linkfail.carrier(lab, pair.ns[0], failed, up=True)
    pair.wait_lacp(timeout=10)
    meter2 = OutageMeter(lab, pair.hosts[0], pair.hosts[1], pair.ips[1],
                         flows=16, port=9001, sport_base=41000).start(
                             settle=2.5)
    b = pair.tx_packets(0)
    time.sleep(1.0)
    a = pair.tx_packets(0)
    meter2.stop()
    assert all(x - y > 50 for x, y in zip(a, b)), \
        f"both members should carry again: {b} -> {a}"


def test_silent_failure_detected_by_lacp_timeout(lab):
    """Black-holing a member through the nftables forwarder keeps carrier
    up; fast LACP must time it out in about 3 s (3 x 1 s)."""
    pair = OvsPair(lab, silent=(0,))
    pair.wait_lacp()
    assert linkfail.link_carrier(pair.ns[0], pair.members[0][0])
    wait_ping(pair.hosts[0], pair.ips[1])
    meter = OutageMeter(lab, pair.hosts[0], pair.hosts[1], pair.ips[1],
                        flows=16).start(settle=1.5)
    t0 = time.monotonic()
    pair.silent[0].black_hole()
    failed = pair.members[0][0]
    while failed in pair.ovs[0].enabled_members(pair.bond):
        assert time.monotonic() - t0 < 6, "LACP did not time the member out"
        time.sleep(0.05)
    detect = time.monotonic() - t0
    assert linkfail.link_carrier(pair.ns[0], failed), "carrier must stay up"
    time.sleep(1.0)
    report = meter.stop()
    log(f"OVS-OVS silent failure: LACP timeout after {detect * 1e3:.0f} ms,"
        f" outage {report['max_gap_ms']} ms")
    assert 2.0 <= detect <= 4.5, detect
    assert report["max_gap_ms"] < 5000
    # From DEFAULTED both ends send every 30 s (partner admin timeout long).
    pair.silent[0].restore()
    pair.wait_lacp(timeout=40)
    assert sorted(pair.ovs[0].enabled_members(pair.bond)) == \
        sorted(pair.members[0])
    st = link_stats(pair.members[0][0], pair.ns[0])
    assert st["rx_packets"] > 0


def test_fake_partner_negotiates_with_ovs(lab):
    """The scripted partner of test_hostile.py, checked against OVS: after
    flapping its key it settles, and OVS aggregates with it."""
    import json

    from vflaglab.ovs import OvsPartner
    from vflaglab.traffic import PYTHON
    import os

    from vflaglab import LIBDIR
    fake = os.path.join(LIBDIR, "fakepartner.py")
    a, b = lab.netns("oa"), lab.netns("fk")
    ours = [lab.ifname("a0"), lab.ifname("a1")]
    theirs = [lab.ifname("b0"), lab.ifname("b1")]
    for x, y in zip(ours, theirs):
        lab.veth(x, a, y, b)
    o = OvsPartner(lab, a).start()
    o.add_bridge(f"br{lab.tag}")
    o.add_bond(f"br{lab.tag}", f"bd{lab.tag}", ours)
    out = lab.path("fake.json")
    p = lab.popen([PYTHON, fake, "--ifaces", ",".join(theirs), "--sys-mac",
                   "02:fa:ce:00:00:00", "--keys", "11,22", "--flip-ms", 200,
                   "--flap-s", 2, "--hold-key", 33, "--hold-s", 4], ns=b,
                  name="fakepartner", stdout=open(out, "w"))
    time.sleep(2.2)
    took = o.wait_lacp(f"bd{lab.tag}", ours, timeout=4)
    v = o.lacp_show(f"bd{lab.tag}")
    for m in ours:
        assert v["members"][m]["partner_key"] == "33"
        assert v["members"][m]["partner_sys_id"] == "02:fa:ce:00:00:00"
    assert p.wait(timeout=10) == 0
    rep = json.loads(open(out).read())
    log(f"fake partner vs OVS: {rep['flips']} flips, OVS attached both "
        f"{took * 1e3:.0f} ms after the key settled + 200 ms")
    assert rep["received"] > 0 and rep["flips"] >= 5
