"""Two vflagds back to back as each other's LACP partner: vflagd A in the
root namespace, vflagd B in a namespace of its own, two uplinks between
them, optionally a VF behind each bond in a VM namespace. Shared by
bench/convergence.py, bench/vv_throughput.py and
tests/integration/test_lacp_vv.py."""

from . import linkfail
from .vflagd import Vflagd


class NsVflagd(Vflagd):
    """A vflagd in namespace ns (the partner system); its socket is a
    file, reachable from the root namespace."""

    def __init__(self, lab, ns, name):
        super().__init__(lab, log_level="info")
        self.ns = ns
        self.sock = lab.path(f"{name}.sock")

    def start(self, timeout=15):
        self.proc = self.lab.popen(self.argv(), ns=self.ns, name="vflagd-b")
        self.wait_ready(timeout)
        return self


def distributing(d, bond):
    out = []
    for m in d.bond(bond)["members"]:
        st = (m.get("lacp") or {}).get("actor", {}).get("state", [])
        if "distributing" in st and m.get("tx"):
            out.append(m["name"])
    return sorted(out)


def rx_states(d, bond):
    return [m["lacp"]["rx_state"] for m in d.bond(bond)["members"]]


class VflagPair:
    """vflagd A (root namespace) and vflagd B (namespace `peer`), uplinks
    a0-b0 and a1-b1 (a0-b0 through a SilentLink with silent=True)."""

    def __init__(self, lab, silent=False, vfs=False):
        self.lab = lab
        t = lab.tag
        self.peer = lab.netns("peer")
        self.up_a = [lab.ifname("ua0"), lab.ifname("ua1")]
        self.up_b = [lab.ifname("ub0"), lab.ifname("ub1")]
        self.silent = None
        for i in range(2):
            if silent and i == 0:
                self.silent = linkfail.SilentLink(lab, "0", self.up_a[0],
                                                  None, self.up_b[0],
                                                  self.peer)
            else:
                lab.veth(self.up_a[i], None, self.up_b[i], self.peer)
        self.a = Vflagd(lab, log_level="info").start()
        self.b = NsVflagd(lab, self.peer, "vflagd-b").start()
        self.pfs_a = [f"a{t}", f"c{t}"]
        self.pfs_b = [f"b{t}", f"d{t}"]
        self.bond = f"bd{t}"
        for i in range(2):
            self.a.ctl("pf", "add", self.pfs_a[i], "dev", self.up_a[i])
            self.b.ctl("pf", "add", self.pfs_b[i], "dev", self.up_b[i])
        self.vms = None
        if vfs:
            self.vms = [lab.netns("vma"), lab.netns("vmb")]
            for d, pf in ((self.a, self.pfs_a[0]), (self.b, self.pfs_b[0])):
                d.ctl("pf", "set", pf, "numvfs", 1)

    def add_vfs(self):
        """VF 0 of each side's first PF into its VM namespace, 10.9.0.1
        (behind A) and 10.9.0.2 (behind B)."""
        for i, (d, pf) in enumerate(((self.a, self.pfs_a[0]),
                                     (self.b, self.pfs_b[0]))):
            vm = self.vms[i]
            d.ctl("vf", "set", pf, "vf", 0, "mac", f"02:00:00:00:0{i + 1}:01",
                  "netns", vm.name)
            vm.up(f"{pf}vf0")
            vm.addr(f"{pf}vf0", f"10.9.0.{i + 1}/24")
            vm.tx_csum_off(f"{pf}vf0")

    def bond_add(self, side, opts):
        d, pfs = (self.a, self.pfs_a) if side == "a" else (self.b, self.pfs_b)
        d.ctl("bond", "add", self.bond, *opts, "members", *pfs)

    def both_distributing(self):
        return (distributing(self.a, self.bond) == sorted(self.pfs_a) and
                distributing(self.b, self.bond) == sorted(self.pfs_b))
