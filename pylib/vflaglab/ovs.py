"""Open vSwitch's userspace datapath as a LACP partner, one instance per
namespace.

ovsdb-server and ovs-vswitchd run inside the namespace (`ip netns exec`),
in the foreground as children of the test, each with its own database,
pidfile, unixctl socket and log under the Lab's temp dir, so several run
side by side and nothing is left in /var/run/openvswitch. The control
tools reach them through their Unix sockets, which do not depend on the
namespace. Bridges use datapath_type=netdev; bond members are `system`
ports (AF_PACKET). See MACHINE-NOTES: hosts behind it need tx checksum
offload off."""

import os
import re
import time

from .netns import sh, wait_for

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class OvsPartner:
    def __init__(self, lab, ns, name="ovs"):
        self.lab = lab
        self.ns = None if ns is None else str(ns)  # None: the root one
        self.name = name
        self.dir = lab.path(f"{name}-{self.ns or 'root'}")
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "conf.db")
        self.db_sock = os.path.join(self.dir, "db.sock")
        self.db_ctl = os.path.join(self.dir, "ovsdb-server.ctl")
        self.ctl = os.path.join(self.dir, "ovs-vswitchd.ctl")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_DBDIR=self.dir, OVS_SYSCONFDIR=self.dir,
                        OVS_PKGDATADIR="/usr/share/openvswitch")
        self.dbserver = None
        self.vswitchd = None
        self.started_at = None

    # -- life -----------------------------------------------------------
    def start(self, timeout=15):
        sh(["ovsdb-tool", "create", self.db, SCHEMA])
        self.dbserver = self.lab.popen(
            ["ovsdb-server", self.db, f"--remote=punix:{self.db_sock}",
             f"--pidfile={self.dir}/ovsdb-server.pid",
             f"--unixctl={self.db_ctl}", "--no-chdir",
             f"--log-file={self.dir}/ovsdb-server.log", "-vconsole:off"],
            ns=self.ns, name=f"{self.name}-ovsdb", env=self.env)
        wait_for(lambda: os.path.exists(self.db_sock) or self._died(),
                 timeout, what="ovsdb-server socket")
        self._check_alive()
        self.vsctl("--no-wait", "init")
        self.vswitchd = self.lab.popen(
            ["ovs-vswitchd", f"unix:{self.db_sock}",
             f"--pidfile={self.dir}/ovs-vswitchd.pid",
             f"--unixctl={self.ctl}", "--no-chdir",
             f"--log-file={self.dir}/ovs-vswitchd.log", "-vconsole:off"],
            ns=self.ns, name=f"{self.name}-vswitchd", env=self.env)
        wait_for(lambda: os.path.exists(self.ctl) or self._died(), timeout,
                 what="ovs-vswitchd control socket")
        self._check_alive()
        self.started_at = time.monotonic()
        return self

    def _died(self):
        return any(p is not None and not p.running()
                   for p in (self.dbserver, self.vswitchd))

    def _check_alive(self):
        for p in (self.dbserver, self.vswitchd):
            if p is not None and not p.running():
                raise RuntimeError(f"{p.name} exited {p.popen.returncode}:\n"
                                   f"{p.log()}\n{self.logs()}")

    def stop(self):
        """Stops vswitchd, then ovsdb-server, each by its PID."""
        for p in (self.vswitchd, self.dbserver):
            if p is not None:
                p.stop()

    def logs(self):
        out = []
        for f in ("ovs-vswitchd.log", "ovsdb-server.log"):
            try:
                with open(os.path.join(self.dir, f), errors="replace") as fh:
                    out.append(f"--- {f}\n{fh.read()[-6000:]}")
            except OSError:
                pass
        return "\n".join(out)

    # -- control --------------------------------------------------------
    def vsctl(self, *args, check=True):
        return sh(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20"]
                  + [str(a) for a in args], check=check, env=self.env).stdout

    def appctl(self, *args, check=True):
        return sh(["ovs-appctl", "-t", self.ctl, "--timeout=20"]
                  + [str(a) for a in args], check=check, env=self.env).stdout

    def add_bridge(self, br):
        self.vsctl("add-br", br, "--", "set", "bridge", br,
                   "datapath_type=netdev")

    def add_port(self, br, ifname):
        self.vsctl("add-port", br, ifname)

    def add_bond(self, br, bond, members, mode="balance-tcp", lacp="active",
                 lacp_time="fast", rebalance_ms=None, fallback_ab=False,
                 other=()):
        """A bond port; lacp: active|passive|off; lacp_time: fast|slow;
        rebalance_ms: other_config:bond-rebalance-interval (0 = never)."""
        args = ["add-bond", br, bond] + list(members) + [
            f"bond_mode={mode}", f"lacp={lacp}",
            f"other_config:lacp-time={lacp_time}"]
        if rebalance_ms is not None:
            args.append(f"other_config:bond-rebalance-interval={rebalance_ms}")
        if fallback_ab:
            args.append("other_config:lacp-fallback-ab=true")
        args += list(other)
        self.vsctl(*args)

    def set_port(self, bond, *settings):
        self.vsctl("set", "port", bond, *settings)

    # -- views ----------------------------------------------------------
    def lacp_show(self, bond):
        """ovs-appctl lacp/show BOND parsed: {"status": [...], "sys_id",
        "members": {name: {"status": [...], "partner_sys_id", ...}},
        "raw": text}."""
        text = self.appctl("lacp/show", bond)
        return parse_lacp_show(text)

    def bond_show(self, bond):
        """ovs-appctl bond/show BOND parsed: {"bond_mode", "lacp_status",
        "members": {name: {"enabled": bool, "may_enable": bool,
        "active": bool}}, "raw": text}."""
        text = self.appctl("bond/show", bond)
        return parse_bond_show(text)

    def lacp_formed(self, bond, members):
        """True when the bond negotiated LACP and every member is current
        and attached, with a partner."""
        try:
            v = self.lacp_show(bond)
        except Exception:  # noqa: BLE001 - not up yet
            return False
        if "negotiated" not in v["status"]:
            return False
        for m in members:
            mv = v["members"].get(m)
            if not mv or "current" not in mv["status"] \
                    or "attached" not in mv["status"]:
                return False
            if mv.get("partner_sys_id") in (None, "00:00:00:00:00:00"):
                return False
        return True

    def wait_lacp(self, bond, members, timeout=10):
        """Waits for lacp_formed(); returns the seconds it took."""
        t0 = time.monotonic()
        wait_for(lambda: self.lacp_formed(bond, members), timeout,
                 interval=0.01, what=f"LACP on {bond} ({self.ns})")
        return time.monotonic() - t0

    def enabled_members(self, bond):
        return sorted(m for m, v in self.bond_show(bond)["members"].items()
                      if v["enabled"])


