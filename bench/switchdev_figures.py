#!/usr/bin/env python3
"""Switchdev figures (issue 9), in one run, printed, never failing:

  - iperf3 -P 10 through a kernel bridge over the VF's representor and
    bond0, with hw-tc-offload off (every frame takes the representors:
    the slow path) and on (the bridge's decisions offloaded), same
    topology, same run: throughput both ways and the ratio;
  - the share of the offloaded run's packets that took the slow path
    (the representors' counters against the rules');
  - the pause of a legacy <-> switchdev switch under 16 UDP flows each
    way (worst flow, 5 ms resolution).

The topology is the seed's with a kernel bridge as the switch and
active-backup (mode 1), so the peer is not the bottleneck (an OVS
userspace partner tops out near 1 Gbit/s).

    VFLAG_BUILD=build /usr/bin/python3 bench/switchdev_figures.py [--runs N]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pylib"))

from vflaglab.netns import Lab, wait_for  # noqa: E402
from vflaglab.switchdev import host_bridge, switchdev  # noqa: E402
from vflaglab.topo import VM_IP, VfLagTopo  # noqa: E402
from vflaglab.traffic import (Iperf3Client, Iperf3Server,  # noqa: E402
                              OutageMeter)
from vflaglab.vflagd import Vflagd  # noqa: E402


def setup(lab, d):
    t = VfLagTopo(lab, d, peer="bridge", mode="active-backup",
                  bond_opts=("miimon", 100))
    switchdev(t)
    t.bridge = host_bridge(lab, [t.rep, t.bond])
    t.wait_connectivity(timeout=20)
    return t


def offload(d, t, on):
    for pf in t.pfs:
        d.ctl("pf", "set", pf, "hw-tc-offload", "on" if on else "off")
    if on:
        t.wait_connectivity()
        wait_for(lambda: any(r["in_hw"] and r["origin"] == "bridge"
                             for r in d.ctl("flow", "show")["rules"]),
                 10, what="bridge rules in the eswitch")


def path_counts(d, t):
    rep, bond = d.counters(t.rep), d.counters(t.bond)
    slow = (rep["slow_tx_packets"] + rep["slow_rx_packets"] +
            bond["slow_tx_packets"] + bond["slow_rx_packets"])
    off = sum(r["stats"]["packets"]
              for r in d.ctl("flow", "show", "-s")["rules"])
    return slow, off


def throughput(lab, t, reverse):
    r = Iperf3Client(lab, t.client, VM_IP, seconds=4,
                     reverse=reverse).start().result()
    return r["received_bps"] / 1e9, r["retransmits"]


def mode_switch_pause(lab, d, t):
    gaps = []
    for mode in ("legacy", "switchdev"):
        m = OutageMeter(lab, t.client, t.vm, VM_IP).start()
        back = OutageMeter(lab, t.vm, t.client, "1.1.1.2", port=9100,
                           sport_base=41000).start()
        time.sleep(0.5)
        for pf in t.pfs:
            d.ctl("eswitch", "set", pf, "mode", mode)
        time.sleep(1.0)
        a, b = m.stop(), back.stop()
        gaps.append((mode, a["max_gap_ms"], a["lost"], b["max_gap_ms"],
                     b["lost"], a["silent_flows"] or b["silent_flows"]))
    return gaps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    res = {"slow": {False: [], True: []}, "off": {False: [], True: []}}
    shares, pauses = [], []
    for _ in range(args.runs):
        with Lab() as lab:
            d = Vflagd(lab, log_level="info").start()
            try:
                t = setup(lab, d)
                srv = Iperf3Server(lab, t.vm, bind=VM_IP)
                for on in (False, True):
                    offload(d, t, on)
                    for rev in (False, True):
                        s0 = path_counts(d, t)
                        bps, retr = throughput(lab, t, rev)
                        s1 = path_counts(d, t)
                        res["off" if on else "slow"][rev].append(
                            (bps, retr))
                        if on:
                            slow, off = s1[0] - s0[0], s1[1] - s0[1]
                            shares.append((rev, slow, off))
                srv.stop()
                pauses += mode_switch_pause(lab, d, t)
            finally:
                d.stop()
    print("switchdev figures (bench/switchdev_figures.py, "
          f"{args.runs} run(s), medians)")
    for rev, name in ((False, "client->VM"), (True, "VM->client")):
        slow = statistics.median(x[0] for x in res["slow"][rev])
        off = statistics.median(x[0] for x in res["off"][rev])
        rs = statistics.median(x[1] or 0 for x in res["slow"][rev])
        ro = statistics.median(x[1] or 0 for x in res["off"][rev])
        print(f"  iperf3 -P 10 {name}: slow path (hw-tc-offload off) "
              f"{slow:.2f} Gbit/s (retransmits {rs:.0f}), offloaded "
              f"{off:.2f} Gbit/s (retransmits {ro:.0f}), ratio "
              f"{off / slow if slow else float('nan'):.2f}")
    for rev, slow, off in shares:
        name = "VM->client" if rev else "client->VM"
        print(f"  offloaded run {name}: {slow} packets took the slow path, "
              f"{off} the rules ({100.0 * slow / max(1, slow + off):.3f}% "
              "slow)")
    for mode, ga, la, gb, lb, silent in pauses:
        print(f"  switch to {mode} under 16+16 UDP flows (5 ms apart): "
              f"worst flow {ga:.1f} ms client->VM ({la} lost), "
              f"{gb:.1f} ms VM->client ({lb} lost)"
              + (f", silent flows {silent}" if silent else ""))


if __name__ == "__main__":
    main()
