"""vflag's lab library, shared by the integration tests (tests/integration),
the bench (bench/) and the demo (demo/): namespaces and links (netns),
an Open vSwitch LACP partner (ovs), traffic and outage measurement
(traffic, udpflows), link failures (linkfail), the daemon under test
(vflagd) and the topologies the tests share (topo).

Everything a test creates is registered with one Lab, which removes it in
reverse order on close(), pass or fail."""

import os

LIBDIR = os.path.dirname(os.path.abspath(__file__))
