"""Mode 4 (802.3ad) against Open vSwitch's userspace LACP bond
(balance-tcp) in the switch namespace: the interop test that matters for
a LAG."""

import time

import pytest

from vflaglab import linkfail
from vflaglab.netns import wait_for
from vflaglab.topo import CLIENT_IP, VM_IP, VfLagTopo, counter_delta, shares
from vflaglab.traffic import (Iperf3Client, Iperf3Server, OutageMeter, log,
                            ping, summarize_bps)

FAST = ("miimon", 100, "lacp_rate", "fast", "xmit_hash_policy", "layer3+4")


def make(lab, vflagd, **kw):
    t0 = time.monotonic()
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", **kw)
    took = t.wait_lag(timeout=15)
    t.wait_connectivity()
    t.formed_s = time.monotonic() - t0
    log(f"LAG formed {took * 1e3:.0f} ms after vflag was configured")
    return t


def check_formed(t):
    ovs = t.ovs.lacp_show(t.ovs_bond)
    bd = t.bond_view()
    assert "negotiated" in ovs["status"], ovs["raw"]
    # each side names the other as its partner
    assert bd["lacp"]["partner_mac"] == ovs["sys_id"]
    for sw_end in t.sw_ends:
        mv = ovs["members"][sw_end]
        assert {"current", "attached"} <= set(mv["status"]), ovs["raw"]
        assert mv["partner_sys_id"] == bd["lacp"]["sys_mac"], ovs["raw"]
        assert {"collecting", "distributing"} <= set(mv["partner_state"])
    assert bd["lacp"]["num_ports"] == 2
    aggs = set()
    for m in bd["members"]:
        lm = m["lacp"]
        assert m["tx"] and m["rx"] and m["state"] == "active"
        assert lm["selected"] == "SELECTED"
        assert lm["rx_state"] == "CURRENT"
        assert lm["mux_state"] == "COLLECTING_DISTRIBUTING"
        assert lm["partner"]["system"] == ovs["sys_id"]
        assert {"in_sync", "collecting", "distributing"} <= \
            set(lm["partner"]["state"])
        assert lm["counters"]["lacpdu_rx"] > 0
        assert lm["counters"]["lacpdu_tx"] > 0
        aggs.add(lm["aggregator_id"])
    assert aggs == {bd["lacp"]["aggregator_id"]}
    assert sorted(t.ovs.enabled_members(t.ovs_bond)) == sorted(t.sw_ends)


def test_lag_forms_with_ovs(lab, vflagd):
    t = make(lab, vflagd, bond_opts=FAST)
    check_formed(t)
    bd = t.bond_view()
    assert bd["lacp"]["rate"] == "fast"
    for m in bd["members"]:
        assert "short_timeout" in m["lacp"]["actor"]["state"]
        assert m["lacp"]["periodic_state"] == "FAST_PERIODIC"


def _split(lab, t, reverse, attempts=3):
    """iperf3 -P 10 for 6 s; per-uplink packet shares counted between 2.5 s
    and 5.5 s (after OVS's 1 s rebalance). vflag's layer3+4 hash can put
    9 of 10 random ports on one member (~2%): a fresh run then gets fresh
    ports, up to `attempts` times."""
    key = "tx_packets_phy" if reverse else "rx_packets_phy"
    runs = []
    for _ in range(attempts):
        c = Iperf3Client(lab, t.client, VM_IP, parallel=10, seconds=6,
                         reverse=reverse).start()
        time.sleep(2.5)
        before = t.uplink_counters()
        time.sleep(3)
        after = t.uplink_counters()
        res = c.result()
        d = counter_delta(before, after, key)
        runs.append((res, d, shares(d)))
        if min(runs[-1][2].values()) >= 0.20:
            break
    return runs


@pytest.mark.parametrize("direction", ["client->VM", "VM->client"])
def test_iperf3_uses_both_members(lab, vflagd, direction):
    t = make(lab, vflagd, bond_opts=FAST, rebalance_ms=1000)
    Iperf3Server(lab, t.vm, bind=VM_IP)
    reverse = direction == "VM->client"
    runs = _split(lab, t, reverse)
    for res, d, sh in runs:
        log(f"802.3ad iperf3 -P 10 {direction}: "
            f"{summarize_bps(res['received_bps'])}, "
            f"{'tx' if reverse else 'rx'}_packets_phy per uplink {d}, "
            f"shares { {k: round(v, 2) for k, v in sh.items()} }")
    res, d, sh = runs[-1]
    assert res["received_bps"] > 0
    for pf, s in sh.items():
        assert s >= 0.20, f"{pf} carried {s:.0%} ({d}) in {len(runs)} runs"


