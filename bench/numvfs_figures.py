#!/usr/bin/python3
"""Long operations and the daemon's loop (issue 11 item 5): how long
`pf set PF numvfs 64` (64 veth VFs made), `numvfs 0` (64 removed) and a
`teardown` of 64 VFs take, and whether vflagd answers other clients and
keeps LACP going meanwhile. Not a test: it prints figures and never
passes or fails on one.

The seed's topology (pylib/vflaglab/topo.py) against Open vSwitch's
userspace LACP bond (802.3ad, fast rate), plus a third, lone PF on a veth
of its own whose VFs the operations make and remove. During each
operation:
  - a prober connects every 10 ms and asks `show` (a fresh client's whole
    round trip, as test_ctl_flood.py measures it): the longest answer
    is how long the daemon's loop was held;
  - a sniffer on the switch's end of member 0 timestamps the LACPDUs
    vflagd sends (fast rate: one a second): the longest gap between two
    is how long LACP's periodic machine was held (the partner expires
    the member after 3 s);
  - OVS's view of its bond: the members it keeps enabled.
With --progress the operations are asked with `vflagctl --progress -j`
and the progress objects counted.

Measured here (2 shared cores, plain build, 2 runs each): before the
steps, numvfs 64 0.05 s, numvfs 0 1.34-1.41 s with `show` held 1.4 s
and a LACPDU gap of up to 2.33 s, teardown 1.51-1.65 s with `show` held
as long; in steps, numvfs 64 0.06 s (`show` max 14 ms), numvfs 0
1.41-1.49 s (`show` max 51 ms, LACPDU gap 1.02 s), teardown 1.45-1.66 s
(`show` max 54 ms).

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/numvfs_figures.py
           [--runs N] [--progress]
(wrap it in the integration lock: flock /tmp/vflag-integ.lock ...)"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))

from vflaglab.netns import Lab, _netns_names, link_names  # noqa: E402
from vflaglab.topo import VfLagTopo  # noqa: E402
from vflaglab.traffic import Sniffer  # noqa: E402
from vflaglab.vflagd import Vflagd, sanitizer_env  # noqa: E402

NUMVFS = 64


def answer_ms(path):
    """A fresh client's round trip for `show`, in ms."""
    t0 = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(path)
        s.sendall(b'{"argv": ["show"]}\n')
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("vflagd closed a prober without a reply")
            buf += chunk
    assert json.loads(buf)["ok"]
    return (time.monotonic() - t0) * 1e3


class Prober(threading.Thread):
    """Asks `show` every 10 ms until stopped; .answers holds the ms."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.answers = path, []
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            self.answers.append(answer_ms(self.path))
            time.sleep(0.01)

    def stop(self):
        self.stop_ev.set()
        self.join(timeout=60)
        return self.answers


def timed(d, args, progress):
    """Runs vflagctl [--progress] -j ARGS; returns (seconds, progress
    objects seen, the process's exit code)."""
    argv = [d.vflagctl, "-s", d.sock, "-j"]
    if progress:
        argv.append("--progress")
    argv += [str(a) for a in args]
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                       env=sanitizer_env())
    secs = time.monotonic() - t0
    if p.returncode:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}: "
                           f"{p.stderr.strip()}")
    seen = sum(1 for line in p.stdout.splitlines() if '"progress"' in line)
    return secs, seen


def measure(lab, d, t, pf, args, progress):
    """One operation with the prober and the LACPDU sniffer running."""
    sniff = Sniffer(lab, t.sw, t.sw_ends[0], ethertype=0x8809).start()
    time.sleep(1.2)  # a LACPDU before the operation, to measure from
    prober = Prober(d.sock)
    prober.start()
    t0 = time.monotonic()
    secs, seen = timed(d, args, progress)
    t1 = time.monotonic()
    time.sleep(1.2)  # and one after
    answers = prober.stop()
    sniff.stop()
    times = [x for x in sniff.times if t0 - 1.5 <= x <= t1 + 1.5]
    gaps = [b - a for a, b in zip(times, times[1:])]
    enabled = sorted(t.ovs.enabled_members(t.ovs_bond))
    return {
        "op": " ".join(str(a) for a in args), "seconds": secs,
        "progress_lines": seen,
        "show_ms_median": statistics.median(answers) if answers else None,
        "show_ms_max": max(answers) if answers else None,
        "show_answers": len(answers),
        "lacpdu_gap_max_s": max(gaps) if gaps else None,
        "ovs_enabled_after": enabled,
    }


def one_run(progress):
    lab = Lab(prefix="vfn")
    d = None
    try:
        d = Vflagd(lab, log_level="info").start()
        t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad",
                      bond_opts=("miimon", 100, "lacp_rate", "fast"),
                      numvfs=1)
        t.wait_lag()
        up, sw = lab.ifname("up2"), lab.ifname("sw2")
        lab.veth(up, None, sw, t.sw)
        pf = f"c{lab.tag}"
        d.ctl("pf", "add", pf, "dev", up)
        out = [measure(lab, d, t, pf, ["pf", "set", pf, "numvfs", NUMVFS],
                       progress),
               measure(lab, d, t, pf, ["pf", "set", pf, "numvfs", 0],
                       progress)]
        d.ctl("pf", "set", pf, "numvfs", NUMVFS)
        out.append(measure(lab, d, t, pf, ["teardown", "--force"],
                           progress))
        return out
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
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--progress", action="store_true",
                    help="ask vflagctl --progress (needs a vflag that has "
                    "it)")
    args = ap.parse_args()
    for run in range(args.runs):
        for r in one_run(args.progress):
            gap = r["lacpdu_gap_max_s"]
            print(f"run {run}: {r['op']:<28} {r['seconds']:6.2f} s; "
                  f"show answered {r['show_answers']} times, median "
                  f"{r['show_ms_median']:.1f} ms, max "
                  f"{r['show_ms_max']:.1f} ms; longest LACPDU gap "
                  f"{gap if gap is None else round(gap, 2)} s; "
                  f"progress lines {r['progress_lines']}; OVS enabled "
                  f"{len(r['ovs_enabled_after'])}", flush=True)


if __name__ == "__main__":
    main()
