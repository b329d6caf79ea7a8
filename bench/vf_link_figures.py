#!/usr/bin/python3
"""VF link state figures (issue 7 item 6): how fast a VF's carrier, as the
VM reads /sys/class/net/IF/carrier, follows its LAG in state auto. Not a
test: it prints each run and the median, and never passes or fails on a
figure.

The seed's topology (pylib/vflaglab/topo.py), VF 0 of PF a in a VM
namespace; the peer a kernel bridge with vflag in active-backup (miimon
100), or Open vSwitch's userspace LACP bond with vflag in 802.3ad (fast
rate, miimon 100). Each run fails both members by carrier loss on the
switch ends (the first, then the last), then restores the last, and
reports (vflaglab.vflink.measure_vf_follows_lag(), as
tests/integration/test_ports_return.py does):
  down: from the last member's carrier loss (its uplink's sysfs carrier
        in vflagd's namespace) to the VF's carrier loss in the VM
  up:   from that member's carrier return to the VF's
Both sides are polled every 1 ms by a watcher per namespace on
CLOCK_MONOTONIC, so a figure is good to about 2 ms (and can read slightly
negative). In 802.3ad the VF comes up only when LACP distributes again on
the member.

Measured here (2 shared cores, plain build, medians of 3): active-backup
down -0.1 ms (max 0.6), up 10.6 ms (max 16.2); 802.3ad against OVS down
0.0 ms (max 1.0), up 382 ms (max 391, LACP's own bring-up). Up waits for
the datapath's LAG flip (these figures are from before it stopped waiting
out an RCU grace period; bench/all.sh prints today's).

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/vf_link_figures.py
           [--runs N] [--modes active-backup,802.3ad]"""

import argparse
import os
import statistics
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))

from vflaglab.netns import Lab, _netns_names, link_names  # noqa: E402
from vflaglab.topo import VfLagTopo  # noqa: E402
from vflaglab.vflagd import Vflagd  # noqa: E402
from vflaglab.vflink import measure_vf_follows_lag  # noqa: E402

SETUPS = {
    "active-backup": dict(peer="bridge", mode="active-backup",
                          bond_opts=("miimon", 100)),
    "802.3ad": dict(peer="ovs", mode="802.3ad",
                    bond_opts=("miimon", 100, "lacp_rate", "fast"),
                    ovs_mode="balance-tcp", ovs_lacp="active",
                    ovs_lacp_time="fast"),
}


def one_run(mode):
    lab = Lab(prefix="vfk")
    d = None
    try:
        d = Vflagd(lab, log_level="info").start()
        t = VfLagTopo(lab, d, **SETUPS[mode])
        if mode == "802.3ad":
            t.wait_lag()
        t.wait_connectivity()
        return measure_vf_follows_lag(lab, t, timeout=10)
    finally:
        if d:
            rc = d.stop()
            if rc != 0:
                sys.stderr.write(f"warning: vflagd exited {rc}\n")
        tag = lab.tag
        lab.close()
        left = [n for n in _netns_names() + link_names() if tag in n]
        if left:
            sys.stderr.write(f"warning: left behind: {left}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--modes", default="active-backup,802.3ad")
    args = ap.parse_args()
    for mode in args.modes.split(","):
        downs, ups = [], []
        for i in range(args.runs):
            down, up = one_run(mode)
            downs.append(down)
            ups.append(up)
            print(f"{mode} run {i + 1}: VF carrier down {down:.1f} ms, "
                  f"up {up:.1f} ms", flush=True)
        print(f"{mode}: VF carrier follows the LAG, median of {args.runs}: "
              f"down {statistics.median(downs):.1f} ms (max "
              f"{max(downs):.1f}), up {statistics.median(ups):.1f} ms (max "
              f"{max(ups):.1f})", flush=True)


if __name__ == "__main__":
    main()
