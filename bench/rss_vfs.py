#!/usr/bin/python3
"""vflagd's resident memory (VmRSS, VmHWM of /proc/PID/status) idle, then
with N VFs (default 128, split over two PFs: a PF has 64 at most) and
the PFs in a 2-member active-backup bond.
Not a test: it prints, never fails on a figure.

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/rss_vfs.py [--vfs N]"""

import argparse
import os
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))

from vflaglab.netns import Lab  # noqa: E402
from vflaglab.vflagd import Vflagd  # noqa: E402


def mem_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vfs", type=int, default=128)
    a = ap.parse_args()
    with Lab() as lab:
        d = Vflagd(lab, log_level="info").start()
        pid = d.proc.pid
        idle = mem_kb(pid)
        ups = [lab.ifname("ua0"), lab.ifname("ua1")]
        pfs = [f"a{lab.tag}", f"c{lab.tag}"]
        for up, pf in zip(ups, pfs):
            lab.veth(up, None, lab.ifname("s" + up[1:3]), lab.netns(
                "s" + up[2]))
            d.ctl("pf", "add", pf, "dev", up)
        d.ctl("bond", "add", f"bd{lab.tag}", "mode", "active-backup",
              "miimon", "100", "members", *pfs)
        t0 = time.monotonic()
        for i, pf in enumerate(pfs):
            d.ctl("pf", "set", pf, "numvfs", a.vfs // 2 + (a.vfs % 2) * (
                1 - i), timeout=120)
        took = time.monotonic() - t0
        time.sleep(1.0)
        full = mem_kb(pid)
        n = len([p for p in d.ctl("stats")["ports"]
                 if p.get("kind") == "vf"])
        print(f"vflagd idle: VmRSS {idle['VmRSS']} kB; with {n} VFs "
              f"(numvfs on both PFs took {took:.1f} s): VmRSS {full['VmRSS']} "
              f"kB, VmHWM {full['VmHWM']} kB", flush=True)


if __name__ == "__main__":
    main()
