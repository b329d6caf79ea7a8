"""Long operations report progress and never hold the daemon (issue 11
item 5; doc/ctl.md "Long operations"): `pf set PF numvfs 64` and
`numvfs 0` are done a VF at a time across loop turns.

- numvfs 64 with `vflagctl -j --progress`: progress objects before the
  reply, `done` only growing, the last at `total` (64); without the flag a
  script's output is unchanged; the text form on stderr with --progress;
- numvfs 0 (64 veth removals, over a second here) on a raw connection:
  another client is answered meanwhile, a second change of the same PF is
  refused as busy, and the PF shows what is left;
- the same removal next to an 802.3ad LAG against Open vSwitch: vflagd's
  LACPDUs keep their one-second pace (before the steps, a 64-VF removal
  held them for up to 2.3 s) and the partner keeps both members."""

import json
import socket
import subprocess
import time

from vflaglab.topo import VfLagTopo
from vflaglab.traffic import Sniffer, log
from vflaglab.vflagd import EXIT_OK, sanitizer_env

NUMVFS = 64


def lone_pf(lab, vflagd, role="up9"):
    """A PF on a veth of its own (the far end just up)."""
    up, far = lab.ifname(role), lab.ifname("f" + role[-1])
    lab.veth(up, None, far, None)
    pf = f"l{role[-1]}{lab.tag}"
    vflagd.ctl("pf", "add", pf, "dev", up)
    return pf


def vflagctl(vflagd, *args):
    p = subprocess.run([vflagd.vflagctl, "-s", vflagd.sock] +
                       [str(a) for a in args], capture_output=True,
                       text=True, timeout=120, env=sanitizer_env())
    return p.returncode, p.stdout, p.stderr


def check_progress(objs, op, total):
    assert objs, "no progress line"
    dones = [o["done"] for o in objs]
    assert all(o["op"] == op and o["total"] == total for o in objs), objs
    assert dones == sorted(dones), dones
    assert dones[-1] == total, dones


class Conn:
    """One control connection, line by line."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.buf = b""

    def send(self, argv, progress=False):
        req = {"argv": [str(a) for a in argv]}
        if progress:
            req["progress"] = True
        self.s.sendall(json.dumps(req).encode() + b"\n")

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "vflagd closed the connection"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, argv):
        self.send(argv)
        return self.line()

    def close(self):
        self.s.close()


def test_numvfs_progress(lab, vflagd):
    pf = lone_pf(lab, vflagd)
    t0 = time.monotonic()
    rc, out, err = vflagctl(vflagd, "-j", "--progress", "pf", "set", pf,
                            "numvfs", NUMVFS)
    secs = time.monotonic() - t0
    assert rc == EXIT_OK, err
    lines = [json.loads(x) for x in out.splitlines()]
    assert all(set(x) == {"progress"} for x in lines), lines
    objs = [x["progress"] for x in lines]
    check_progress(objs, "numvfs", NUMVFS)
    log(f"numvfs {NUMVFS}: {secs:.2f} s, {len(objs)} progress lines")
    assert vflagd.ctl("pf", "show", pf)["pfs"][0]["numvfs"] == NUMVFS

    # Not asked for: a script's output is what it always was.
    rc, out, err = vflagctl(vflagd, "-j", "pf", "set", pf, "numvfs", 0)
    assert (rc, out, err) == (EXIT_OK, "", "")
    # Text, asked for, stderr not a terminal: a line per report.
    rc, out, err = vflagctl(vflagd, "--progress", "pf", "set", pf,
                            "numvfs", 8, "type", "tap")
    assert rc == EXIT_OK and out == "", (out, err)
    assert err.splitlines()[-1] == "numvfs: 8/8 VFs", err
    vflagd.ctl("pf", "set", pf, "numvfs", 0)


def test_removal_serves_others_and_refuses_busy(lab, vflagd):
    pf = lone_pf(lab, vflagd)
    other = lone_pf(lab, vflagd, "up8")
    vflagd.ctl("pf", "set", pf, "numvfs", NUMVFS)
    a, b = Conn(vflagd.sock), Conn(vflagd.sock)
    try:
        t0 = time.monotonic()
        a.send(["pf", "set", pf, "numvfs", 0], progress=True)
        first = a.line()
        assert first["progress"]["done"] < NUMVFS, first
        # Meanwhile: a read is answered, the PF shows what is left, a
        # change of the same PF is busy, a change elsewhere goes through.
        answers = []
        for _ in range(5):
            t = time.monotonic()
            shown = b.call(["pf", "show", pf])
            answers.append((time.monotonic() - t) * 1e3)
            assert shown["ok"], shown
            left = shown["data"]["pfs"][0]["numvfs"]
            assert 0 < left < NUMVFS, left
        busy = b.call(["pf", "set", pf, "numvfs", 4])
        assert not busy["ok"] and busy["errno"] == 16, busy
        assert "busy" in busy["error"] and pf in busy["error"], busy
        busy = b.call(["vf", "set", pf, "vf", 0, "trust", "on"])
        assert busy["errno"] == 16, busy
        assert b.call(["pf", "set", other, "numvfs", 2])["ok"]
        objs = [first["progress"]]
        while True:
            line = a.line()
            if "progress" in line:
                objs.append(line["progress"])
                continue
            assert line["ok"], line
            break
        secs = time.monotonic() - t0
    finally:
        a.close()
        b.close()
    check_progress(objs, "numvfs", NUMVFS)
    log(f"numvfs 0 of {NUMVFS}: {secs:.2f} s, {len(objs)} progress lines; "
        f"pf show answered meanwhile in max {max(answers):.1f} ms")
    assert max(answers) < 500, answers
    assert vflagd.ctl("pf", "show", pf)["pfs"][0]["numvfs"] == 0
    vflagd.ctl("pf", "set", other, "numvfs", 0)


def test_removal_keeps_lacp_pace(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="802.3ad",
                  bond_opts=("miimon", 100, "lacp_rate", "fast"), numvfs=1)
    t.wait_lag()
    pf = lone_pf(lab, vflagd)
    vflagd.ctl("pf", "set", pf, "numvfs", NUMVFS)
    sniff = Sniffer(lab, t.sw, t.sw_ends[0], ethertype=0x8809).start()
    time.sleep(1.2)
    t0 = time.monotonic()
    vflagd.ctl("pf", "set", pf, "numvfs", 0)
    t1 = time.monotonic()
    time.sleep(1.2)
    sniff.stop()
    times = [x for x in sniff.times if t0 - 1.2 <= x <= t1 + 1.2]
    gaps = [y - x for x, y in zip(times, times[1:])]
    log(f"numvfs 0 of {NUMVFS} took {t1 - t0:.2f} s; vflagd's LACPDUs "
        f"meanwhile {len(times)}, longest gap {max(gaps):.2f} s")
    assert t1 - t0 > 0.3, "too quick to tell whether LACP was held"
    assert max(gaps) < 1.5, gaps
    assert sorted(t.ovs.enabled_members(t.ovs_bond)) == sorted(t.sw_ends)
    assert t.distributing() == sorted(t.pfs)
