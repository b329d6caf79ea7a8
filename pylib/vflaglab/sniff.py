#!/usr/bin/env python3
"""Counts the frames an interface receives (AF_PACKET; outgoing frames
are left out), to prove that test frames arrived at a port:
    sniff.py IFACE --out FILE [--ethertype 0x8809]      (until SIGTERM)
prints "ready" once listening; FILE gets {"lengths": [...], "times":
[...]} with the length and CLOCK_MONOTONIC arrival time (seconds, as
Python's time.monotonic()) of every received frame of that ethertype (all,
without one).
AF_PACKET taps see a frame before tc ingress, so before the eswitch."""

import argparse
import json
import signal
import socket
import struct
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ethertype", type=lambda v: int(v, 0))
    args = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((args.iface, 0))
    s.settimeout(0.1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    lengths, times = [], []
    print("ready", flush=True)
    while not stop:
        try:
            data, addr = s.recvfrom(65535)
        except (socket.timeout, InterruptedError):
            continue
        if addr[2] == PACKET_OUTGOING or len(data) < 14:
            continue
        et = struct.unpack_from("!H", data, 12)[0]
        if args.ethertype is None or et == args.ethertype:
            lengths.append(len(data))
            times.append(time.monotonic())
    with open(args.out, "w") as fh:
        json.dump({"lengths": lengths, "times": times}, fh)


if __name__ == "__main__":
    main()
