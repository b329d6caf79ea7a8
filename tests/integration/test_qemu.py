"""QEMU on a TAP VF (doc/qemu.md): the libvirt XML validates, and frames
cross the LAG into QEMU's TAP and back.

The VM's command line (TCG, a virtio-net NIC with the VF's MAC, no disk)
boots only its firmware: SeaBIOS runs the NIC's iPXE ROM, whose DHCP
DISCOVER must reach the client through the LAG.

For traffic both ways no guest boots: QEMU runs with `-machine none` (no
CPU) and its own network stack, slirp (`-netdev user`), joined to the
VF's TAP by a hub. Slirp answers ARP and ICMP echo for its host address,
so a ping from the client namespace, through the switch namespace's
bridge and the active-backup bond, to that address proves the path a
guest's NIC would use:

  QEMU [slirp 1.1.1.1] = TAP VF -- eswitch -- bond(A, B) == bridge -- cl

with the client at 1.1.1.2.

Slirp sends from 52:55 followed by its host address (52:55:01:01:01:01
here), so the VF gets that MAC and the spoof check stays on."""

import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from vflaglab import linkfail
from vflaglab.capture import Capture
from vflaglab.netns import link_exists, wait_for
from vflaglab.topo import VfLagTopo
from vflaglab.traffic import log, ping
from vflaglab.vflagd import EXIT_REFUSED, REPO

QEMU = "qemu-system-x86_64"
XML = os.path.join(REPO, "dist", "libvirt", "vflag-vf-interface.xml")
# The client is topo.CLIENT_IP, 1.1.1.2: slirp answers ARP only from its
# own network, so slirp takes the client's /24 and the VM's address.
SLIRP_NET, SLIRP_HOST = "1.1.1.0/24", "1.1.1.1"
SLIRP_MAC = "52:55:01:01:01:01"  # 52:55 + SLIRP_HOST

pytestmark = pytest.mark.skipif(shutil.which(QEMU) is None,
                                reason=f"{QEMU} not installed "
                                "(scripts/setup.sh installs it)")