_MEMBER_RE = re.compile(r"^(?:member|slave):? (\S+?):\s*(.*)$")


def parse_lacp_show(text):
    out = {"status": [], "members": {}, "raw": text}
    cur = None
    for line in text.splitlines():
        s = line.strip()
        m = _MEMBER_RE.match(s)
        if m:
            cur = {"status": m.group(2).split()}
            out["members"][m.group(1)] = cur
            continue
        if ":" not in s:
            continue
        key, _, val = s.partition(":")
        key, val = key.strip(), val.strip()
        if cur is None:
            if key == "status":
                out["status"] = val.split()
            else:
                out[key.replace(" ", "_")] = val
            continue
        if key in ("actor state", "partner state"):
            cur[key.replace(" ", "_")] = val.split()
        else:
            cur[key.replace(" ", "_")] = val
    return out


def parse_bond_show(text):
    out = {"members": {}, "raw": text}
    cur = None
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r"^(?:member|slave) (\S+): (enabled|disabled)", s)
        if m:
            cur = {"enabled": m.group(2) == "enabled", "active": False,
                   "may_enable": None}
            out["members"][m.group(1)] = cur
            continue
        if cur is not None:
            if s.startswith("may_enable:"):
                cur["may_enable"] = s.split(":", 1)[1].strip() == "true"
            elif s == "active member" or s == "active slave":
                cur["active"] = True
            continue
        if ":" in s:
            k, _, v = s.partition(":")
            out[k.strip().replace(" ", "_").replace("-", "_")] = v.strip()
    return out
