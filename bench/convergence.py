#!/usr/bin/python3
"""Convergence figures of vflag's 802.3ad bond (issue 10 items 1-3): not a
test, it prints each run and the median and never passes or fails on a
figure.

  bringup-vv    vflag <-> vflag: a second vflagd runs in a namespace as
                the partner (its bond already up); from `bond add ...
                members A B` on the first returning to both members of
                both bonds distributing (`bond show` polled). Run with the
                default options (lacp_wait_shortcut on) and with
                `lacp_wait_shortcut off` (the full 2 s wait) for contrast.
  bringup-ovs   vflag <-> Open vSwitch (the seed's topology, VfLagTopo):
                from `bond add` returning to both members distributing on
                vflag and attached+current on OVS.
  heal-vv       vflag <-> vflag, uplink 0 through an nftables forwarder
                (SilentLink): frames black-holed until both ends are
                DEFAULTED, then let through; time from the restore to both
                members of both bonds distributing.
  restore-ovs   vflag <-> OVS, 8 UDP flows x 1000 pps each way between the
                client and the VM: carrier of uplink 0 lost, and once the
                member is out and the meters run, restored; datagrams lost
                and longest gap across the restore alone (from the restore
                to 2 s after both ends distribute).
  restore-vv    the same between two vflags (a VF behind each bond).
  carrier-vv    vflag <-> vflag, a VF behind each bond, 8 UDP flows x
                1250 pps each way (10 000 pps a direction, a datagram
                every 0.8 ms per flow): uplink 0 of A set down; the worst
                flow's gap (vflaglab.failover.measure_failover) and, from
                each vflagd's log, the time from the rtnetlink event
                handled on its loop to the new LAG published to the
                datapath (failover.c), in microseconds.
  split-seed    vflag <-> OVS with the seed's exact options (`mode 802.3ad
                miimon 100 lacp_rate fast`, no xmit_hash_policy, so
                layer2): iperf3 -P 10 VM->client, each member's share of
                lag_tx_packets (vflag's port selection decides); with the
                default port_select (queue_affinity) and with `port_select
                hash` (Linux's answer) for contrast; the median is of
                the lesser member's share, in per mille.

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/convergence.py
           [--runs N] [--only bringup-vv,heal-vv,...]
Imports the integration tests' helpers from pylib/vflaglab. Every run builds its own namespaces,
links and processes and removes them. Times are taken when a command or
a poll returns (time.monotonic()); a `bond show` poll costs ~5-10 ms, so
figures under that are at the poll's resolution."""

import argparse
import os
import statistics
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))

from vflaglab import linkfail  # noqa: E402
from vflaglab.failover import Direction, measure_failover  # noqa: E402
from vflaglab.netns import Lab, wait_for  # noqa: E402
from vflaglab.pair import (NsVflagd, VflagPair, distributing,  # noqa: E402,F401
                           rx_states)
from vflaglab.topo import CLIENT_IP, VM_IP, VfLagTopo  # noqa: E402
from vflaglab.traffic import (Iperf3Client, Iperf3Server,  # noqa: E402
                              OutageMeter)
from vflaglab.vflagd import Vflagd  # noqa: E402

FAST = ["mode", "802.3ad", "miimon", "100", "lacp_rate", "fast"]


def ms(s):
    return round(s * 1e3)


def first_seen(pred, timeout, out, key):
    """Polls pred() as fast as vflagctl answers; out[key] = when it first
    held (time.monotonic()), or None."""
    end = time.monotonic() + timeout
    out[key] = None
    while time.monotonic() < end:
        if pred():
            out[key] = time.monotonic()
            return


def run_bringup_vv(opts):
    """Each daemon polled by its own thread, so a figure is the later of
    the two first sightings, at one poll's resolution."""
    with Lab() as lab:
        p = VflagPair(lab)
        p.bond_add("b", opts)
        time.sleep(0.5)
        seen = {}
        polls = [threading.Thread(target=first_seen, args=(
            lambda d=d, pfs=pfs: distributing(d, p.bond) == sorted(pfs),
            10, seen, side)) for side, d, pfs in
            (("a", p.a, p.pfs_a), ("b", p.b, p.pfs_b))]
        t0 = time.monotonic()
        polls[1].start()  # B's bond exists: poll it from before bond add
        p.bond_add("a", opts)
        t1 = time.monotonic()
        polls[0].start()
        for t in polls:
            t.join()
        if None in seen.values():
            raise RuntimeError(f"not distributing in 10 s: {seen}")
        return {"ms": ms(max(seen.values()) - t1),
                "from_bond_add_start_ms": ms(max(seen.values()) - t0),
                "bond_add_ms": ms(t1 - t0)}


