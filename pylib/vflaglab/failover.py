"""One way to measure a failover, used by the tests, bench/ and demo/:

    r = measure_failover(lab, directions(t), event=lambda: ...,
                         detected=lambda: ...)
    r.check(bound_ms=300)     # AssertionError unless delivered within it

1. UDP flows (udpflows.py, 16 per direction, one packet per flow every
   5 ms) run in every direction given, for `settle` seconds;
2. event() (fail or restore a link) runs at t_event; detected(), if given,
   is polled every 10 ms until true (detect_s: how long that took);
3. the flows run `after` more seconds, then the window closes. A flow's
   worst gap counts up to the window's end, so a flow that never comes
   back is an outage of at least `after` seconds (udpflows.summarize());
4. delivery is proved at the far end after the event: every flow must
   have arrived at its receiver after detection (received_after), and a
   fresh burst of flows with new source ports (new hashes) must arrive,
   every flow of it, at the VM / client.

As a command (the demo uses it):
    python3 -m vflaglab.failover --dir SRC_NS,DST_NS,DST_IP [--dir ...]
        --event 'ip -n SW link set X down' [--detected 'CMD'] [--after 1]
prints the result as JSON and exits 1 when delivery was not proved."""

import argparse
import json
import subprocess
import sys
import time
from collections import namedtuple

from .netns import wait_for
from .traffic import OutageMeter, burst

Direction = namedtuple("Direction", "name ns_src ns_dst dst")


def directions(t):
    """Both directions of a VfLagTopo: client->VM and VM->client."""
    from .topo import CLIENT_IP, VM_IP
    return [Direction("client->VM", t.client, t.vm, VM_IP),
            Direction("VM->client", t.vm, t.client, CLIENT_IP)]


class FailoverResult:
    def __init__(self, what, detect_s, meters, bursts):
        self.what = what
        self.detect_s = detect_s
        self.meters = meters    # {direction: udpflows summary}
        self.bursts = bursts    # {direction: udpflows summary}

    @property
    def outage_ms(self):
        """The worst gap of any flow in any direction."""
        return max(m["max_gap_ms"] for m in self.meters.values())

    def line(self):
        det = ("" if self.detect_s is None
               else f"detected after {self.detect_s * 1e3:.0f} ms; ")
        parts = [f"{d} {m['max_gap_ms']} ms ({m['lost']} lost, flow "
                 f"{m['max_gap_flow']})" for d, m in self.meters.items()]
        return f"{self.what}: {det}outage " + ", ".join(parts)

    def problems(self, bound_ms=None):
        """Why delivery was not proved (empty list: it was)."""
        bad = []
        for d, m in self.meters.items():
            if m["silent_flows"]:
                bad.append(f"{d}: flows {m['silent_flows']} delivered "
                           f"nothing after the event")
            if bound_ms is not None and m["max_gap_ms"] > bound_ms:
                bad.append(f"{d}: outage {m['max_gap_ms']} ms (flow "
                           f"{m['max_gap_flow']}) > {bound_ms} ms")
        for d, b in self.bursts.items():
            short = [s for s, f in b["flows"].items()
                     if f["received"] < (f["received"] + f["lost"]) / 2
                     or f["received"] == 0]
            if short:
                bad.append(f"{d}: fresh flows {short} not delivered after "
                           f"the event: { {s: b['flows'][s] for s in short} }")
        return bad

    def check(self, bound_ms=None):
        bad = self.problems(bound_ms)
        assert not bad, f"{self.line()}: " + "; ".join(bad)
        return self

    def as_dict(self):
        return {"what": self.what, "detect_ms": None if self.detect_s is None
                else round(self.detect_s * 1e3, 1),
                "outage_ms": self.outage_ms,
                "meters": self.meters, "bursts": self.bursts,
                "problems": self.problems()}


def measure_failover(lab, dirs, event, detected=None, what="failover",
                     detect_timeout=6.0, settle=1.0, after=1.0, flows=16,
                     interval_ms=5.0, port_base=9000, sport_base=40000,
                     burst_s=0.3, detect_interval=0.01):
    """See the module's doc. dirs: Directions. Returns a FailoverResult
    (detect_s None without detected())."""
    meters = []
    for k, d in enumerate(dirs):
        meters.append(OutageMeter(lab, d.ns_src, d.ns_dst, d.dst,
                                  port=port_base + k, flows=flows,
                                  interval_ms=interval_ms,
                                  sport_base=sport_base + 1000 * k
                                  ).start(settle=0))
    time.sleep(settle)
    t_event = time.monotonic()
    event()
    detect_s = None
    if detected is not None:
        wait_for(detected, detect_timeout, interval=detect_interval,
                 what=f"{what}: detection")
        detect_s = time.monotonic() - t_event
    mark = time.monotonic()
    time.sleep(after)
    t_end = time.monotonic()  # one window for every direction
    summaries = {}
    for d, m in zip(dirs, meters):
        summaries[d.name] = m.stop(t_from=t_event, after=mark, t_end=t_end)
    bursts = {}
    if burst_s:
        for k, d in enumerate(dirs):
            bursts[d.name] = burst(lab, d.ns_src, d.ns_dst, d.dst,
                                   port=port_base + 50 + k,
                                   sport_base=sport_base + 500 + 1000 * k,
                                   flows=flows, seconds=burst_s,
                                   interval_ms=interval_ms)
    return FailoverResult(what, detect_s, summaries, bursts)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dir", action="append", required=True,
                    help="SRC_NS,DST_NS,DST_IP (repeat for more)")
    ap.add_argument("--event", required=True, help="a bash command")
    ap.add_argument("--detected", help="a bash command, true when done")
    ap.add_argument("--after", type=float, default=1.0)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--flows", type=int, default=16)
    args = ap.parse_args()
    from .netns import Lab
    dirs = []
    for spec in args.dir:
        src, dst_ns, ip = spec.split(",")
        dirs.append(Direction(f"{src}->{dst_ns}", src, dst_ns, ip))

    def run(cmd):  # bash: the demo hands its exported functions over
        return subprocess.run(["bash", "-c", cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    lab = Lab()
    try:
        r = measure_failover(lab, dirs, lambda: run(args.event) or
                             sys.exit(f"failed: {args.event}"),
                             detected=(lambda: run(args.detected))
                             if args.detected else None,
                             what=args.event, settle=args.settle,
                             after=args.after, flows=args.flows,
                             detect_interval=0.02)
    finally:
        lab.close()
    print(json.dumps(r.as_dict()))
    return 1 if r.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
