"""Mode 1 (active-backup) with a kernel bridge as the peer switch: the
seed's Deployment Verification with one member carrying everything and
the other standing by until the active one fails."""

import time

from vftest import linkfail
from vftest.netns import wait_for
from vftest.topo import CLIENT_IP, VM_IP, VfLagTopo, counter_delta
from vftest.traffic import (Iperf3Server, OutageMeter, iperf3, log, ping,
                            summarize_bps)


def make(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="bridge", mode="active-backup",
                  bond_opts=("miimon", 100))
    t.wait_connectivity()
    return t


def active_of(t):
    return t.bond_view()["active"]


def test_bond_show_active_backup(lab, vflagd):
    t = make(lab, vflagd)
    bd = t.bond_view()
    assert (bd["mode"], bd["mode_num"], bd["miimon"]) == \
        ("active-backup", 1, 100)
    assert "lacp" not in bd
    assert bd["active"] in t.pfs and bd["carrier"] is True
    states = {m["name"]: m["state"] for m in bd["members"]}
    backup = next(p for p in t.pfs if p != bd["active"])
    assert states == {bd["active"]: "active", backup: "backup"}
    m = t.members()
    assert m[bd["active"]]["tx"] is True and m[backup]["tx"] is False


def test_only_active_member_transmits(lab, vflagd):
    t = make(lab, vflagd)
    active = active_of(t)
    backup = next(p for p in t.pfs if p != active)
    Iperf3Server(lab, t.vm, bind=VM_IP)
    before = t.uplink_counters()
    fwd = iperf3(t.client, VM_IP, parallel=10, seconds=3)
    rev = iperf3(t.client, VM_IP, parallel=10, seconds=3, reverse=True)
    after = t.uplink_counters()
    tx = counter_delta(before, after, "tx_packets_phy")
    lag = counter_delta(before, after, "lag_tx_packets")
    rx = counter_delta(before, after, "rx_packets_phy")
    log(f"active-backup iperf3 -P 10: client->VM "
        f"{summarize_bps(fwd['received_bps'])}, VM->client "
        f"{summarize_bps(rev['received_bps'])}; tx_packets_phy {tx}, "
        f"rx_packets_phy {rx}")
    assert fwd["received_bps"] > 0 and rev["received_bps"] > 0
    assert tx[active] > 10000, tx
    assert lag[backup] == 0, f"the LAG hashed frames onto the backup: {lag}"
    # tx_packets_phy also counts what the host itself sends on the uplink
    # (IPv6 router solicitations, MLD): a handful at most.
    assert tx[backup] <= 20, f"the backup member transmitted: {tx}"
    assert rx[active] > 10000, rx
    assert rx[backup] < rx[active] / 100, rx


def test_carrier_failure_fails_over_and_restores(lab, vflagd):
    t = make(lab, vflagd)
    active = active_of(t)
    backup = next(p for p in t.pfs if p != active)
    i = t.pfs.index(active)
    meter = OutageMeter(lab, t.client, t.vm, VM_IP, flows=8).start(settle=1)
    back = OutageMeter(lab, t.vm, t.client, CLIENT_IP, flows=8, port=9001,
                       sport_base=41000).start(settle=0.5)
    t0 = time.monotonic()
    linkfail.carrier(lab, t.sw, t.sw_ends[i], up=False)
    wait_for(lambda: active_of(t) == backup, 3, interval=0.02,
             what="the backup to become active")
    took = time.monotonic() - t0
    time.sleep(1.0)
    c0 = t.uplink_counters()
    time.sleep(1.0)
    c1 = t.uplink_counters()
    fwd, rev = meter.stop(), back.stop()
    log(f"active-backup carrier failure of {active}: new active after "
        f"{took * 1e3:.0f} ms; outage client->VM {fwd['max_gap_ms']} ms, "
        f"VM->client {rev['max_gap_ms']} ms")
    bd = t.bond_view()
    states = {m["name"]: m for m in bd["members"]}
    assert bd["active"] == backup
    assert states[active]["state"] == "down"
    assert states[active]["link"] == "down"
    assert states[active]["link_failures"] >= 1
    tx = counter_delta(c0, c1, "tx_packets_phy")
    rx = counter_delta(c0, c1, "rx_packets_phy")
    assert tx[backup] > 100 and rx[backup] > 100, (tx, rx)
    assert tx[active] == 0, tx
    assert fwd["received"] > 0 and rev["received"] > 0
    assert fwd["max_gap_ms"] < 1500 and rev["max_gap_ms"] < 1500, (fwd, rev)
    assert ping(t.client, VM_IP)

    linkfail.carrier(lab, t.sw, t.sw_ends[i], up=True)
    wait_for(lambda: t.members()[active]["state"] == "backup", 5,
             what=f"{active} back as backup")
    # no primary: no failback
    assert active_of(t) == backup
    assert ping(t.client, VM_IP)


def test_primary_fails_back(lab, vflagd):
    t = make(lab, vflagd)
    primary = t.pfs[0]
    vflagd.ctl("bond", "set", t.bond, "primary", primary)
    wait_for(lambda: active_of(t) == primary, 3, what="primary active")
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
    wait_for(lambda: active_of(t) == t.pfs[1], 3, what="failover")
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True)
    wait_for(lambda: active_of(t) == primary, 5, what="failback to primary")
    assert t.bond_view()["primary"] == primary
    assert ping(t.client, VM_IP)
