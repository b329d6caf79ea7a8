#!/usr/bin/env python3
"""Sends raw Ethernet frames out of an interface (AF_PACKET), to be run
inside a namespace:
    inject.py IFACE [--interval-ms MS] [--duration S] < frames
where stdin holds one frame per line in hex. The frames are sent once in
order, or, with --duration, over and over for that many seconds. Frames
go out as given: no padding, no checksum fix-up. Prints how many were
sent."""

import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--interval-ms", type=float, default=0.0)
    ap.add_argument("--duration", type=float, default=0.0)
    args = ap.parse_args()
    frames = [bytes.fromhex(l.strip()) for l in sys.stdin if l.strip()]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.iface, 0))
    sent = 0
    errors = []
    end = time.monotonic() + args.duration
    while True:
        for f in frames:
            try:
                s.send(f)
                sent += 1
            except OSError as e:
                if len(errors) < 20:
                    errors.append(f"{len(f)} bytes: {e}")
            if args.interval_ms:
                time.sleep(args.interval_ms / 1e3)
        if not args.duration or time.monotonic() >= end:
            break
    print(sent)
    for e in errors:
        print(e, file=sys.stderr)


if __name__ == "__main__":
    main()
