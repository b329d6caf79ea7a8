"""VF link state as a VM sees it: a carrier watcher, and the one way the
tests (tests/integration/test_ports_return.py) and the bench
(bench/vf_link_figures.py) measure how fast a VF's carrier follows its
LAG (issue 7 item 6).

CarrierWatch polls /sys/class/net/DEV/carrier inside a namespace every
millisecond (a sysfs read, no netlink) and writes one line per change,
`<CLOCK_MONOTONIC seconds> <0|1>`. A namespace's /sys is its own under
`ip netns exec`, so one watcher per namespace; CLOCK_MONOTONIC is the same
clock in every namespace, so watchers' times compare.

measure_vf_follows_lag() fails every member of a VfLagTopo's bond (the
switch ends, carrier loss), then restores the last one, and returns the
time from the last member's carrier going (as the uplink in vflagd's
namespace saw it) to the VF's carrier going in the VM, and back."""

import sys
import time

from . import linkfail
from .netns import wait_for

_WATCH = r"""
import sys, time
path, out = sys.argv[1], sys.argv[2]
last = None
with open(out, "a", buffering=1) as f:
    while True:
        try:
            with open(path) as c:
                v = c.read().strip()
        except OSError:
            v = "x"  # the device is not there (being made again)
        if v != last:
            f.write(f"{time.monotonic():.6f} {v}\n")
            last = v
        time.sleep(0.001)
"""


class CarrierWatch:
    """Watches DEV's carrier in namespace ns (None = vflagd's)."""

    def __init__(self, lab, ns, dev, name=None):
        self.lab = lab
        self.dev = dev
        self.path = lab.path(f"carrier-{name or dev}.log")
        open(self.path, "w").close()
        self.proc = lab.popen([sys.executable, "-c", _WATCH,
                               f"/sys/class/net/{dev}/carrier", self.path],
                              ns=ns, name=f"carrierwatch-{name or dev}")
        wait_for(lambda: self.changes(), 5, interval=0.01,
                 what=f"the carrier watcher of {dev}")

    def changes(self):
        """[(monotonic seconds, "0"|"1"|"x")], oldest first."""
        out = []
        with open(self.path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out.append((float(parts[0]), parts[1]))
        return out

    def value(self):
        ch = self.changes()
        return ch[-1][1] if ch else None

    def first(self, value, after):
        """When the carrier became value at or after `after`, or None."""
        for t, v in self.changes():
            if t >= after and v == value:
                return t
        return None

    def wait(self, value, after, timeout=5):
        return wait_for(lambda: self.first(value, after), timeout,
                        interval=0.005,
                        what=f"{self.dev} carrier {value}")

    def stop(self):
        self.proc.stop()


def measure_vf_follows_lag(lab, topo, timeout=5):
    """Both members down (the first, then the last), then the last back.
    Returns (down_ms, up_ms): from the last member's carrier loss to the
    VF's, and from its carrier's return to the VF's."""
    vf = CarrierWatch(lab, topo.vm, topo.vf_port, name="vf")
    last = CarrierWatch(lab, None, topo.uplinks[1], name="up1")
    first = CarrierWatch(lab, None, topo.uplinks[0], name="up0")
    try:
        assert vf.value() == "1", "the VF has no carrier to begin with"
        t = time.monotonic()
        linkfail.carrier(lab, topo.sw, topo.sw_ends[0], up=False)
        first.wait("0", t)
        # one member left: the LAG still carries, the VF keeps carrier
        time.sleep(0.3)
        assert vf.value() == "1", "the VF lost carrier with one member up"
        t = time.monotonic()
        linkfail.carrier(lab, topo.sw, topo.sw_ends[1], up=False)
        t_member = last.wait("0", t)
        t_vf = vf.wait("0", t, timeout)
        down_ms = (t_vf - t_member) * 1000
        time.sleep(0.2)
        t = time.monotonic()
        linkfail.carrier(lab, topo.sw, topo.sw_ends[1], up=True)
        t_member = last.wait("1", t)
        t_vf = vf.wait("1", t, timeout)
        up_ms = (t_vf - t_member) * 1000
    finally:
        linkfail.carrier(lab, topo.sw, topo.sw_ends[0], up=True)
        linkfail.carrier(lab, topo.sw, topo.sw_ends[1], up=True)
        for w in (vf, last, first):
            w.stop()
    return down_ms, up_ms


def vf_carrier(ns, dev):
    """The VF's carrier now, read as the VM would ("1", "0")."""
    from .netns import sh
    return sh(["cat", f"/sys/class/net/{dev}/carrier"], ns=ns and str(ns),
              check=False).stdout.strip()


__all__ = ["CarrierWatch", "measure_vf_follows_lag", "vf_carrier"]
