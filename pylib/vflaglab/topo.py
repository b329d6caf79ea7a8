"""The topologies the tests share.

OvsPair: two OVS instances, each in its own namespace, bonded over two
veth pairs, each with a host namespace behind it (the partner's
self-test).

VfLagTopo: the seed's Deployment Verification (figure 5):

    vm ns                root ns (vflagd)            switch ns          client ns
  [A vf0 1.1.1.1] -- eswitch -- bond(A: up0, B: up1) == sw0/sw1 [peer] sc -- cl 1.1.1.2

where the peer is an OVS userspace bond (LACP partner), a kernel bridge,
or nothing (a test drives the switch-side ends itself). With silent=(i,)
uplink i goes through a SilentLink forwarder namespace."""

import time

from .linkfail import SilentLink
from .netns import sh
from .ovs import OvsPartner
from .traffic import wait_ping

VM_IP, CLIENT_IP = "1.1.1.1", "1.1.1.2"
VF_MAC = "6a:66:2d:48:92:c3"  # the seed's


class OvsPair:
    def __init__(self, lab, mode="balance-tcp", lacp=("active", "active"),
                 lacp_time="fast", rebalance_ms=1000, silent=()):
        self.lab = lab
        t = lab.tag
        self.ns = [lab.netns("oa"), lab.netns("ob")]
        self.hosts = [lab.netns("ha"), lab.netns("hb")]
        self.ips = ["10.77.0.1", "10.77.0.2"]
        self.bond = f"bd{t}"
        self.br = f"br{t}"
        self.members = [[lab.ifname("a0"), lab.ifname("a1")],
                        [lab.ifname("b0"), lab.ifname("b1")]]
        self.silent = {}
        for i in range(2):
            a, b = self.members[0][i], self.members[1][i]
            if i in silent:
                self.silent[i] = SilentLink(lab, str(i), a, self.ns[0], b,
                                            self.ns[1])
            else:
                lab.veth(a, self.ns[0], b, self.ns[1])
        self.host_if = [lab.ifname("ha"), lab.ifname("hb")]
        self.port_if = [lab.ifname("pa"), lab.ifname("pb")]
        for side in range(2):
            lab.veth(self.host_if[side], self.hosts[side],
                     self.port_if[side], self.ns[side])
            h = self.hosts[side]
            h.addr(self.host_if[side], f"{self.ips[side]}/24")
            h.tx_csum_off(self.host_if[side])
        self.ovs = []
        for side in range(2):
            o = OvsPartner(lab, self.ns[side], name=f"ovs{'ab'[side]}")
            o.start()
            o.add_bridge(self.br)
            o.add_port(self.br, self.port_if[side])
            self.ovs.append(o)
        self.t_configured = None
        for side in range(2):
            self.ovs[side].add_bond(self.br, self.bond, self.members[side],
                                    mode=mode, lacp=lacp[side],
                                    lacp_time=lacp_time,
                                    rebalance_ms=rebalance_ms)
        self.t_configured = time.monotonic()

    def wait_lacp(self, timeout=10):
        """Waits for both sides; returns seconds since both bonds existed."""
        for side in range(2):
            self.ovs[side].wait_lacp(self.bond, self.members[side], timeout)
        return time.monotonic() - self.t_configured

    def tx_packets(self, side):
        """tx packets per member of side's bond (kernel counters)."""
        from .netns import link_stats
        return [link_stats(m, self.ns[side])["tx_packets"]
                for m in self.members[side]]

    def stop(self):
        for o in self.ovs:
            o.stop()


