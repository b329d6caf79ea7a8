#!/usr/bin/env python3
"""Sends raw Ethernet frames out of an interface (AF_PACKET), to be run
inside a namespace:  inject.py IFACE [--interval-ms MS] < frames
where stdin holds one frame per line in hex. Prints how many were sent.
Frames are sent as given: no padding, no checksum fix-up."""

import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--interval-ms", type=float, default=0.0)
    args = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.iface, 0))
    sent = 0
    errors = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            s.send(bytes.fromhex(line))
            sent += 1
        except OSError as e:
            errors.append(f"{len(line) // 2} bytes: {e}")
        if args.interval_ms:
            time.sleep(args.interval_ms / 1e3)
    print(sent)
    for e in errors:
        print(e, file=sys.stderr)


if __name__ == "__main__":
    main()