def test_carrier_failure_and_restore(lab, vflagd):
    t = make(lab, vflagd, bond_opts=FAST, rebalance_ms=1000)
    failed, survivor = t.pfs
    fwd = OutageMeter(lab, t.client, t.vm, VM_IP, flows=16).start(settle=1.5)
    rev = OutageMeter(lab, t.vm, t.client, CLIENT_IP, flows=16, port=9001,
                      sport_base=41000).start(settle=1.0)
    c0 = t.uplink_counters()
    time.sleep(0.5)
    c1 = t.uplink_counters()
    for key in ("rx_packets_phy", "tx_packets_phy"):
        d = counter_delta(c0, c1, key)
        assert all(v > 0 for v in d.values()), f"{key} before failure: {d}"
    t_fail = time.monotonic()
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
    wait_for(lambda: t.distributing() == [survivor], 3, interval=0.02,
             what=f"{failed} out of the LAG")
    detect = time.monotonic() - t_fail
    time.sleep(1.0)
    c2 = t.uplink_counters()
    time.sleep(1.0)
    c3 = t.uplink_counters()
    f, r = fwd.stop(), rev.stop()
    log(f"802.3ad carrier failure of {failed}: out of the LAG after "
        f"{detect * 1e3:.0f} ms; outage client->VM {f['max_gap_ms']} ms "
        f"({f['lost']} lost), VM->client {r['max_gap_ms']} ms "
        f"({r['lost']} lost)")
    tx = counter_delta(c2, c3, "tx_packets_phy")
    rx = counter_delta(c2, c3, "rx_packets_phy")
    assert tx[failed] == 0 and rx[failed] == 0, (tx, rx)
    assert tx[survivor] > 100 and rx[survivor] > 100, (tx, rx)
    m = t.members()
    assert m[failed]["link"] == "down" and m[failed]["state"] == "down"
    assert m[failed]["tx"] is False
    assert t.ovs.enabled_members(t.ovs_bond) == [t.sw_ends[1]]
    assert f["max_gap_ms"] < 1500 and r["max_gap_ms"] < 1500, (f, r)

    t_up = time.monotonic()
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True)
    t.wait_lag(timeout=10)
    log(f"802.3ad restore: both distributing after "
        f"{(time.monotonic() - t_up) * 1e3:.0f} ms")
    check_formed(t)
    fwd = OutageMeter(lab, t.client, t.vm, VM_IP, flows=16, port=9002,
                      sport_base=42000).start(settle=2.5)
    rev = OutageMeter(lab, t.vm, t.client, CLIENT_IP, flows=16, port=9003,
                      sport_base=43000).start(settle=0.5)
    c4 = t.uplink_counters()
    time.sleep(1.0)
    c5 = t.uplink_counters()
    fwd.stop(), rev.stop()
    for key in ("rx_packets_phy", "tx_packets_phy"):
        d = counter_delta(c4, c5, key)
        assert all(v > 20 for v in d.values()), f"{key} after restore: {d}"


def test_passive_ovs_active_vflag(lab, vflagd):
    t = make(lab, vflagd, bond_opts=FAST, ovs_lacp="passive")
    check_formed(t)
    assert t.ovs.lacp_show(t.ovs_bond)["status"][0] == "passive"
    assert t.bond_view()["lacp"]["active"] is True


def test_passive_vflag_active_ovs(lab, vflagd):
    t = make(lab, vflagd, bond_opts=FAST + ("lacp_active", "off"))
    check_formed(t)
    bd = t.bond_view()
    assert bd["lacp"]["active"] is False
    for m in bd["members"]:
        assert "activity" not in m["lacp"]["actor"]["state"]


def test_slow_rate(lab, vflagd):
    t = make(lab, vflagd, bond_opts=("miimon", 100, "lacp_rate", "slow",
                                     "xmit_hash_policy", "layer3+4"),
             ovs_lacp_time="slow")
    check_formed(t)
    bd = t.bond_view()
    assert bd["lacp"]["rate"] == "slow"
    for m in bd["members"]:
        assert "short_timeout" not in m["lacp"]["actor"]["state"]
        assert "short_timeout" not in m["lacp"]["partner"]["state"]
    assert t.ovs.lacp_show(t.ovs_bond)["lacp_time"] == "slow"
    assert ping(t.client, VM_IP)


def test_silent_failure_lacp_timeout(lab, vflagd):
    """Carrier stays up and frames vanish: with fast LACP the member must
    leave the LAG after the 3 s short timeout, and traffic move."""
    t = make(lab, vflagd, bond_opts=FAST, silent=(0,))
    failed, survivor = t.pfs
    fwd = OutageMeter(lab, t.client, t.vm, VM_IP, flows=16).start(settle=1.5)
    rev = OutageMeter(lab, t.vm, t.client, CLIENT_IP, flows=16, port=9001,
                      sport_base=41000).start(settle=0.5)
    t0 = time.monotonic()
    t.silent[0].black_hole()
    wait_for(lambda: t.distributing() == [survivor], 6, interval=0.05,
             what=f"LACP timeout of {failed}")
    detect = time.monotonic() - t0
    assert t.members()[failed]["link"] == "up", "carrier must stay up"
    time.sleep(1.0)
    c0 = t.uplink_counters()
    time.sleep(1.0)
    c1 = t.uplink_counters()
    f, r = fwd.stop(), rev.stop()
    log(f"802.3ad silent failure of {failed}: out of the LAG after "
        f"{detect * 1e3:.0f} ms; outage client->VM {f['max_gap_ms']} ms, "
        f"VM->client {r['max_gap_ms']} ms")
    assert 2.0 <= detect <= 4.0, detect
    m = t.members()[failed]["lacp"]
    assert m["rx_state"] in ("EXPIRED", "DEFAULTED"), m["rx_state"]
    # carrier is up: LACPDUs still go out on it, data must not
    tx = counter_delta(c0, c1, "lag_tx_packets")
    assert tx[failed] == 0 and tx[survivor] > 100, tx
    assert f["max_gap_ms"] < 4500 and r["max_gap_ms"] < 4500, (f, r)
    # Restored after DEFAULTED, both ends fall back to the partner's admin
    # (long) timeout and send every 30 s (802.1AX periodic machine; Linux
    # bonding and OVS alike), so the LAG may take that long to come back.
    t0 = time.monotonic()
    t.silent[0].restore()
    t.wait_lag(timeout=40)
    log(f"802.3ad silent failure healed: both distributing after "
        f"{(time.monotonic() - t0) * 1e3:.0f} ms")
    check_formed(t)
