"""Mode 4 (802.3ad) between two vflagds (vflaglab.pair.VflagPair): the
convergence behaviour of issue 10 against vflag itself.
  - bring-up: with every configured member selected and the partner in
    agreement, the aggregator does not sit out the 2 s Aggregate_Wait_Time
    (lacp_wait_shortcut, on by default); with the shortcut off it does;
  - a member restored after a carrier loss joins without losing a
    datagram either way (each end collects before the other distributes);
  - a fast bond whose port defaulted keeps the fast rate (short timeout,
    FAST_PERIODIC), so a healed link is heard within a fast period."""

import time

from vflaglab import linkfail
from vflaglab.netns import wait_for
from vflaglab.pair import VflagPair, distributing
from vflaglab.traffic import OutageMeter, log

FAST = ["mode", "802.3ad", "miimon", "100", "lacp_rate", "fast"]
AGGREGATE_WAIT_S = 2.0


def bringup_s(lab, opts):
    p = VflagPair(lab)
    p.bond_add("b", opts)
    t0 = time.monotonic()
    p.bond_add("a", opts)
    wait_for(p.both_distributing, 10, interval=0.01, what="formed")
    return p, time.monotonic() - t0


def test_bringup_shortcut(lab):
    p, took = bringup_s(lab, FAST)
    log(f"vflag<->vflag formed {took * 1e3:.0f} ms after bond add")
    assert p.a.bond(p.bond)["lacp"]["wait_shortcut"] is True
    assert took < AGGREGATE_WAIT_S / 2, took


def test_bringup_without_shortcut_waits(lab):
    p, took = bringup_s(lab, FAST + ["lacp_wait_shortcut", "off"])
    log(f"vflag<->vflag, no shortcut: formed {took * 1e3:.0f} ms after "
        f"bond add")
    assert took >= AGGREGATE_WAIT_S, took


def test_restore_loses_nothing(lab):
    p = VflagPair(lab, vfs=True)
    p.bond_add("b", FAST)
    p.bond_add("a", FAST)
    p.add_vfs()
    wait_for(p.both_distributing, 10, interval=0.02, what="formed")
    linkfail.carrier(lab, None, p.up_a[0], up=False)
    wait_for(lambda: len(distributing(p.a, p.bond)) == 1 and
             len(distributing(p.b, p.bond)) == 1, 5, interval=0.02,
             what="member 0 out")
    fwd = OutageMeter(lab, p.vms[0], p.vms[1], "10.9.0.2", flows=8,
                      interval_ms=1.0, port=9010, sport_base=45000)
    rev = OutageMeter(lab, p.vms[1], p.vms[0], "10.9.0.1", flows=8,
                      interval_ms=1.0, port=9011, sport_base=46000)
    fwd.start(settle=0.5)
    rev.start(settle=1.0)
    linkfail.carrier(lab, None, p.up_a[0], up=True)
    wait_for(p.both_distributing, 10, interval=0.01, what="restored")
    time.sleep(1.5)
    f, r = fwd.stop(), rev.stop()
    log(f"restore: lost {f['lost']} A->B, {r['lost']} B->A "
        f"(received {f['received'] + r['received']})")
    assert f["received"] > 0 and r["received"] > 0
    assert f["lost"] == 0 and r["lost"] == 0, (f, r)


def test_defaulted_stays_fast(lab):
    p = VflagPair(lab, silent=True)
    p.bond_add("b", FAST)
    p.bond_add("a", FAST)
    wait_for(p.both_distributing, 10, interval=0.02, what="formed")
    p.silent.black_hole()

    def member0():
        return p.a.bond(p.bond)["members"][0]["lacp"]

    wait_for(lambda: member0()["rx_state"] == "DEFAULTED", 10,
             interval=0.1, what="member 0 defaulted")
    m = member0()
    assert "short_timeout" in m["actor"]["state"], m
    assert m["periodic_state"] == "FAST_PERIODIC", m
    assert distributing(p.a, p.bond) == [p.pfs_a[1]]
    p.silent.restore()
    wait_for(p.both_distributing, 3.0, interval=0.05,
             what="healed within a few fast periods")
