#!/usr/bin/env python3
"""Captures the frames interfaces receive, whole, with their VLAN tags
(AF_PACKET; outgoing frames are left out):
    capture.py IFACE[,IFACE...] --out FILE        (until SIGTERM)
prints "ready" once listening; FILE gets {"frames": [[iface, hex], ...]}.

The kernel takes a frame's outer VLAN tag into skb metadata (veth and
bpf_skb_vlan_push both leave it there), so a plain recv() would show it
untagged: the tag comes back from PACKET_AUXDATA and is put in again, so
the test sees the frame as the wire had it.

Capture, a Python class running this in a namespace, is the way tests use
it:  c = Capture(lab, ns, [dev, ...]).start(); ...; frames = c.stop()
(frames: [(iface, bytes)])."""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
AUX = struct.Struct("=IIIHHHH")


def _retag(data, ancdata):
    for level, kind, blob in ancdata:
        if level != SOL_PACKET or kind != PACKET_AUXDATA or \
                len(blob) < AUX.size:
            continue
        status, _, _, _, _, tci, tpid = AUX.unpack_from(blob)
        if not status & TP_STATUS_VLAN_VALID:
            continue
        if not status & TP_STATUS_VLAN_TPID_VALID:
            tpid = 0x8100
        return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ifaces")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    socks = {}
    for name in args.ifaces.split(","):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(ETH_P_ALL))
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((name, 0))
        s.setblocking(False)
        socks[s] = name
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    frames = []
    print("ready", flush=True)
    while not stop:
        try:
            ready, _, _ = select.select(list(socks), [], [], 0.1)
        except InterruptedError:
            continue
        for s in ready:
            while True:
                try:
                    data, anc, _, addr = s.recvmsg(65535,
                                                   socket.CMSG_LEN(64))
                except (BlockingIOError, InterruptedError):
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                frames.append([socks[s], _retag(data, anc).hex()])
    with open(args.out, "w") as fh:
        json.dump({"frames": frames}, fh)


class Capture:
    """capture.py run in namespace ns on devs while it runs."""

    def __init__(self, lab, ns, devs):
        self.lab, self.ns, self.devs = lab, ns and str(ns), list(devs)
        self.out = lab.path(f"capture-{time.monotonic_ns()}.json")
        self.proc = None

    def start(self):
        from .netns import wait_for
        from .traffic import PYTHON
        self.proc = self.lab.popen(
            [PYTHON, os.path.abspath(__file__), ",".join(self.devs),
             "--out", self.out], ns=self.ns, name="capture")
        wait_for(lambda: "ready" in self.proc.log() or
                 not self.proc.running(), 10, what="capture")
        if not self.proc.running():
            raise RuntimeError(f"capture died: {self.proc.log()}")
        return self

    def stop(self):
        self.proc.stop(signal.SIGTERM)
        with open(self.out) as fh:
            return [(i, bytes.fromhex(h)) for i, h in
                    json.load(fh)["frames"]]


if __name__ == "__main__":
    sys.exit(main())
