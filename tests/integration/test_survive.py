"""Survivability (issue 7 items 1-3, doc/architecture.md "Survivability"):
the datapath forwards without vflagd, a restarted vflagd adopts what it
finds (no packet lost, the partner never sees the LAG go down), SIGTERM
stops without teardown, and teardown leaves no pin behind.

Self-contained on purpose: vflagd is started here without
--teardown-on-exit (the shared wrapper passes it), and every test removes
the pins and state it made in a finally, whatever happened."""

import os
import re
import signal
import subprocess
import time

import pytest

from vflaglab.netns import wait_for
from vflaglab.topo import VM_IP, VfLagTopo
from vflaglab.vflagd import Vflagd

PIN_ROOT = "/sys/fs/bpf/vflag"
RUN_DIR = "/run/vflag"
# where a vflagd under `ip netns exec` pins (its /sys is a fresh one)
NS_PIN_FS = "/run/vflag/bpffs"
FAST = ("miimon", 100, "lacp_rate", "fast")


def netns_inode(ns=None):
    argv = ["stat", "-L", "-c", "%i", "/proc/self/ns/net"]
    if ns:
        argv = ["ip", "netns", "exec", str(ns)] + argv
    return subprocess.run(argv, capture_output=True, text=True,
                          check=True).stdout.strip()


def pin_dirs(ino):
    return [os.path.join(PIN_ROOT, ino), os.path.join(NS_PIN_FS, "vflag", ino)]


def pins(ino):
    out = []
    for d in pin_dirs(ino):
        if os.path.isdir(d):
            out += os.listdir(d)
    return sorted(out)


@pytest.fixture
def ns_bpffs():
    """A bpffs on /run/vflag/bpffs in the host, mounted before any
    `ip netns exec vflagd` (which copies the mounts it sees); unmounted
    afterwards if this test mounted it and nothing is pinned in it."""
    os.makedirs(NS_PIN_FS, exist_ok=True)
    mounted = subprocess.run(["mountpoint", "-q", NS_PIN_FS]).returncode != 0
    if mounted:
        subprocess.run(["mount", "-t", "bpf", "bpf", NS_PIN_FS], check=True)
    yield NS_PIN_FS
    if mounted:
        left = os.path.join(NS_PIN_FS, "vflag")
        if not os.path.isdir(left) or not os.listdir(left):
            subprocess.run(["umount", NS_PIN_FS], check=False)
            os.rmdir(NS_PIN_FS)


def state_path(ino):
    return os.path.join(RUN_DIR, ino, "state.json")


class Survivor(Vflagd):
    """vflagd as an operator runs it: stop is not teardown."""

    def __init__(self, lab, config=None, ns=None):
        super().__init__(lab, config=config)
        self.ns = ns

    def argv(self):
        argv = [self.vflagd, "-s", self.sock, "-l", "debug"]
        return argv + (["-c", self.config] if self.config else [])

    def start(self, timeout=15):
        self.proc = self.lab.popen(self.argv(), ns=self.ns, name="vflagd")
        self.wait_ready(timeout)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def cleanup(lab, d, ino, ns=None):
    """Tears everything down through a vflagd (the one running, or one
    started to adopt what is left) and checks no pin or state is left."""
    try:
        if d is None or d.proc is None or not d.proc.running():
            d = Survivor(lab, ns=ns).start()
        d.ctl("teardown", "--force")
        d.stop()
    finally:
        # Belt and braces: never leave pins on the machine.
        subprocess.run(["rm", "-rf", *pin_dirs(ino),
                        os.path.join(RUN_DIR, ino)], check=False)
    return d