def run_bringup_ovs():
    with Lab() as lab:
        d = Vflagd(lab, log_level="info").start()
        try:
            t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad",
                          bond_opts=FAST[2:], configure_vflag=False)
            cmds = t.vflag_commands()
            for c in cmds:
                if c[0] == "bond":
                    t0 = time.monotonic()
                    d.ctl(*c)
                    t1 = time.monotonic()
                    vf = time.monotonic()
                    wait_for(lambda: t.distributing() == sorted(t.pfs), 10,
                             interval=0.005, what="vflag distributing")
                    vf = time.monotonic() - t1
                    t.ovs.wait_lacp(t.ovs_bond, t.sw_ends, 10)
                    both = time.monotonic() - t1
                else:
                    d.ctl(*c)
            return {"ms": ms(both), "vflag_ms": ms(vf),
                    "bond_add_ms": ms(t1 - t0)}
        finally:
            d.stop()


def run_heal_vv(opts):
    with Lab() as lab:
        p = VflagPair(lab, silent=True)
        p.bond_add("b", opts)
        p.bond_add("a", opts)
        wait_for(p.both_distributing, 10, interval=0.02, what="formed")
        p.silent.black_hole()
        wait_for(lambda: rx_states(p.a, p.bond)[0] == "DEFAULTED" and
                 rx_states(p.b, p.bond)[0] == "DEFAULTED", 15, interval=0.05,
                 what="both ends DEFAULTED")
        time.sleep(2.0)
        t0 = time.monotonic()
        p.silent.restore()
        wait_for(p.both_distributing, 40, interval=0.01,
                 what="both distributing after healing")
        return {"ms": ms(time.monotonic() - t0)}


def meters(lab, ns_a, ns_b, ip_a, ip_b):
    fwd = OutageMeter(lab, ns_a, ns_b, ip_b, flows=8, interval_ms=1.0,
                      port=9010, sport_base=45000)
    rev = OutageMeter(lab, ns_b, ns_a, ip_a, flows=8, interval_ms=1.0,
                      port=9011, sport_base=46000)
    fwd.start(settle=0.5)
    rev.start(settle=1.0)
    return fwd, rev


def run_restore_ovs():
    with Lab() as lab:
        d = Vflagd(lab, log_level="info").start()
        try:
            t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad",
                          bond_opts=FAST[2:], rebalance_ms=1000)
            t.wait_lag(timeout=15)
            t.wait_connectivity()
            survivor = t.pfs[1]
            linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
            wait_for(lambda: t.distributing() == [survivor], 3,
                     interval=0.02, what="member 0 out")
            time.sleep(0.5)
            fwd, rev = meters(lab, t.client, t.vm, CLIENT_IP, VM_IP)
            t0 = time.monotonic()
            linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True)
            t.wait_lag(timeout=10)
            took = time.monotonic() - t0
            time.sleep(2.0)
            f, r = fwd.stop(), rev.stop()
            return {"ms": ms(took), "lost_to_vm": f["lost"],
                    "lost_from_vm": r["lost"],
                    "gap_to_vm_ms": f["max_gap_ms"],
                    "gap_from_vm_ms": r["max_gap_ms"],
                    "received": f["received"] + r["received"]}
        finally:
            d.stop()


def run_restore_vv(opts):
    with Lab() as lab:
        p = VflagPair(lab, vfs=True)
        p.bond_add("b", opts)
        p.bond_add("a", opts)
        p.add_vfs()
        wait_for(p.both_distributing, 10, interval=0.02, what="formed")
        linkfail.carrier(lab, None, p.up_a[0], up=False)
        wait_for(lambda: len(distributing(p.a, p.bond)) == 1 and
                 len(distributing(p.b, p.bond)) == 1, 3, interval=0.02,
                 what="member 0 out")
        time.sleep(0.5)
        fwd, rev = meters(lab, p.vms[0], p.vms[1], "10.9.0.1", "10.9.0.2")
        t0 = time.monotonic()
        linkfail.carrier(lab, None, p.up_a[0], up=True)
        wait_for(p.both_distributing, 10, interval=0.005, what="restored")
        took = time.monotonic() - t0
        time.sleep(2.0)
        f, r = fwd.stop(), rev.stop()
        return {"ms": ms(took), "lost_a_to_b": f["lost"],
                "lost_b_to_a": r["lost"], "gap_a_to_b_ms": f["max_gap_ms"],
                "gap_b_to_a_ms": r["max_gap_ms"],
                "received": f["received"] + r["received"]}


