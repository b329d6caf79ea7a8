"""Mode 4 (802.3ad) against Open vSwitch's userspace LACP bond
(balance-tcp) in the switch namespace: the interop test that matters for
a LAG."""

import time

import pytest

from vflaglab import linkfail
from vflaglab.failover import directions, measure_failover
from vflaglab.netns import wait_for
from vflaglab.topo import CLIENT_IP, VM_IP, VfLagTopo, counter_delta, shares
from vflaglab.traffic import (Iperf3Client, Iperf3Server, burst, log, ping,
                            summarize_bps)

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


# Outage bounds for the worst flow in either direction (vflaglab.failover).
# A carrier loss is seen by link events (and by the 100 ms poll with
# miimon 100); a silent failure only by LACP's short timeout (3 s since the
# last LACPDU, 1 s apart). Measured on a shared 2-core machine, plain and
# ASan builds: carrier loss 9-17 ms (member out of the LAG after 15-35 ms);
# restore 7-14 ms, or about 1000 ms for VM->client when OVS has not yet
# enabled the restored member while vflag already distributes on it (the
# test fails then, as it should: frames are lost; see its log line); silent failure 2.30-2.33 s (out of the LAG
# after 2.35 s), healed with 14-23 ms of outage.
CARRIER_BOUND_MS = 250
RESTORE_BOUND_MS = 250
SILENT_BOUND_MS = 4000


@pytest.mark.parametrize("miimon", [0, 100])
def test_carrier_failure_and_restore(lab, vflagd, miimon):
    t = make(lab, vflagd, bond_opts=("miimon", miimon) + FAST[2:],
             rebalance_ms=1000)
    assert t.bond_view()["miimon"] == miimon
    failed, survivor = t.pfs
    r = measure_failover(
        lab, directions(t),
        lambda: linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False),
        detected=lambda: t.distributing() == [survivor], settle=1.5,
        what=f"802.3ad miimon {miimon}: carrier loss on {failed}")
    log(r.line())
    # fresh VM->client flows: none hashed onto the failed member
    c0 = t.uplink_counters()
    burst(lab, t.vm, t.client, CLIENT_IP, port=9102, sport_base=47000,
          seconds=0.3)
    c1 = t.uplink_counters()
    tx = counter_delta(c0, c1, "lag_tx_packets")
    rx = counter_delta(c0, c1, "rx_packets_phy")
    assert tx[failed] == 0 and rx[failed] == 0, (tx, rx)
    assert tx[survivor] > 0, tx
    m = t.members()
    assert m[failed]["link"] == "down" and m[failed]["state"] == "down"
    assert m[failed]["tx"] is False
    assert t.ovs.enabled_members(t.ovs_bond) == [t.sw_ends[1]]
    r.check(bound_ms=CARRIER_BOUND_MS)

    # Back: LACP re-forms with the member; the flows must not notice.
    seen = {}

    def both_distributing():
        ok = t.distributing() == sorted(t.pfs)
        if ok and not seen:  # what each side says when vflag distributes
            seen["partner_state"] = \
                t.members()[failed]["lacp"]["partner"]["state"]
            seen["ovs_enabled"] = t.ovs.enabled_members(t.ovs_bond)
        return ok
    r = measure_failover(
        lab, directions(t),
        lambda: linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True),
        detected=both_distributing, detect_timeout=10, after=1.5,
        what=f"802.3ad miimon {miimon}: {failed} restored")
    log(f"{r.line()}; when vflag distributed again: {seen}")
    # collecting before distributing: OVS collected on the member before
    # vflag sent it anything
    assert "collecting" in seen["partner_state"], seen
    check_formed(t)
    r.check(bound_ms=RESTORE_BOUND_MS)
    # and it carries again, both ways: fresh flows, counted per member
    c0 = t.uplink_counters()
    bursts = [burst(lab, t.client, t.vm, VM_IP, port=9100, sport_base=45000,
                    seconds=0.5),
              burst(lab, t.vm, t.client, CLIENT_IP, port=9101,
                    sport_base=46000, seconds=0.5)]
    c1 = t.uplink_counters()
    assert all(b["received"] > 0 for b in bursts)
    for key in ("rx_packets_phy", "lag_tx_packets"):
        d = counter_delta(c0, c1, key)
        assert all(v > 0 for v in d.values()), f"{key} after restore: {d}"


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
    r = measure_failover(
        lab, directions(t), t.silent[0].black_hole,
        detected=lambda: t.distributing() == [survivor], settle=1.5,
        detect_timeout=6, detect_interval=0.05,
        what=f"802.3ad silent failure of {failed}")
    log(r.line())
    assert t.members()[failed]["link"] == "up", "carrier must stay up"
    assert 2.0 <= r.detect_s <= 4.0, r.detect_s
    m = t.members()[failed]["lacp"]
    assert m["rx_state"] in ("EXPIRED", "DEFAULTED"), m["rx_state"]
    # fresh VM->client flows: none hashed onto the failed member
    c0 = t.uplink_counters()
    burst(lab, t.vm, t.client, CLIENT_IP, port=9102, sport_base=47000,
          seconds=0.3)
    c1 = t.uplink_counters()
    # carrier is up: LACPDUs still go out on it, data must not
    tx = counter_delta(c0, c1, "lag_tx_packets")
    assert tx[failed] == 0 and tx[survivor] > 0, tx
    r.check(bound_ms=SILENT_BOUND_MS)
    # Defaulted, a fast bond keeps the fast rate (its Partner_Admin state
    # has the short timeout), so vflag hears a healed link within a fast
    # period. OVS, defaulted, falls back to the long timeout and sends
    # every 30 s; it learns of the healed link from vflag's LACPDUs, so
    # the bound stays loose.
    wait_for(lambda: t.members()[failed]["lacp"]["rx_state"] == "DEFAULTED",
             6, what=f"{failed} defaulted")
    m = t.members()[failed]["lacp"]
    assert "short_timeout" in m["actor"]["state"], m
    assert m["periodic_state"] == "FAST_PERIODIC", m
    r = measure_failover(
        lab, directions(t), t.silent[0].restore,
        detected=lambda: t.distributing() == sorted(t.pfs),
        detect_timeout=40, detect_interval=0.1, after=1.5,
        what=f"802.3ad silent failure of {failed} healed")
    log(r.line())
    check_formed(t)
    r.check(bound_ms=RESTORE_BOUND_MS)