def flood_ping(ns, dst, seconds, interval=0.01):
    """Starts ping at `interval` for `seconds`; returns the Popen."""
    count = int(seconds / interval)
    return subprocess.Popen(["ip", "netns", "exec", str(ns), "ping", "-n",
                             "-q", "-i", str(interval), "-c", str(count),
                             "-W", "1", dst], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def ping_loss(p, timeout=60):
    out, _ = p.communicate(timeout=timeout)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def lag_snapshot(t):
    bd = t.bond_view()
    return {m["name"]: (m["tx"], m["rx"], m["link_failures"])
            for m in bd["members"]}


def kill_restart(lab, t, d, mode, ovs_check=None):
    """kill -9 under a 100 pps ping, restart plain; returns
    (sent, received, restarted daemon)."""
    before = lag_snapshot(t)
    p = flood_ping(t.client, VM_IP, seconds=8)
    time.sleep(1.5)
    d.kill9()
    # The datapath forwards with no vflagd at all.
    time.sleep(1.0)
    t0 = time.monotonic()
    d2 = Survivor(lab)
    t.d = d2
    d2.start()
    ready = time.monotonic() - t0
    if ovs_check:
        ovs_check()
    sent, received = ping_loss(p)
    print(f"{mode}: restart ready in {ready * 1e3:.0f} ms; "
          f"ping {sent} sent, {received} received")
    show = d2.ctl("show")
    assert show["adopted"] is True
    assert show["adopted_counts"]["pfs"] == 2
    assert show["adopted_counts"]["bonds"] == 1
    assert lag_snapshot(t) == before
    return sent, received, d2


@pytest.mark.parametrize("mode,peer", [("active-backup", "bridge"),
                                       ("balance-xor", "bridge"),
                                       ("802.3ad", "ovs")])
def test_kill9_restart_loses_nothing(lab, mode, peer):
    ino = netns_inode()
    d = Survivor(lab).start()
    t = None
    try:
        t = VfLagTopo(lab, d, peer=peer, mode=mode,
                      bond_opts=FAST if mode == "802.3ad" else
                      ("miimon", 100))
        if mode == "802.3ad":
            t.wait_lag(timeout=15)
        t.wait_connectivity()
        assert "ports" in pins(ino) and "lags" in pins(ino)
        assert os.path.exists(state_path(ino))

        def ovs_never_down():
            # the partner kept both members enabled the whole time
            assert sorted(t.ovs.enabled_members(t.ovs_bond)) == \
                sorted(t.sw_ends)
        sent, received, d = kill_restart(
            lab, t, d, mode, ovs_never_down if peer == "ovs" else None)
        assert received == sent, f"{sent - received} of {sent} lost"
        if mode == "802.3ad":
            for m in t.bond_view()["members"]:
                assert m["lacp"]["mux_state"] == "COLLECTING_DISTRIBUTING"
                assert m["lacp"]["rx_state"] == "CURRENT"
            # LACP goes on: OVS still hears us after its 3 s timeout
            time.sleep(4)
            ovs_never_down()
            assert t.distributing() == sorted(t.pfs)
    finally:
        cleanup(lab, t.d if t else d, ino)
    assert pins(ino) == [] and not os.path.exists(state_path(ino))


def test_sigterm_keeps_forwarding_then_config_replay(lab):
    """SIGTERM stops the control plane only; `vflagd -c CONFIG` started
    over the running datapath adopts it and the identical config changes
    nothing (no flap)."""
    ino = netns_inode()
    d = Survivor(lab).start()
    try:
        t = VfLagTopo(lab, d, peer="bridge", mode="active-backup",
                      bond_opts=("miimon", 100))
        t.wait_connectivity()
        cfg = lab.path("vflag.conf")
        with open(cfg, "w") as f:
            for c in t.vflag_commands():
                f.write(" ".join(str(w) for w in c) + "\n")
        before = lag_snapshot(t)
        p = flood_ping(t.client, VM_IP, seconds=5)
        time.sleep(1)
        assert d.stop() == 0
        assert "ports" in pins(ino)
        time.sleep(1)
        d = Survivor(lab, config=cfg).start()
        t.d = d
        sent, received = ping_loss(p)
        print(f"SIGTERM + start -c: ping {sent} sent, {received} received")
        assert received == sent
        assert lag_snapshot(t) == before
        assert d.ctl("show")["adopted"] is True
    finally:
        cleanup(lab, d, ino)
    assert pins(ino) == []


def test_two_instances_do_not_share_pins(lab, ns_bpffs):
    """One vflagd per network namespace, each with its own pins; a second
    in the same namespace is refused; teardown of one leaves the other."""
    a, b = lab.netns("da"), lab.netns("db")
    ia, ib = netns_inode(a), netns_inode(b)
    assert ia != ib
    da = db = None
    try:
        for ns in (a, b):
            ns.ip("link", "add", lab.ifname("u") + ns.name[-2:], "type",
                  "veth", "peer", "name", lab.ifname("p") + ns.name[-2:])
        da = Survivor(lab, ns=a)
        da.sock = lab.path("a.sock")
        da.start()
        db = Survivor(lab, ns=b)
        db.sock = lab.path("b.sock")
        db.start()
        da.ctl("pf", "add", "pf0", "dev", lab.ifname("u") + "da")
        db.ctl("pf", "add", "pf0", "dev", lab.ifname("u") + "db")
        assert "ports" in pins(ia) and "ports" in pins(ib)
        # a second vflagd in namespace a is refused, and leaves a alone
        dup = Survivor(lab, ns=a)
        dup.sock = lab.path("dup.sock")
        proc = lab.popen(dup.argv(), ns=a, name="vflagd-dup")
        assert proc.wait(timeout=15) != 0
        assert "another vflagd runs" in proc.log()
        assert da.ctl("show")["pfs"]
        # an instance under `ip netns exec` survives kill -9 too, with a
        # TAP VF (a VM's) adopted as it was
        da.ctl("pf", "set", "pf0", "numvfs", "1", "type", "tap")
        vfs = da.ctl("vf", "show")
        da.kill9()
        assert "ports" in pins(ia)
        da = Survivor(lab, ns=a)
        da.sock = lab.path("a.sock")
        da.start()
        show = da.ctl("show")
        assert show["adopted"] is True
        assert show["adopted_counts"] == {"pfs": 1, "vfs": 1, "bonds": 0}
        assert da.ctl("vf", "show") == vfs
        da.ctl("teardown")
        assert pins(ia) == []
        assert "ports" in pins(ib)
        assert len(db.ctl("show")["pfs"]) == 1
        # teardown, then configured again: pinned again, adoptable again
        db.ctl("teardown")
        assert pins(ib) == []
        db.ctl("pf", "add", "pf0", "dev", lab.ifname("u") + "db")
        assert "ports" in pins(ib)
        db.kill9()
        db = Survivor(lab, ns=b)
        db.sock = lab.path("b.sock")
        db.start()
        assert db.ctl("show")["adopted_counts"]["pfs"] == 1
    finally:
        if da:
            cleanup(lab, da, ia, ns=a)
        if db:
            cleanup(lab, db, ib, ns=b)
    assert pins(ia) == [] and pins(ib) == []


def test_kill9_restart_with_config_mode4(lab):
    """The case seen failing before: kill -9 in 802.3ad mode, then
    `vflagd -c CONFIG`. The config is replayed over the adopted state: the
    identical lines change nothing, the one that differs (miimon) is
    applied, no packet is lost and OVS never drops a member."""
    ino = netns_inode()
    d = Survivor(lab).start()
    t = None
    try:
        t = VfLagTopo(lab, d, peer="ovs", mode="802.3ad", bond_opts=FAST)
        t.wait_lag(timeout=15)
        t.wait_connectivity()
        cfg = lab.path("vflag.conf")
        with open(cfg, "w") as f:
            for c in t.vflag_commands():
                line = " ".join(str(w) for w in c)
                f.write(line.replace("miimon 100", "miimon 200") + "\n")
        before = lag_snapshot(t)
        p = flood_ping(t.client, VM_IP, seconds=6)
        time.sleep(1.5)
        d.kill9()
        time.sleep(1.0)
        d = Survivor(lab, config=cfg)
        t.d = d
        d.start()
        assert sorted(t.ovs.enabled_members(t.ovs_bond)) == sorted(t.sw_ends)
        sent, received = ping_loss(p)
        print(f"802.3ad kill -9 + start -c: ping {sent} sent, "
              f"{received} received")
        assert received == sent
        assert lag_snapshot(t) == before
        bd = t.bond_view()
        assert bd["miimon"] == 200
        assert d.ctl("show")["adopted"] is True
        time.sleep(4)
        assert sorted(t.ovs.enabled_members(t.ovs_bond)) == sorted(t.sw_ends)
    finally:
        cleanup(lab, t.d if t else d, ino)
    assert pins(ino) == [] and not os.path.exists(state_path(ino))


def test_kill9_keeps_the_active_member_after_failover(lab):
    """Mode 1 after a failover: the backup member is active, the first
    member's link is back (no primary: it stays backup). A restarted
    vflagd must keep the active member it finds, not pick the first."""
    ino = netns_inode()
    d = Survivor(lab).start()
    t = None
    try:
        t = VfLagTopo(lab, d, peer="bridge", mode="active-backup",
                      bond_opts=("miimon", 100))
        t.wait_connectivity()
        t.sw.ip("link", "set", t.sw_ends[0], "down")
        wait_for(lambda: t.bond_view()["active"] == t.pfs[1], 5,
                 what="failover to the second member")
        t.sw.ip("link", "set", t.sw_ends[0], "up")
        wait_for(lambda: t.members()[t.pfs[0]]["link"] == "up", 5,
                 what="first member's link back")
        t.wait_connectivity()
        time.sleep(1.2)  # the state file follows within a second
        before = lag_snapshot(t)
        p = flood_ping(t.client, VM_IP, seconds=5)
        time.sleep(1)
        d.kill9()
        time.sleep(1)
        d = Survivor(lab)
        t.d = d
        d.start()
        sent, received = ping_loss(p)
        print(f"mode 1 after failover: ping {sent} sent, {received} received")
        assert received == sent
        assert t.bond_view()["active"] == t.pfs[1]
        assert lag_snapshot(t) == before
    finally:
        cleanup(lab, t.d if t else d, ino)
    assert pins(ino) == []
