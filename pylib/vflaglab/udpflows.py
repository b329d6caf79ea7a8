#!/usr/bin/env python3
"""An outage meter: many UDP flows, each a steady stream of numbered
packets; the receiver records every arrival (CLOCK_MONOTONIC, which all
namespaces share), and summarize() turns arrivals into outages.

  udpflows.py recv --bind IP --port P --out RAW       (until SIGTERM/SIGINT)
  udpflows.py send --dst IP --port P [--flows 16] [--interval-ms 5]
                   [--duration 10] [--sport-base 40000] [--out SENT]
  udpflows.py summarize RAW SENT [--t-from T] [--t-end T]

Each flow has its own source port, so layer3+4 hashes spread them over
the members. RAW is {"arrivals": {sport: [[t, seq], ...]}}; SENT is
{"t_start", "t_end", "sent_per_flow", "flows", "sport_base"}.

How an outage is measured (summarize()): over a window [t_from, t_end]
(by default the sender's first and last send), a flow's worst gap is the
longest stretch without an arrival, where the stretch before its first
arrival in the window starts at its previous arrival (or t_from), and the
stretch after its last arrival ends at t_end. So a flow that never comes
back is an outage to the end of the window, and a flow that never
arrived at all an outage of the whole window. Loss is counted per flow by
sequence number against what the sender sent."""

import argparse
import json
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct("!HId")  # flow, seq, send time
SIZE = 64


# -- the arithmetic (pure; tests/integration/test_meter.py) -----------------
def flow_gaps(times, t_from, t_end):
    """Worst gap of one flow, in seconds, and where it starts.
    times: sorted arrival times (any range). Returns (max_gap, gap_start)."""
    prev = t_from
    for t in times:
        if t > t_from:
            break
        prev = t  # the last arrival at or before the window opens
    worst, at = 0.0, prev
    for t in times:
        if t <= t_from:
            continue
        if t > t_end:
            break
        if t - prev > worst:
            worst, at = t - prev, prev
        prev = t
    if t_end - prev > worst:  # silent until the window closes
        worst, at = t_end - prev, prev
    return worst, at


def summarize(arrivals, t_from, t_end, sports=None, sent_per_flow=None,
              after=None):
    """arrivals: {sport: [(t, seq), ...]} in arrival order.
    sports: every flow that was sent (a flow missing from arrivals is
    silent for the whole window). sent_per_flow: packets each flow sent
    (loss counted against it; else against the highest seq seen + 1).
    after: a time (e.g. when the failure was detected); each flow then
    reports received_after, its arrivals in (after, t_end].

    Returns {"received", "lost", "max_gap_ms", "max_gap_flow",
    "window_ms", "silent_flows", "flows": {sport: {"received", "lost",
    "max_gap_ms", "gap_at_ms", "received_after"}}} with gap_at_ms the
    start of the worst gap relative to t_from."""
    sports = sorted(set(int(s) for s in (sports or ())) |
                    set(int(s) for s in arrivals))
    out = {"received": 0, "lost": 0, "max_gap_ms": 0.0,
           "max_gap_flow": None, "window_ms": round((t_end - t_from) * 1e3,
                                                    2),
           "silent_flows": [], "flows": {}}
    for sport in sports:
        arr = arrivals.get(sport, arrivals.get(str(sport), []))
        times = sorted(t for t, _ in arr)
        seqs = {s for _, s in arr}
        gap, at = flow_gaps(times, t_from, t_end)
        if sent_per_flow is not None:
            lost = sent_per_flow - len(seqs & set(range(sent_per_flow)))
        else:
            lost = (max(seqs) + 1 - len(seqs)) if seqs else 0
        f = {"received": len(seqs), "lost": max(lost, 0),
             "max_gap_ms": round(gap * 1e3, 2),
             "gap_at_ms": round((at - t_from) * 1e3, 2)}
        if after is not None:
            f["received_after"] = sum(1 for t in times if after < t <= t_end)
            if f["received_after"] == 0:
                out["silent_flows"].append(sport)
        out["flows"][str(sport)] = f
        out["received"] += f["received"]
        out["lost"] += f["lost"]
        if f["max_gap_ms"] > out["max_gap_ms"] or out["max_gap_flow"] is None:
            out["max_gap_ms"] = f["max_gap_ms"]
            out["max_gap_flow"] = sport
    return out


def summarize_files(raw_path, sent_path, t_from=None, t_end=None,
                    after=None):
    with open(raw_path) as fh:
        raw = json.load(fh)
    with open(sent_path) as fh:
        sent = json.load(fh)
    arrivals = {int(k): v for k, v in raw["arrivals"].items()}
    return summarize(arrivals,
                     sent["t_start"] if t_from is None else t_from,
                     sent["t_end"] if t_end is None else t_end,
                     sports=range(sent["sport_base"],
                                  sent["sport_base"] + sent["flows"]),
                     sent_per_flow=sent["sent_per_flow"], after=after)


# -- the processes -----------------------------------------------------------
def recv(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((args.bind, args.port))
    sock.settimeout(0.2)
    arrivals = {}  # sport -> [[t, seq], ...]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    print("ready", flush=True)
    while not stop:
        try:
            data, (_, sport) = sock.recvfrom(2048)
        except (socket.timeout, InterruptedError):
            continue
        now = time.monotonic()
        if len(data) < HDR.size:
            continue
        _, seq, _ = HDR.unpack_from(data)
        arrivals.setdefault(sport, []).append([round(now, 6), seq])
    out = json.dumps({"arrivals": arrivals})
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(out + "\n")
    else:
        print(out, flush=True)


def send(args):
    socks = []
    for i in range(args.flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", args.sport_base + i))
        s.connect((args.dst, args.port))
        socks.append(s)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    pad = b"\0" * (SIZE - HDR.size)
    interval = args.interval_ms / 1e3
    t0 = time.monotonic()
    end = t0 + args.duration if args.duration > 0 else float("inf")
    seq = 0
    next_t = t0
    while not stop and time.monotonic() < end:
        now = time.time()
        for i, s in enumerate(socks):
            try:
                s.send(HDR.pack(i, seq, now) + pad)
            except OSError:
                pass  # e.g. ECONNREFUSED from an earlier ICMP; keep going
        seq += 1
        next_t += interval
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = time.monotonic()
    out = json.dumps({"sent_per_flow": seq, "flows": args.flows,
                      "sport_base": args.sport_base, "t_start": t0,
                      "t_end": time.monotonic()})
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(out + "\n")
    print(out, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--bind", default="0.0.0.0")
    r.add_argument("--port", type=int, default=9000)
    r.add_argument("--out")
    s = sub.add_parser("send")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, default=9000)
    s.add_argument("--flows", type=int, default=16)
    s.add_argument("--interval-ms", type=float, default=5.0)
    s.add_argument("--duration", type=float, default=10.0)
    s.add_argument("--sport-base", type=int, default=40000)
    s.add_argument("--out")
    m = sub.add_parser("summarize")
    m.add_argument("raw")
    m.add_argument("sent")
    m.add_argument("--t-from", type=float)
    m.add_argument("--t-end", type=float)
    m.add_argument("--after", type=float)
    args = ap.parse_args()
    if args.cmd == "recv":
        recv(args)
    elif args.cmd == "send":
        send(args)
    else:
        print(json.dumps(summarize_files(args.raw, args.sent, args.t_from,
                                         args.t_end, args.after)))


if __name__ == "__main__":
    sys.exit(main())