class VfLagTopo:
    def __init__(self, lab, vflagd, peer="ovs", mode="802.3ad",
                 bond_opts=("miimon", 100, "lacp_rate", "fast",
                            "xmit_hash_policy", "layer3+4"),
                 ovs_mode="balance-tcp", ovs_lacp="active",
                 ovs_lacp_time="fast", rebalance_ms=1000, silent=(),
                 numvfs=2, configure_vflag=True):
        self.lab, self.d = lab, vflagd
        t = lab.tag
        self.sw = lab.netns("sw")
        self.vm = lab.netns("vm")
        self.client = lab.netns("cl")
        self.uplinks = [lab.ifname("up0"), lab.ifname("up1")]
        self.sw_ends = [lab.ifname("sw0"), lab.ifname("sw1")]
        self.silent = {}
        for i in range(2):
            if i in silent:
                self.silent[i] = SilentLink(lab, str(i), self.uplinks[i],
                                            None, self.sw_ends[i], self.sw)
            else:
                lab.veth(self.uplinks[i], None, self.sw_ends[i], self.sw)
        self.cl_if, self.sc_if = lab.ifname("cl"), lab.ifname("sc")
        lab.veth(self.cl_if, self.client, self.sc_if, self.sw)
        self.client.addr(self.cl_if, f"{CLIENT_IP}/24")
        self.client.tx_csum_off(self.cl_if)
        self.pfs = [f"a{t}", f"b{t}"]
        self.bond = f"bd{t}"
        self.vf_port = f"{self.pfs[0]}vf0"
        self.peer = peer
        self.ovs = None
        self.br = f"br{t}"
        self.ovs_bond = f"ob{t}"
        if peer == "bridge":
            self.sw.ip("link", "add", self.br, "type", "bridge")
            for p in self.sw_ends + [self.sc_if]:
                self.sw.ip("link", "set", p, "master", self.br)
            self.sw.up(self.br)
        elif peer == "ovs":
            self.ovs = OvsPartner(lab, self.sw, name="ovs-sw").start()
            self.ovs.add_bridge(self.br)
            self.ovs.add_port(self.br, self.sc_if)
            self.ovs.add_bond(self.br, self.ovs_bond, self.sw_ends,
                              mode=ovs_mode, lacp=ovs_lacp,
                              lacp_time=ovs_lacp_time,
                              rebalance_ms=rebalance_ms)
        self.mode = mode
        self.bond_opts = [str(o) for o in bond_opts]
        self.numvfs = numvfs
        if configure_vflag:
            self.configure_vflag()

    def vflag_commands(self):
        """The vflagctl command lines that build this set-up."""
        cmds = [["pf", "add", self.pfs[i], "dev", self.uplinks[i]]
                for i in range(2)]
        cmds += [["pf", "set", pf, "numvfs", self.numvfs] for pf in self.pfs]
        cmds.append(["bond", "add", self.bond, "mode", self.mode]
                    + self.bond_opts + ["members"] + self.pfs)
        cmds.append(["vf", "set", self.pfs[0], "vf", 0, "mac", VF_MAC,
                     "netns", self.vm.name])
        return cmds

    def configure_vflag(self):
        for c in self.vflag_commands():
            self.d.ctl(*c)
        self.vm.up(self.vf_port)
        self.vm.addr(self.vf_port, f"{VM_IP}/24")
        self.vm.tx_csum_off(self.vf_port)

    # -- views ----------------------------------------------------------
    def bond_view(self):
        return self.d.bond(self.bond)

    def members(self):
        return {m["name"]: m for m in self.bond_view()["members"]}

    def distributing(self):
        """PFs whose member state shows LACP distributing."""
        out = []
        for name, m in self.members().items():
            st = (m.get("lacp") or {}).get("actor", {}).get("state", [])
            if "distributing" in st and m.get("tx"):
                out.append(name)
        return sorted(out)

    def uplink_counters(self):
        return {pf: self.d.counters(pf) for pf in self.pfs}

    def wait_connectivity(self, timeout=15):
        return wait_ping(self.client, VM_IP, timeout)

    def wait_lag(self, timeout=15):
        """Waits until both sides report both members in the LAG;
        returns the seconds it took."""
        t0 = time.monotonic()
        from .netns import wait_for
        wait_for(lambda: self.distributing() == sorted(self.pfs), timeout,
                 interval=0.05, what="vflag: both members distributing")
        if self.ovs:
            self.ovs.wait_lacp(self.ovs_bond, self.sw_ends,
                               max(1, timeout - (time.monotonic() - t0)))
        return time.monotonic() - t0


def counter_delta(before, after, key):
    return {pf: after[pf][key] - before[pf][key] for pf in before}


def shares(delta):
    total = sum(delta.values())
    return {k: (v / total if total else 0.0) for k, v in delta.items()}


def carrier_ends(topo, i):
    """(namespace, dev) of the switch side of uplink i."""
    return topo.sw, topo.sw_ends[i]


__all__ = ["OvsPair", "VfLagTopo", "counter_delta", "shares", "sh",
           "VM_IP", "CLIENT_IP", "VF_MAC"]
