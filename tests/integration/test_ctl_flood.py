"""The control socket can never starve LACP or the link monitor (issue 7
item 4): while several clients pipeline requests and never read their
replies, and a hundred more sit idle, the 802.3ad LAG stays up on the
partner's side (Open vSwitch keeps both members enabled the whole time),
VM traffic loses nothing, and a fresh client is answered within 100 ms."""

import json
import multiprocessing
import socket
import statistics
import subprocess
import time

from vflaglab.topo import VM_IP, VfLagTopo
from vflaglab.traffic import log

FAST = ("miimon", 100, "lacp_rate", "fast")
FLOODERS = 8
IDLE = 100
SECONDS = 8
REQUEST = b'{"argv": ["bond", "show"]}\n'


def flood(path, stop, counts):
    """Pipelines requests and never reads a reply; reconnects whenever
    vflagd drops it (which it must, once the unread replies pile up). A
    process of its own, so the measuring client shares no interpreter
    lock with it."""
    burst = REQUEST * 64
    sent = dropped = 0
    while not stop.is_set():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.connect(path)
            while not stop.is_set():
                s.sendall(burst)
                sent += 64
        except OSError:  # pipe broken, reset, timed out: vflagd let go
            dropped += 1
        finally:
            s.close()
    counts.put((sent, dropped))


def answer_ms(path):
    """A fresh client's round trip: connect, one request, the whole reply."""
    t0 = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(b'{"argv": ["show"]}\n')
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            assert chunk, "vflagd closed a fresh client without a reply"
            buf += chunk
    reply = json.loads(buf)
    assert reply["ok"], reply
    return (time.monotonic() - t0) * 1e3


def test_flood_does_not_starve_lacp(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad", bond_opts=FAST)
    t.wait_lag(timeout=15)
    t.wait_connectivity()
    both = sorted(t.sw_ends)
    assert sorted(t.ovs.enabled_members(t.ovs_bond)) == both

    idle = []
    for _ in range(IDLE):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(vflagd.sock)
        idle.append(s)
    ctx = multiprocessing.get_context("fork")
    stop, counts = ctx.Event(), ctx.Queue()
    flooders = [ctx.Process(target=flood, args=(vflagd.sock, stop, counts),
                            daemon=True) for _ in range(FLOODERS)]
    pinger = subprocess.Popen(
        ["ip", "netns", "exec", str(t.client), "ping", "-q", "-n", "-i",
         "0.02", "-W", "1", "-c", str(SECONDS * 50), VM_IP],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    answers, partner_views = [], []
    try:
        for f in flooders:
            f.start()
        t_end = time.monotonic() + SECONDS
        while time.monotonic() < t_end:
            answers.append(answer_ms(vflagd.sock))
            partner_views.append(sorted(t.ovs.enabled_members(t.ovs_bond)))
            time.sleep(0.2)
        out, _ = pinger.communicate(timeout=SECONDS + 15)
    finally:
        stop.set()
        results = [counts.get(timeout=10) for f in flooders if f.pid]
        for f in flooders:
            f.join(timeout=5)
            if f.is_alive():
                f.kill()
        for s in idle:
            s.close()
        if pinger.poll() is None:
            pinger.kill()
            pinger.wait()

    sent = sum(r[0] for r in results)
    dropped = sum(r[1] for r in results)
    log(f"flood: {FLOODERS} clients pipelined {sent} requests and were "
        f"dropped {dropped} times; {IDLE} idle clients; a fresh client's "
        f"answer median {statistics.median(answers):.1f} ms, "
        f"max {max(answers):.1f} ms over {len(answers)}")
    log(f"ping during the flood: {out.strip().splitlines()[-2:]}")
    assert sent > 0 and dropped > 0, "the flood never filled a client's bound"
    # LACP kept running: the partner never saw a member go away.
    assert all(v == both for v in partner_views), partner_views
    # vflag's own view: still distributing on both.
    assert sorted(t.distributing()) == sorted(t.pfs)
    assert " 0% packet loss" in out, out
    assert max(answers) < 100, answers
