"""Fixtures for vflag's integration tests (run as root, with Debian's
interpreter: /usr/bin/python3 -m pytest tests/integration).

  lab     a Lab: namespaces, links and processes of one test, all removed
          afterwards (and checked gone)
  vflagd  the daemon from $VFLAG_BUILD (default build/), started on a
          socket of its own, stopped by SIGTERM at the end with a check of
          its exit code and of sanitizer reports
  ovs     a factory: ovs(ns) -> a started OvsPartner in namespace ns
"""

import os
import sys

import pytest

# the shared lab library (pylib/vflaglab), also used by bench/ and demo/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "pylib"))

from vflaglab.netns import Lab, _netns_names, link_names  # noqa: E402
from vflaglab.ovs import OvsPartner  # noqa: E402
from vflaglab.vflagd import Vflagd  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("the integration tests need root "
                                "(namespaces, veth, tc, OVS)")


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()
    left = [n for n in _netns_names() if lab.tag in n] + \
        [n for n in link_names() if lab.tag in n]
    assert not left, f"left behind after the test: {left}"


@pytest.fixture
def vflagd(lab):
    d = Vflagd(lab).start()
    yield d
    rc = d.stop()
    d.check_clean_exit(rc)


@pytest.fixture
def ovs(lab):
    started = []

    def make(ns, name="ovs"):
        o = OvsPartner(lab, ns, name=f"{name}{len(started)}").start()
        started.append(o)
        return o
    yield make
    for o in reversed(started):
        o.stop()