PUBLISHED = "LAG published "


def publish_us(d, skip):
    """Event -> publish figures (us) vflagd d logged past its first
    `skip` such lines."""
    out = []
    for line in d.stderr().splitlines():
        if PUBLISHED in line:
            out.append(int(line.split(PUBLISHED)[1].split()[0]))
    return out[skip:]


def run_carrier_vv(opts):
    with Lab() as lab:
        p = VflagPair(lab, vfs=True)
        p.bond_add("b", opts)
        p.bond_add("a", opts)
        p.add_vfs()
        wait_for(p.both_distributing, 10, interval=0.02, what="formed")
        seen = (len(publish_us(p.a, 0)), len(publish_us(p.b, 0)))
        dirs = [Direction("A->B", p.vms[0], p.vms[1], "10.9.0.2"),
                Direction("B->A", p.vms[1], p.vms[0], "10.9.0.1")]
        r = measure_failover(
            lab, dirs, lambda: linkfail.carrier(lab, None, p.up_a[0],
                                                up=False),
            detected=lambda: len(distributing(p.a, p.bond)) == 1,
            what="carrier loss", flows=8, interval_ms=0.8, settle=1.0,
            after=1.0, detect_interval=0.005)
        pa, pb = publish_us(p.a, seen[0]), publish_us(p.b, seen[1])
        worst = max(m["max_gap_ms"] for m in r.meters.values())
        return {"ms": worst, "publish_us_a": pa, "publish_us_b": pb,
                "gap_ms": {d: m["max_gap_ms"] for d, m in r.meters.items()},
                "lost": {d: m["lost"] for d, m in r.meters.items()},
                "problems": r.problems()}


def run_split_seed(extra):
    with Lab() as lab:
        d = Vflagd(lab, log_level="info").start()
        try:
            t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad",
                          bond_opts=["miimon", 100, "lacp_rate", "fast"] +
                          extra, rebalance_ms=1000)
            t.wait_lag(timeout=15)
            t.wait_connectivity()
            Iperf3Server(lab, t.vm, bind=VM_IP)
            c = Iperf3Client(lab, t.client, VM_IP, parallel=10, seconds=4,
                             reverse=True).start()
            time.sleep(1.0)
            c0 = t.uplink_counters()
            time.sleep(2.0)
            c1 = t.uplink_counters()
            res = c.result()
            dl = {pf: c1[pf]["lag_tx_packets"] - c0[pf]["lag_tx_packets"]
                  for pf in t.pfs}
            total = sum(dl.values()) or 1
            shares = {pf: round(v / total, 2) for pf, v in dl.items()}
            return {"ms": round(1000 * min(dl.values()) / total),
                    "unit": "per mille on the lesser member",
                    "lag_tx_packets": dl, "shares": shares,
                    "gbit_s": round(res["received_bps"] / 1e9, 2)}
        finally:
            d.stop()


SCENARIOS = {
    "bringup-vv": [("default options", lambda: run_bringup_vv(FAST)),
                   ("lacp_wait_shortcut off",
                    lambda: run_bringup_vv(FAST + ["lacp_wait_shortcut",
                                                   "off"]))],
    "bringup-ovs": [("default options", run_bringup_ovs)],
    "heal-vv": [("default options", lambda: run_heal_vv(FAST))],
    "restore-ovs": [("default options", run_restore_ovs)],
    "restore-vv": [("default options", lambda: run_restore_vv(FAST))],
    "carrier-vv": [("default options", lambda: run_carrier_vv(FAST))],
    "split-seed": [("default options (port_select queue_affinity)",
                    lambda: run_split_seed([])),
                   ("port_select hash", lambda: run_split_seed(
                       ["port_select", "hash"]))],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(SCENARIOS))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (namespaces, veth, BPF, OVS)")
    for name in args.only.split(","):
        for label, fn in SCENARIOS[name]:
            results = []
            for i in range(args.runs):
                try:
                    r = fn()
                except Exception as e:  # a figure missing, not a failure
                    print(f"{name} [{label}] run {i + 1}: failed: {e}",
                          flush=True)
                    continue
                results.append(r)
                print(f"{name} [{label}] run {i + 1}: {r}", flush=True)
            if results:
                med = statistics.median(r["ms"] for r in results)
                unit = results[0].get("unit", "ms")
                print(f"{name} [{label}]: median {med:.0f} {unit} over "
                      f"{len(results)} runs", flush=True)


if __name__ == "__main__":
    main()
