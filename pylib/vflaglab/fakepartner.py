#!/usr/bin/env python3
"""A minimal, scriptable LACP partner for hostile tests, run inside the
switch namespace:

  fakepartner.py --ifaces sw0,sw1 --sys-mac 02:.. [--keys 1,2]
                 [--flip-ms 200] [--flap-s 3] [--hold-key 7] [--hold-s 5]

On every interface it answers the actor it hears (echoing that actor's
information as its partner, as 802.1AX requires to reach sync) every
100 ms with fast timeout, collecting and distributing set. For --flap-s
seconds its own key changes through --keys every --flip-ms; then it keeps
--hold-key for --hold-s seconds. Prints, as JSON, how many PDUs it sent
and received and how many key changes it made."""

import argparse
import json
import select
import socket
import struct
import time

SLOW_MAC = bytes.fromhex("0180c2000002")
ETH_SLOW = 0x8809


def mac_bytes(s):
    return bytes.fromhex(s.replace(":", ""))


def lacpdu(src, sys_mac, key, port, partner):
    """partner: (prio, sys, key, port_prio, port, state) or None."""
    state = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20
    actor = struct.pack("!BBH6sHHHB3x", 1, 20, 32768, sys_mac, key, 255,
                        port, state)
    if partner is None:
        partner = (0, b"\0" * 6, 0, 0, 0, 0)
    p = struct.pack("!BBH6sHHHB3x", 2, 20, partner[0], partner[1],
                    partner[2], partner[3], partner[4], partner[5])
    collector = struct.pack("!BBH12x", 3, 16, 0)
    term = struct.pack("!BB50x", 0, 0)
    body = struct.pack("!BB", 1, 1) + actor + p + collector + term
    return SLOW_MAC + src + struct.pack("!H", ETH_SLOW) + body


def parse_actor(frame):
    if len(frame) < 14 + 2 + 20 or frame[12:14] != b"\x88\x09" \
            or frame[14] != 1:
        return None
    t, ln, prio, sysm, key, pprio, port, state = struct.unpack_from(
        "!BBH6sHHHB", frame, 16)
    if t != 1 or ln != 20:
        return None
    return (prio, sysm, key, pprio, port, state)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifaces", required=True)
    ap.add_argument("--sys-mac", required=True)
    ap.add_argument("--keys", default="1,2")
    ap.add_argument("--flip-ms", type=float, default=200)
    ap.add_argument("--flap-s", type=float, default=3)
    ap.add_argument("--hold-key", type=int, default=7)
    ap.add_argument("--hold-s", type=float, default=5)
    args = ap.parse_args()
    sys_mac = mac_bytes(args.sys_mac)
    keys = [int(k) for k in args.keys.split(",")]
    socks = []
    for i, ifname in enumerate(args.ifaces.split(",")):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(ETH_SLOW))
        s.bind((ifname, ETH_SLOW))
        src = bytearray(sys_mac)
        src[5] = (src[5] + i + 1) & 0xff
        socks.append({"sock": s, "src": bytes(src), "port": i + 1,
                      "partner": None})
    t0 = time.monotonic()
    next_tx = t0
    sent = received = flips = 0
    key = keys[0]
    last_key = key
    while True:
        now = time.monotonic()
        el = now - t0
        if el >= args.flap_s + args.hold_s:
            break
        if el < args.flap_s:
            key = keys[int(el * 1e3 // args.flip_ms) % len(keys)]
        else:
            key = args.hold_key
        if key != last_key:
            flips += 1
            last_key = key
            next_tx = now
        if now >= next_tx:
            for p in socks:
                p["sock"].send(lacpdu(p["src"], sys_mac, key, p["port"],
                                      p["partner"]))
                sent += 1
            next_tx = now + 0.1
        r, _, _ = select.select([p["sock"] for p in socks], [], [],
                                max(0.0, min(next_tx - time.monotonic(),
                                             0.05)))
        for p in socks:
            if p["sock"] in r:
                frame = p["sock"].recv(2048)
                actor = parse_actor(frame)
                if actor and frame[6:12] != p["src"]:
                    p["partner"] = actor
                    received += 1
    print(json.dumps({"sent": sent, "received": received, "flips": flips,
                      "final_key": key}))


if __name__ == "__main__":
    main()
