#!/usr/bin/python3
"""Throughput and TCP retransmits vflag <-> vflag against two kernel
bridges in series carrying the same traffic, in one run (issue 10 item
8). Not a test: it prints, never fails on a figure; compare only within
one run (MACHINE-NOTES).

  vflag:   vm A -- VF of vflagd A == 2 uplinks, 802.3ad fast, default
           port_select (queue_affinity) == vflagd B (namespace) -- VF -- vm B
  bridges: vm A -- bridge A (root ns) -- one veth -- bridge B
           (namespace) -- vm B   (one link: two would loop)

For each, iperf3 -P N for S seconds A->B and B->A (-R), and the kernel's
per-CPU backlog drops (/proc/net/softnet_stat, column 2, all CPUs) and
the datapath's named drop counters of vflagd A's ports (vflag only)
over each run: where frames were lost, if anywhere.

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/vv_throughput.py
           [--seconds S] [--parallel N]"""

import argparse
import os
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))
sys.path.insert(0, os.path.join(REPO, "bench"))

from convergence import FAST, VflagPair  # noqa: E402
from vflaglab.netns import Lab, sh, wait_for  # noqa: E402
from vflaglab.traffic import Iperf3Client, Iperf3Server  # noqa: E402


def softnet_drops():
    with open("/proc/net/softnet_stat") as fh:
        return sum(int(line.split()[1], 16) for line in fh)


def drops(d, ports):
    """The datapath's drop_* counters summed over ports of vflagd d."""
    out = {}
    for p in d.ctl("stats")["ports"]:
        if p.get("name") not in ports:
            continue
        for k, v in p["counters"].items():
            if k.startswith("drop") and isinstance(v, int) and v:
                out[k] = out.get(k, 0) + v
    return out


def iperf_both(lab, ns_a, ns_b, ip_b, seconds, parallel, sample=None):
    Iperf3Server(lab, ns_b, bind=ip_b)
    out = {}
    for name, rev in (("A->B", False), ("B->A", True)):
        s0 = softnet_drops()
        d0 = sample() if sample else {}
        r = Iperf3Client(lab, ns_a, ip_b, parallel=parallel, seconds=seconds,
                         reverse=rev).start().result()
        d1 = sample() if sample else {}
        out[name] = {"gbit_s": round(r["received_bps"] / 1e9, 2),
                     "retransmits": r["retransmits"],
                     "softnet_drops": softnet_drops() - s0,
                     "dp_drops": {k: v - d0.get(k, 0) for k, v in d1.items()
                                  if v - d0.get(k, 0)}}
    return out


def run_vflag(seconds, parallel):
    with Lab() as lab:
        p = VflagPair(lab, vfs=True)
        p.bond_add("b", FAST)
        p.bond_add("a", FAST)
        p.add_vfs()
        # add_vfs turns tx checksum offload off (for OVS's userspace
        # datapath, which is not here): on again, as on the bridges' veths.
        for vm, pf in zip(p.vms, (p.pfs_a[0], p.pfs_b[0])):
            sh(["ethtool", "-K", f"{pf}vf0", "tx", "on"], ns=str(vm))
        wait_for(p.both_distributing, 10, interval=0.02, what="formed")
        sh(["ping", "-c", "1", "-W", "2", "10.9.0.2"], ns=str(p.vms[0]))
        ports = p.pfs_a + [f"{p.pfs_a[0]}vf0", f"{p.pfs_a[0]}/0"]
        return iperf_both(lab, p.vms[0], p.vms[1], "10.9.0.2", seconds,
                          parallel, sample=lambda: drops(p.a, ports))


def run_bridges(seconds, parallel):
    with Lab() as lab:
        peer, vma, vmb = (lab.netns("peer"), lab.netns("vma"),
                          lab.netns("vmb"))
        bra, brb = lab.ifname("bra"), lab.ifname("brb")
        sh(["ip", "link", "add", bra, "type", "bridge"])
        lab.defer(f"link {bra}", lambda: sh(["ip", "link", "del", bra],
                                            check=False))
        peer.ip("link", "add", brb, "type", "bridge")
        ha, hb = lab.ifname("ha"), lab.ifname("hb")
        la, lb = lab.ifname("la"), lab.ifname("lb")
        va, vb = lab.ifname("va"), lab.ifname("vb")
        lab.veth(va, vma, ha, None)
        lab.veth(la, None, lb, peer)
        lab.veth(vb, vmb, hb, peer)
        for dev in (ha, la):
            sh(["ip", "link", "set", dev, "master", bra])
        for dev in (hb, lb):
            peer.ip("link", "set", dev, "master", brb)
        sh(["ip", "link", "set", bra, "up"])
        peer.up(brb)
        vma.addr(va, "10.9.0.1/24")
        vmb.addr(vb, "10.9.0.2/24")
        time.sleep(0.5)
        sh(["ping", "-c", "1", "-W", "2", "10.9.0.2"], ns=str(vma))
        return iperf_both(lab, vma, vmb, "10.9.0.2", seconds, parallel)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=10)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (namespaces, veth, BPF)")
    res = {}
    for name, fn in (("bridges", run_bridges), ("vflag", run_vflag)):
        try:
            res[name] = fn(a.seconds, a.parallel)
            print(f"{name}: {res[name]}", flush=True)
        except Exception as e:  # a figure missing, not a failure
            print(f"{name}: failed: {e}", flush=True)
    if "bridges" in res and "vflag" in res:
        for d in ("A->B", "B->A"):
            b, v = res["bridges"][d], res["vflag"][d]
            print(f"{d}: vflag {v['gbit_s']} Gbit/s, {v['retransmits']} "
                  f"retransmits; two bridges {b['gbit_s']} Gbit/s, "
                  f"{b['retransmits']} retransmits; ratio "
                  f"{v['gbit_s'] / b['gbit_s']:.2f}", flush=True)


if __name__ == "__main__":
    main()
