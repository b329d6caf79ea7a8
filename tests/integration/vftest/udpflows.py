#!/usr/bin/env python3
"""An outage meter: many UDP flows, each a steady stream of numbered
packets; the receiver reports, per flow and overall, the longest time
between two arrivals. Run across a link failure, the longest gap is the
outage seen by the flows the LAG had hashed onto the failed link.

  udpflows.py recv --bind IP --port P [--out FILE]   (until SIGTERM/SIGINT)
  udpflows.py send --dst IP --port P [--flows 16] [--interval-ms 5]
                   [--duration 10] [--sport-base 40000]

Each flow has its own source port, so layer3+4 hashes spread them over
the members. The summary (JSON) has: received, lost (by sequence
number), max_gap_ms, max_gap_flow, flows {sport: {received, lost,
max_gap_ms}}. A flow that stops while others go on counts the time from
its last packet to the last packet of any flow as a gap."""

import argparse
import json
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct("!HId")  # flow, seq, send time
SIZE = 64


def recv(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((args.bind, args.port))
    sock.settimeout(0.2)
    flows = {}  # sport -> [received, max_seq, last_t, max_gap, gap_at]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    last_any = None
    print("ready", flush=True)
    while not stop:
        try:
            data, (_, sport) = sock.recvfrom(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        now = time.monotonic()
        if len(data) < HDR.size:
            continue
        _, seq, _ = HDR.unpack_from(data)
        f = flows.get(sport)
        if f is None:
            flows[sport] = [1, seq, now, 0.0, None]
            last_any = now
            continue
        gap = now - f[2]
        if gap > f[3]:
            f[3] = gap
            f[4] = f[2]
        f[0] += 1
        f[1] = max(f[1], seq)
        f[2] = now
        last_any = now
    summary = {"received": 0, "lost": 0, "max_gap_ms": 0.0,
               "max_gap_flow": None, "flows": {}}
    for sport, (n, max_seq, last_t, max_gap, _) in sorted(flows.items()):
        # A flow that went silent while others continued.
        max_gap = max(max_gap, last_any - last_t)
        lost = max_seq + 1 - n
        summary["flows"][str(sport)] = {"received": n, "lost": lost,
                                        "max_gap_ms": round(max_gap * 1e3, 2)}
        summary["received"] += n
        summary["lost"] += max(lost, 0)
        if max_gap * 1e3 > summary["max_gap_ms"]:
            summary["max_gap_ms"] = round(max_gap * 1e3, 2)
            summary["max_gap_flow"] = sport
    out = json.dumps(summary)
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
    print(json.dumps({"sent_per_flow": seq, "flows": args.flows}), flush=True)


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
    args = ap.parse_args()
    recv(args) if args.cmd == "recv" else send(args)


if __name__ == "__main__":
    sys.exit(main())