def test_libvirt_xml_validates(tmp_path):
    assert shutil.which("virt-xml-validate"), \
        "virt-xml-validate missing: apt-get install libvirt-clients " \
        "(scripts/setup.sh)"
    p = subprocess.run(["virt-xml-validate", XML, "domain"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    iface = ET.parse(XML).getroot().find("devices/interface")
    assert iface.get("type") == "ethernet"
    assert iface.find("target").attrib == {"dev": "pf0vf0",
                                           "managed": "no"}
    assert iface.find("model").get("type") == "virtio"
    assert iface.find("mac").get("address")
    # the validator's positive control: a wrong value must fail
    with open(XML) as f:
        text = f.read()
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace("managed='no'", "managed='bogus'"))
    p = subprocess.run(["virt-xml-validate", str(bad), "domain"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, "virt-xml-validate accepted managed='bogus'"


class QemuLab:
    """The recipe of doc/qemu.md with the topology's names: two PFs, one
    TAP VF (with slirp's MAC unless mac is None), an active-backup bond;
    start() runs QEMU on the TAP."""

    def __init__(self, lab, vflagd, mac=SLIRP_MAC):
        self.lab, self.d = lab, vflagd
        self.t = VfLagTopo(lab, vflagd, peer="bridge", mode="active-backup",
                           bond_opts=("miimon", 100), configure_vflag=False)
        a, b = self.t.pfs
        self.tap = f"{a}vf0"
        for pf, dev in zip(self.t.pfs, self.t.uplinks):
            vflagd.ctl("pf", "add", pf, "dev", dev)
        vflagd.ctl("pf", "set", a, "numvfs", 1, "type", "tap")
        vflagd.ctl("bond", "add", self.t.bond, "mode", "active-backup",
                   "miimon", 100, "members", a, b)
        if mac:
            vflagd.ctl("vf", "set", a, "vf", 0, "mac", mac)
        (vf,) = vflagd.ctl("vf", "show", a)["vfs"]
        assert (vf["ifname"], vf["type"]) == (self.tap, "tap")
        self.mac = vf["mac"]
        assert mac in (None, self.mac)
        self.qemu = None

    def start(self, argv):
        self.qemu = self.lab.popen(argv, name="qemu")
        return self

    def stop(self):
        if self.qemu:
            self.qemu.stop(signal.SIGTERM)

    def vm_argv(self):
        """doc/qemu.md's VM, less the disk: TCG, one virtio-net NIC with
        the VF's MAC on the VF's TAP; -boot n runs the NIC's iPXE ROM."""
        return [QEMU, "-accel", "tcg", "-m", "128", "-nodefaults",
                "-display", "none", "-boot", "n",
                "-netdev", f"tap,id=n0,ifname={self.tap},script=no,"
                "downscript=no",
                "-device", f"virtio-net-pci,netdev=n0,mac={self.mac}"]

    def slirp_argv(self):
        """No guest: QEMU's slirp on a hub with the TAP."""
        return [QEMU, "-machine", "none", "-accel", "tcg", "-nodefaults",
                "-display", "none",
                "-netdev", f"tap,id=t0,ifname={self.tap},script=no,"
                "downscript=no",
                "-netdev", f"user,id=u0,net={SLIRP_NET},host={SLIRP_HOST},"
                "ipv6=off",
                "-netdev", "hubport,id=h0,hubid=0,netdev=t0",
                "-netdev", "hubport,id=h1,hubid=0,netdev=u0"]

    def wait_ping(self, timeout=30):
        """QEMU under TCG on a loaded machine may take a while to open
        the TAP; fails early if it exits."""
        def answers():
            assert self.qemu.running(), f"QEMU exited:\n{self.qemu.log()}"
            return ping(self.t.client, SLIRP_HOST, count=1, timeout=2)
        t0 = time.monotonic()
        wait_for(answers, timeout, interval=0.1,
                 what=f"ping {SLIRP_HOST} (QEMU's slirp) from the client")
        return time.monotonic() - t0

    def active(self):
        return self.t.bond_view()["active"]


@pytest.fixture
def qemu_stopper():
    """Stops the QemuLabs a test made before vflagd stops: vflagd cannot
    delete a TAP that QEMU holds open (the seed's teardown order)."""
    made = []
    yield made.append
    for q in made:
        q.stop()


def slirp_lab(lab, vflagd, qemu_stopper):
    q = QemuLab(lab, vflagd)
    qemu_stopper(q)
    return q.start(q.slirp_argv())


def is_dhcp_discover_from(frame, mac):
    """An IPv4 UDP 68 -> 67 broadcast from mac (a DHCP client's first)."""
    return (frame[0:6] == b"\xff" * 6 and frame[6:12] == mac and
            frame[12:14] == b"\x08\x00" and frame[14] == 0x45 and
            frame[23] == 17 and frame[34:38] == b"\x00\x44\x00\x43")


def test_vm_firmware_frames_cross_the_lag(lab, vflagd, qemu_stopper):
    q = QemuLab(lab, vflagd, mac=None)  # the VF's own, derived MAC
    qemu_stopper(q)
    mac = bytes.fromhex(q.mac.replace(":", ""))
    deadline = time.monotonic() + 90  # 2-3 s on an idle machine, no KVM
    cap = Capture(lab, q.t.client, [q.t.cl_if]).start()
    t0 = time.monotonic()
    q.start(q.vm_argv())
    sent = 0

    def sent_more():
        assert q.qemu.running(), f"QEMU exited:\n{q.qemu.log()}"
        n = vflagd.counters(q.tap)["tx_packets"]
        return n if n > sent else None
    # iPXE also sends IPv6 router solicitations, and repeats its DISCOVER:
    # look at what arrived each time the VF has sent more, until it is
    # there.
    while True:
        sent = wait_for(sent_more, max(0.1, deadline - time.monotonic()),
                        interval=0.25,
                        what=f"a DHCP DISCOVER from {q.mac} at the client")
        time.sleep(0.2)  # the bridge, the client's veth
        if any(is_dhcp_discover_from(f, mac) for _, f in cap.stop()):
            break
        cap = Capture(lab, q.t.client, [q.t.cl_if]).start()
    log(f"the VM's DHCP DISCOVER crossed the LAG "
        f"{time.monotonic() - t0:.1f} s after QEMU started")
    assert vflagd.counters(q.tap)["tx_drop_spoof"] == 0


def test_qemu_slirp_answers_through_the_lag(lab, vflagd, qemu_stopper):
    q = slirp_lab(lab, vflagd, qemu_stopper)
    log(f"QEMU's slirp answered after {q.wait_ping():.2f} s")
    before = vflagd.counters(q.tap)
    uplinks = q.t.uplink_counters()
    assert ping(q.t.client, SLIRP_HOST, count=10, interval=0.05)
    after = vflagd.counters(q.tap)
    active = q.active()
    up = {pf: vflagd.counters(pf)["rx_packets_phy"] - uplinks[pf]
          ["rx_packets_phy"] for pf in q.t.pfs}
    # Echo requests in at the active member and out of the TAP to QEMU;
    # replies from QEMU in at the TAP and none dropped by the spoof check.
    assert after["rx_packets"] - before["rx_packets"] >= 10
    assert after["tx_packets"] - before["tx_packets"] >= 10
    assert after["tx_drop_spoof"] == 0
    assert up[active] >= 10, up
    # While QEMU holds the TAP, the VF is in use and stays.
    a = q.t.pfs[0]
    rc, out, err = vflagd.ctl_rc("pf", "set", a, "numvfs", 0)
    assert rc == EXIT_REFUSED and "open by a VM" in err + out, (rc, err)
    # The answers are QEMU's: they stop with it.
    q.stop()
    assert not ping(q.t.client, SLIRP_HOST, count=2, interval=0.2), \
        "answers with QEMU stopped: not QEMU's"
    vflagd.ctl("pf", "set", a, "numvfs", 0)
    assert not link_exists(q.tap)


def test_qemu_ping_survives_failover(lab, vflagd, qemu_stopper):
    q = slirp_lab(lab, vflagd, qemu_stopper)
    q.wait_ping()
    active = q.active()
    backup = next(p for p in q.t.pfs if p != active)
    count, interval = 60, 0.05
    pinger = lab.popen(["ping", "-n", "-c", count, "-i", interval, "-W", 1,
                        SLIRP_HOST], ns=q.t.client, name="ping")
    time.sleep(1.0)  # ~20 echoes before the failure
    i = q.t.pfs.index(active)
    linkfail.carrier(lab, q.t.sw, q.t.sw_ends[i], up=False)
    wait_for(lambda: q.active() == backup, 5, what=f"{backup} active")
    pinger.wait(timeout=count * interval + 15)
    seqs = {int(m) for m in re.findall(r"icmp_seq=(\d+) ttl=",
                                       pinger.log())}
    late = set(range(count - 20, count + 1))  # well after the failover
    log(f"ping through the failover {active} -> {backup}: {len(seqs)} of "
        f"{count} answered")
    assert len(seqs) >= count - 10, pinger.log()
    assert len(seqs & late) >= 15, pinger.log()
    assert q.t.members()[active]["state"] == "down"
