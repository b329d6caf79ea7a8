"""vflag-cni, invoked exactly as a container runtime invokes a CNI plugin:
CNI_* variables in the environment, the network configuration on stdin,
the result or a CNI error object on stdout (doc/cni.md).

Self-contained (it uses none of vftest/): a fixture `cni` builds, per
test, a vflagd in a namespace of its own (`ip netns exec NS vflagd -s
SOCK`) with PF pf0 on a veth whose peer sits in a second namespace, 4 VFs,
container namespaces, a state dir and a host-local IPAM dir under a temp
dir; every name carries a random tag, and teardown removes all of it
(processes stopped by their PID) and checks that nothing is left.

Needs root, Debian's containernetworking-plugins (host-local, tuning) and
a built tree ($VFLAG_BUILD, default build/)."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEBIAN_CNI = "/usr/lib/cni"
NUMVFS = 4

# CNI error codes (SPEC.md) and ours (src/cni/result.h)
E_VERSION, E_UNSUPPORTED, E_NO_CONTAINER, E_ENV = 1, 2, 3, 4
E_DECODE, E_CONFIG, E_UNAVAILABLE, E_LIMITED = 6, 7, 50, 51
E_NO_FREE_VF, E_EXISTS, E_CHECK = 100, 103, 104

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def build_dir():
    b = os.environ.get("VFLAG_BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def sh(argv, ns=None, check=True, timeout=60):
    full = (["ip", "netns", "exec", ns] if ns else []) + [str(a) for a in argv]
    p = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} -> {p.returncode}: "
                           f"{p.stderr.strip()}")
    return p


def netns_names():
    try:
        return os.listdir("/run/netns")
    except FileNotFoundError:
        return []


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Cni:
    """One test's world: vflagd, PF, containers, and the plugin runner."""

    def __init__(self):
        self.tag = secrets.token_hex(2)
        self.tmp = tempfile.mkdtemp(prefix=f"vflag-cni-{self.tag}-")
        self.sock = os.path.join(self.tmp, "vflagd.sock")
        self.state = os.path.join(self.tmp, "state")
        self.ipam_dir = os.path.join(self.tmp, "ipam")
        self.plugin = os.path.join(build_dir(), "src", "cni", "vflag-cni")
        self.vflagd_bin = os.path.join(build_dir(), "src", "vflagd", "vflagd")
        self.vflagctl_bin = os.path.join(build_dir(), "src", "vflagctl",
                                         "vflagctl")
        self.cni_path = f"{os.path.dirname(self.plugin)}:{DEBIAN_CNI}"
        self.network = f"vfnet{self.tag}"
        self.host_ns = f"cnih{self.tag}"
        self.sw_ns = f"cnis{self.tag}"
        self.uplink = f"cu{self.tag}"
        self.peer = f"cs{self.tag}"
        self.containers = []
        self.proc = None
        self.log = None

    # -- set-up and teardown ----------------------------------------------
    def start(self):
        for b in (self.plugin, self.vflagd_bin, self.vflagctl_bin):
            if not os.access(b, os.X_OK):
                pytest.skip(f"{b} not built (meson setup build && ninja -C "
                            f"build)")
        for p in ("host-local", "tuning"):
            if not os.access(os.path.join(DEBIAN_CNI, p), os.X_OK):
                pytest.skip(f"{DEBIAN_CNI}/{p} missing: apt-get install "
                            f"containernetworking-plugins")
        for ns in (self.host_ns, self.sw_ns):
            sh(["ip", "netns", "add", ns])
            sh(["ip", "link", "set", "lo", "up"], ns=ns)
        sh(["ip", "link", "add", self.uplink, "netns", self.host_ns, "type",
            "veth", "peer", "name", self.peer, "netns", self.sw_ns])
        sh(["ip", "link", "set", self.uplink, "up"], ns=self.host_ns)
        sh(["ip", "link", "set", self.peer, "up"], ns=self.sw_ns)
        self.log = open(os.path.join(self.tmp, "vflagd.log"), "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host_ns, self.vflagd_bin, "-s",
             self.sock, "-l", "debug", "--teardown-on-exit"],
            stdout=self.log, stderr=self.log,
            stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: self.proc.poll() is not None or
                 self.ctl_rc("show") == 0, 15, "vflagd to serve")
        assert self.proc.poll() is None, self.vflagd_log()
        self.ctl("pf", "add", "pf0", "dev", self.uplink)
        self.ctl("pf", "set", "pf0", "numvfs", NUMVFS)
        return self

    def vflagd_log(self):
        with open(os.path.join(self.tmp, "vflagd.log"),
                  errors="replace") as f:
            return f.read()

    def stop_vflagd(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def close(self):
        # Pins left by a failed test (DEL removes them on success).
        for root, _, files in os.walk(self.state):
            for f in files:
                try:
                    with open(os.path.join(root, f)) as fh:
                        pin = json.load(fh).get("pin")
                except (OSError, ValueError):
                    continue
                if pin and os.path.exists(f"/run/netns/{pin}"):
                    subprocess.run(["umount", "-l", f"/run/netns/{pin}"],
                                   capture_output=True)
                    try:
                        os.unlink(f"/run/netns/{pin}")
                    except OSError:
                        pass
        self.stop_vflagd()
        if self.log:
            self.log.close()
        for ns in self.containers + [self.sw_ns, self.host_ns]:
            sh(["ip", "netns", "del", ns], check=False)
        if os.environ.get("VFLAG_KEEP_TMP"):
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- vflagd -------------------------------------------------------------
    def ctl_rc(self, *args):
        return subprocess.run([self.vflagctl_bin, "-s", self.sock] +
                              [str(a) for a in args], capture_output=True,
                              timeout=30).returncode

    def ctl(self, *args):
        p = subprocess.run([self.vflagctl_bin, "-s", self.sock, "-j"] +
                           [str(a) for a in args], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0, f"vflagctl {args}: {p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else None

    def vfs(self):
        return self.ctl("vf", "show", "pf0")["vfs"]

    def in_use(self):
        return sorted(v["vf"] for v in self.vfs() if v["in_use"])

    # -- containers -----------------------------------------------------------
    def container(self, i):
        name = f"cnic{self.tag}{i}"
        sh(["ip", "netns", "add", name])
        sh(["ip", "link", "set", "lo", "up"], ns=name)
        self.containers.append(name)
        return name

    def cid(self, ns):
        return f"ctr-{ns}"

    # -- the plugin, as a runtime runs it --------------------------------------
    def conf(self, version="1.0.0", ipam=True, **extra):
        c = {"cniVersion": version, "name": self.network, "type": "vflag-cni",
             "socket": self.sock, "pf": "pf0", "dataDir": self.state}
        if ipam is True:
            c["ipam"] = {"type": "host-local", "subnet": "10.77.0.0/24",
                         "dataDir": self.ipam_dir}
        elif ipam:
            c["ipam"] = ipam
        c.update(extra)
        return {k: v for k, v in c.items() if v is not None}

    def env(self, command, ns=None, ifname="net1", cid=None, netns=None):
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
               "CNI_COMMAND": command, "CNI_PATH": self.cni_path}
        if ns is not None or cid is not None:
            env["CNI_CONTAINERID"] = cid or self.cid(ns)
            env["CNI_IFNAME"] = ifname
            env["CNI_NETNS"] = netns if netns is not None \
                else f"/var/run/netns/{ns}"
        return env

    def run(self, command, conf, plugin=None, stdin=None, **kw):
        """Runs the plugin; returns (exit code, parsed stdout or None,
        stdin text, env)."""
        env = self.env(command, **kw)
        text = stdin if stdin is not None else json.dumps(conf)
        exe = plugin or self.plugin
        p = subprocess.run([exe], input=text, capture_output=True, text=True,
                           env=env, timeout=60)
        out = json.loads(p.stdout) if p.stdout.strip() else None
        self.last = {"stdin": text, "env": env, "stdout": p.stdout,
                     "stderr": p.stderr, "rc": p.returncode}
        # vflag-cni prints nothing on stderr; a sanitizer build would
        assert not any(m in p.stderr for m in SANITIZER_MARKS), p.stderr
        return p.returncode, out

    def ok(self, command, conf, **kw):
        rc, out = self.run(command, conf, **kw)
        assert rc == 0, f"{command} failed: {self.last}"
        return out

    def err(self, command, conf, code, **kw):
        rc, out = self.run(command, conf, **kw)
        assert rc != 0, f"{command} should fail: {self.last}"
        assert out and out.get("code") == code, \
            f"{command}: expected code {code}: {self.last}"
        assert set(out) <= {"cniVersion", "code", "msg", "details"}
        assert out["msg"]
        return out


@pytest.fixture
def cni():
    if os.geteuid() != 0:
        pytest.skip("needs root (namespaces, mounts)")
    c = Cni()
    try:
        yield c.start()
        rc = c.stop_vflagd()
        assert rc == 0, f"vflagd exited {rc}:\n{c.vflagd_log()[-4000:]}"
    finally:
        c.close()
    left = [n for n in netns_names() if c.tag in n]
    assert not left, f"left behind: {left}"


def link(ns, ifname):
    out = sh(["ip", "-j", "addr", "show", "dev", ifname], ns=ns).stdout
    return json.loads(out)[0]


def check_result(res, version, ns, ifname="net1"):
    """The result's shape per SPEC.md (1.0.0/1.1.0)."""
    assert res["cniVersion"] == version
    assert set(res) <= {"cniVersion", "interfaces", "ips", "routes", "dns"}
    iface = res["interfaces"][-1]
    assert iface["name"] == ifname
    assert iface["sandbox"] == f"/var/run/netns/{ns}"
    assert len(iface["mac"]) == 17
    if version == "1.0.0":
        assert "mtu" not in iface and "pciID" not in iface
    for ip in res["ips"]:
        assert "version" not in ip
        assert ip["interface"] == len(res["interfaces"]) - 1
        assert "/" in ip["address"]
    return iface


# -- the verbs ---------------------------------------------------------------

def test_version(cni):
    out = cni.ok("VERSION", None, stdin='{"cniVersion":"1.1.0"}')
    assert out == {"cniVersion": "1.1.0",
                   "supportedVersions": ["1.0.0", "1.1.0"]}
    out = cni.ok("VERSION", None, stdin='{"cniVersion":"1.0.0"}')
    assert out["cniVersion"] == "1.0.0"


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_add_check_del(cni, version):
    ns = cni.container(0)
    conf = cni.conf(version=version)
    res = cni.ok("ADD", conf, ns=ns)
    iface = check_result(res, version, ns)
    if version == "1.1.0":
        assert iface["mtu"] > 0 and iface["pciID"]
    # the VF is in the container under CNI_IFNAME, up, with the address
    l = link(ns, "net1")
    assert l["address"] == iface["mac"] and "UP" in l["flags"]
    addrs = [f"{a['local']}/{a['prefixlen']}" for a in l["addr_info"]]
    assert res["ips"][0]["address"] in addrs
    # vflagd agrees: VF 0 is in use, in the pinned namespace
    vf = next(v for v in cni.vfs() if v["in_use"])
    assert vf["netns"].startswith("vflag-cni-")
    assert os.path.exists(f"/run/netns/{vf['netns']}")

    conf_check = dict(conf, prevResult=res)
    cni.ok("CHECK", conf_check, ns=ns)
    # broken behind the plugin's back: CHECK says so
    sh(["ip", "link", "set", "net1", "down"], ns=ns)
    cni.err("CHECK", conf_check, E_CHECK, ns=ns)
    sh(["ip", "link", "set", "net1", "up"], ns=ns)
    sh(["ip", "addr", "flush", "dev", "net1"], ns=ns)
    cni.err("CHECK", conf_check, E_CHECK, ns=ns)

    cni.ok("DEL", dict(conf, prevResult=res), ns=ns)
    assert cni.in_use() == []
    assert not os.path.exists(f"/run/netns/{vf['netns']}")
    assert "net1" not in sh(["ip", "link"], ns=ns).stdout
    # the IP is back in host-local's pool
    leased = os.listdir(os.path.join(cni.ipam_dir, cni.network))
    assert res["ips"][0]["address"].split("/")[0] not in leased
    # DEL twice: still fine (idempotent)
    cni.ok("DEL", conf, ns=ns)
    # CHECK after DEL: no such attachment
    cni.err("CHECK", conf_check, E_NO_CONTAINER, ns=ns)


def test_mac_from_config_and_restored(cni):
    ns = cni.container(0)
    before = {v["vf"]: v["mac"] for v in cni.vfs()}
    res = cni.ok("ADD", cni.conf(mac="6a:66:2d:48:92:c3"), ns=ns)
    assert res["interfaces"][0]["mac"] == "6a:66:2d:48:92:c3"
    assert link(ns, "net1")["address"] == "6a:66:2d:48:92:c3"
    cni.ok("DEL", cni.conf(), ns=ns)
    assert {v["vf"]: v["mac"] for v in cni.vfs()} == before


SETTINGS = ("vlan", "qos", "vlan_proto", "spoofchk", "trust", "max_tx_rate",
            "state")
DEFAULTS = {"vlan": 0, "qos": 0, "vlan_proto": "802.1Q", "spoofchk": True,
            "trust": False, "max_tx_rate": 0, "state": "auto"}


def settings(cni):
    return {v["vf"]: {k: v[k] for k in SETTINGS} for v in cni.vfs()}


def test_vf_settings_applied_and_restored(cni):
    """sriov-cni's per-VF keys go through `vf set`; DEL (and a failed
    ADD's rollback) puts back what the VF had."""
    ns = cni.container(0)
    assert all(s == DEFAULTS for s in settings(cni).values())
    conf = cni.conf(vlan=10, vlanQoS=3, trust="on", spoofchk="off",
                    max_tx_rate=100, link_state="disable")
    res = cni.ok("ADD", conf, ns=ns)
    vf = next(v for v in cni.vfs() if v["in_use"])
    assert {k: vf[k] for k in SETTINGS} == {
        "vlan": 10, "qos": 3, "vlan_proto": "802.1Q", "spoofchk": False,
        "trust": True, "max_tx_rate": 100, "state": "disable"}
    # link_state disable: up inside the container, but no carrier
    assert vf["link_up"] is False
    l = link(ns, "net1")
    assert "UP" in l["flags"] and "LOWER_UP" not in l["flags"], l
    assert "NO-CARRIER" in l["flags"], l
    conf_check = dict(conf, prevResult=res)
    cni.ok("CHECK", conf_check, ns=ns)
    # changed behind the plugin's back: CHECK says so
    cni.ctl("vf", "set", "pf0", "vf", vf["vf"], "trust", "off")
    out = cni.err("CHECK", conf_check, E_CHECK, ns=ns)
    assert "trust" in out["msg"]
    cni.ctl("vf", "set", "pf0", "vf", vf["vf"], "trust", "on")
    cni.ok("CHECK", conf_check, ns=ns)
    cni.ok("DEL", conf_check, ns=ns)
    assert cni.in_use() == []
    assert all(s == DEFAULTS for s in settings(cni).values())

    # only what a key names is restored: a setting made by hand stays
    cni.ctl("vf", "set", "pf0", "vf", 0, "max_tx_rate", 50)
    cni.ok("ADD", cni.conf(trust="on", link_state="enable"), ns=ns)
    v0 = cni.vfs()[0]
    assert v0["in_use"] and v0["trust"] and v0["state"] == "enable"
    assert v0["max_tx_rate"] == 50
    assert "LOWER_UP" in link(ns, "net1")["flags"]
    cni.ok("DEL", cni.conf(), ns=ns)  # the record, not DEL's config, says
    assert settings(cni)[0] == dict(DEFAULTS, max_tx_rate=50)
    cni.ctl("vf", "set", "pf0", "vf", 0, "max_tx_rate", 0)

    # a failed ADD rolls the settings back too
    before = settings(cni)
    cni.err("ADD", cni.conf(vlan=20, trust="on", link_state="disable",
                            ipam={"type": "no-such-ipam"}), E_CONFIG, ns=ns)
    assert cni.in_use() == [] and settings(cni) == before
    assert "net1" not in sh(["ip", "link"], ns=ns).stdout


def test_vlan_proto(cni):
    """sriov-cni's vlanProto (any case) makes the VF's tag an S-tag;
    CHECK compares it, DEL puts 802.1Q back; 802.1ad without a vlan is a
    bad configuration (code 7) that touches nothing."""
    ns = cni.container(0)
    conf = cni.conf(vlan=30, vlanProto="802.1AD")
    res = cni.ok("ADD", conf, ns=ns)
    vf = next(v for v in cni.vfs() if v["in_use"])
    assert (vf["vlan"], vf["vlan_proto"]) == (30, "802.1ad")
    conf_check = dict(conf, prevResult=res)
    cni.ok("CHECK", conf_check, ns=ns)
    cni.ctl("vf", "set", "pf0", "vf", vf["vf"], "vlan", 30)  # back to 802.1Q
    out = cni.err("CHECK", conf_check, E_CHECK, ns=ns)
    assert "802.1ad" in out["msg"], out
    cni.ok("DEL", conf_check, ns=ns)
    assert all(s == DEFAULTS for s in settings(cni).values())
    ns1 = cni.container(1)
    cni.err("ADD", cni.conf(vlanProto="802.1ad"), E_CONFIG, ns=ns1)
    cni.err("ADD", cni.conf(vlan=5, vlanProto="qinq"), E_CONFIG, ns=ns1)
    assert cni.in_use() == []


def test_del_after_netns_deleted(cni):
    ns = cni.container(0)
    conf = cni.conf()
    res = cni.ok("ADD", conf, ns=ns)
    sh(["ip", "netns", "del", ns])  # the runtime tore the sandbox down
    # DEL without CNI_NETNS (as a runtime does when it is gone)
    cni.ok("DEL", dict(conf, prevResult=res), ns=ns, netns="")
    # the pin kept the namespace alive, so the VF came back
    assert cni.in_use() == []
    assert all(v["netns"] is None and not v.get("gone") for v in cni.vfs())
    cni.ok("DEL", conf, ns=ns, netns="")


def test_del_after_namespace_really_gone(cni):
    """The pin removed by hand too: the namespace dies with the VF in
    it. vflagd makes the VF again in its own namespace (same name and
    MAC); DEL still succeeds and forgets the attachment."""
    ns = cni.container(0)
    conf = cni.conf()
    cni.ok("ADD", conf, ns=ns)
    given = next(v for v in cni.vfs() if v["in_use"])
    pin = given["netns"]
    subprocess.run(["umount", f"/run/netns/{pin}"], check=True)
    os.unlink(f"/run/netns/{pin}")
    sh(["ip", "netns", "del", ns])

    def back():
        v = next(v for v in cni.vfs() if v["ifname"] == given["ifname"])
        return v["netns"] is None and not v["gone"] and \
            v["mac"] == given["mac"]
    wait_for(back, 10, "vflagd to make the VF again")
    cni.ok("DEL", conf, ns=ns, netns="")
    assert not os.listdir(os.path.join(cni.state, cni.network))
    cni.ok("DEL", conf, ns=ns, netns="")
    # the other VFs are still given out
    ns2 = cni.container(1)
    res = cni.ok("ADD", conf, ns=ns2)
    assert res["interfaces"][0]["name"] == "net1"
    cni.ok("DEL", conf, ns=ns2)


def test_bad_input(cni):
    ns = cni.container(0)
    good = cni.conf()
    cni.err("ADD", None, E_DECODE, ns=ns, stdin="{not json")
    cni.err("ADD", cni.conf(version="0.3.1"), E_VERSION, ns=ns)
    cni.err("ADD", cni.conf(pf=None), E_CONFIG, ns=ns)
    cni.err("ADD", cni.conf(bond="bond0"), E_CONFIG, ns=ns)  # pf and bond
    cni.err("ADD", cni.conf(mac="not-a-mac"), E_CONFIG, ns=ns)
    cni.err("ADD", cni.conf(ipam={"subnet": "10.0.0.0/24"}), E_CONFIG, ns=ns)
    # the one sriov-cni key that needs a feature vflag lacks yet
    cni.err("ADD", cni.conf(min_tx_rate=10), E_UNSUPPORTED, ns=ns)
    # bad values of the sriov-cni keys: invalid configuration
    for key, val in (("vlan", 5000), ("vlan", -1), ("vlan", "10"),
                     ("vlanQoS", 8), ("vlanQoS", 3),  # QoS without a VLAN
                     ("spoofchk", True), ("trust", "yes"),
                     ("link_state", "down"), ("max_tx_rate", -1),
                     ("max_tx_rate", 1000001), ("min_tx_rate", -1)):
        cni.err("ADD", cni.conf(**{key: val}), E_CONFIG, ns=ns)
    assert cni.in_use() == []
    # the accepted no-op values of those keys
    res = cni.ok("ADD", cni.conf(vlan=0, vlanQoS=0, spoofchk="on",
                                 trust="off", link_state="auto",
                                 min_tx_rate=0, max_tx_rate=0), ns=ns)
    cni.ok("DEL", good, ns=ns)
    assert res
    # environment
    env_conf = json.dumps(good)
    rc, out = cni.run("ADD", None, stdin=env_conf, ns=ns, cid="-bad")
    assert rc == 1 and out["code"] == E_ENV
    rc, out = cni.run("ADD", None, stdin=env_conf, ns=ns, ifname="a/b")
    assert rc == 1 and out["code"] == E_ENV
    rc, out = cni.run("ADD", None, stdin=env_conf, ns=ns, netns="")
    assert rc == 1 and out["code"] == E_ENV
    cni.err("ADD", good, E_NO_CONTAINER, ns=ns, netns="/nonexistent/ns")
    cni.err("BOGUS", good, E_ENV, ns=ns)
    # unknown PF
    cni.err("ADD", cni.conf(pf="pf9"), E_CONFIG, ns=ns)
    # ADD twice for one attachment; CNI_IFNAME taken in the container
    cni.ok("ADD", good, ns=ns)
    cni.err("ADD", good, E_EXISTS, ns=ns)
    cni.ok("DEL", good, ns=ns)
    sh(["ip", "link", "add", "net1", "type", "veth", "peer", "name",
        "other1"], ns=ns)
    cni.err("ADD", good, E_EXISTS, ns=ns)
    assert cni.in_use() == []
    sh(["ip", "link", "del", "net1"], ns=ns)
    # IPAM plugin missing from CNI_PATH: the VF is rolled back
    cni.err("ADD", cni.conf(ipam={"type": "no-such-ipam"}), E_CONFIG, ns=ns)
    assert cni.in_use() == []
    assert "net1" not in sh(["ip", "link"], ns=ns).stdout
    # IPAM fails (a bad subnet): the VF is rolled back as well
    rc, out = cni.run("ADD", cni.conf(ipam={
        "type": "host-local", "subnet": "nonsense",
        "dataDir": cni.ipam_dir}), ns=ns)
    assert rc == 1 and out["msg"].startswith("host-local ADD")
    assert cni.in_use() == [] and not os.listdir(
        os.path.join(cni.state, cni.network))
    # vflagd unreachable: try again later
    cni.err("ADD", cni.conf(socket=os.path.join(cni.tmp, "none.sock")), 11,
            ns=ns)


def test_no_free_vf_and_concurrent_adds(cni):
    conf = cni.conf()
    nss = [cni.container(i) for i in range(NUMVFS + 1)]
    results, threads = {}, []

    def add(ns):
        env = cni.env("ADD", ns=ns)
        p = subprocess.run([cni.plugin], input=json.dumps(conf),
                           capture_output=True, text=True, env=env,
                           timeout=120)
        results[ns] = (p.returncode, p.stdout + p.stderr)

    for ns in nss[:NUMVFS]:
        threads.append(threading.Thread(target=add, args=(ns,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ns, (rc, out) in results.items():
        assert rc == 0, f"{ns}: {out}"
        assert not any(m in out for m in SANITIZER_MARKS), out
    vfs = cni.vfs()
    assert cni.in_use() == list(range(NUMVFS))
    assert len({v["netns"] for v in vfs}) == NUMVFS
    macs = {json.loads(o)["interfaces"][0]["mac"] for _, o in results.values()}
    ips = {json.loads(o)["ips"][0]["address"] for _, o in results.values()}
    assert len(macs) == NUMVFS and len(ips) == NUMVFS
    # the fifth container: none left
    out = cni.err("ADD", conf, E_NO_FREE_VF, ns=nss[NUMVFS])
    assert "no free VF" in out["msg"]
    for ns in nss[:NUMVFS]:
        cni.ok("DEL", conf, ns=ns)
    assert cni.in_use() == []


def test_ping_between_containers(cni):
    a, b = cni.container(0), cni.container(1)
    conf = cni.conf()
    ra = cni.ok("ADD", conf, ns=a)
    rb = cni.ok("ADD", conf, ns=b)
    ip_b = rb["ips"][0]["address"].split("/")[0]
    p = sh(["ping", "-c", "3", "-i", "0.2", "-W", "2", ip_b], ns=a,
           check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    stats = cni.ctl("stats", f"pf0vf{cni.vfs()[0]['vf']}")
    assert stats["ports"][0]["counters"]["tx_packets"] > 0
    cni.ok("DEL", dict(conf, prevResult=rb), ns=b)
    cni.ok("DEL", dict(conf, prevResult=ra), ns=a)


def test_chain_with_tuning(cni):
    """A conflist [vflag-cni, tuning] run as libcni runs it: each plugin
    gets the previous one's result as prevResult; DEL in reverse order."""
    ns = cni.container(0)
    conflist = {"cniVersion": "1.0.0", "name": cni.network, "plugins": [
        {k: v for k, v in cni.conf().items() if k not in ("cniVersion",
                                                          "name")},
        {"type": "tuning", "mtu": 1400, "promisc": True}]}

    def plugin_conf(i, prev):
        c = dict(conflist["plugins"][i], cniVersion=conflist["cniVersion"],
                 name=conflist["name"])
        if prev is not None:
            c["prevResult"] = prev
        return c

    def exe(i):
        return os.path.join(DEBIAN_CNI, "tuning") if i else cni.plugin

    prev = None
    for i in range(2):
        prev = cni.ok("ADD", plugin_conf(i, prev), plugin=exe(i), ns=ns)
    check_result(prev, "1.0.0", ns)
    l = link(ns, "net1")
    assert l["mtu"] == 1400 and "PROMISC" in l["flags"]
    for i in range(2):
        cni.ok("CHECK", plugin_conf(i, prev), plugin=exe(i), ns=ns)
    for i in (1, 0):
        cni.ok("DEL", plugin_conf(i, prev), plugin=exe(i), ns=ns)
    assert cni.in_use() == []


def test_status(cni):
    cni.ok("STATUS", cni.conf(version="1.1.0"))
    cni.err("STATUS", cni.conf(version="1.1.0", pf="pf9"), E_UNAVAILABLE)
    cni.err("STATUS", cni.conf(version="1.1.0", ipam={"type": "nope"}),
            E_UNAVAILABLE)
    cni.err("STATUS", cni.conf(version="1.1.0",
                               socket=os.path.join(cni.tmp, "none.sock")),
            E_UNAVAILABLE)
    # a bond: distributing while its member has carrier
    cni.ctl("bond", "add", "bond0", "mode", "active-backup", "miimon", 100,
            "members", "pf0")
    conf = cni.conf(version="1.1.0", pf=None, bond="bond0",
                    requireDistributing=True)
    wait_for(lambda: cni.run("STATUS", conf)[0] == 0, 10, "bond up")
    ns = cni.container(0)
    res = cni.ok("ADD", cni.conf(version="1.1.0", pf=None, bond="bond0"),
                 ns=ns)
    assert res["interfaces"][0]["name"] == "net1"
    sh(["ip", "link", "set", cni.peer, "down"], ns=cni.sw_ns)
    wait_for(lambda: cni.run("STATUS", conf)[1] and
             cni.last["rc"] == 1 and
             json.loads(cni.last["stdout"])["code"] == E_LIMITED, 10,
             "STATUS to report the bond down")
    sh(["ip", "link", "set", cni.peer, "up"], ns=cni.sw_ns)
    cni.ok("DEL", cni.conf(version="1.1.0", pf=None, bond="bond0"), ns=ns)
    cni.ctl("bond", "del", "bond0")
    cni.stop_vflagd()
    cni.err("STATUS", cni.conf(version="1.1.0"), E_UNAVAILABLE)


def test_gc(cni):
    a, b, c = cni.container(0), cni.container(1), cni.container(2)
    conf = cni.conf(version="1.1.0")
    for ns in (a, b, c):
        # b's VF gets settings: GC resets them as DEL does
        cni.ok("ADD", dict(conf, vlan=7, trust="on") if ns == b else conf,
               ns=ns)
    assert cni.in_use() == [0, 1, 2]
    assert settings(cni)[1]["vlan"] == 7
    leased = set(os.listdir(os.path.join(cni.ipam_dir, cni.network)))
    gc = dict(conf, **{"cni.dev/valid-attachments": [
        {"containerID": cni.cid(a), "ifname": "net1"},
        {"containerID": cni.cid(c), "ifname": "net1"}]})
    cni.ok("GC", gc)
    still = [v for v in cni.vfs() if v["in_use"]]
    assert len(still) == 2
    assert settings(cni)[1] == DEFAULTS
    # b's VF and IP are free again; a's and c's are untouched
    assert len(set(os.listdir(os.path.join(cni.ipam_dir, cni.network)))) \
        == len(leased) - 1
    assert sorted(os.listdir(os.path.join(cni.state, cni.network))) == \
        sorted(f"{cni.cid(n)}:net1" for n in (a, c))
    cni.ok("GC", gc)  # nothing more to do
    cni.ok("DEL", conf, ns=b)  # the runtime's DEL after GC: still fine
    cni.ok("GC", dict(conf, **{"cni.dev/valid-attachments": []}))
    assert cni.in_use() == []


def test_netns_as_proc_path(cni):
    """CNI_NETNS as /proc/PID/ns/net (how containerd and cri-o pass it
    for a sandbox process), not a /run/netns name."""
    ns = cni.container(0)
    holder = subprocess.Popen(["ip", "netns", "exec", ns, "sleep", "60"],
                              start_new_session=True)
    try:
        path = f"/proc/{holder.pid}/ns/net"
        wait_for(lambda: os.stat(path).st_ino ==
                 os.stat(f"/run/netns/{ns}").st_ino, 5, "sleep in netns")
        conf = cni.conf()
        res = cni.ok("ADD", conf, ns=ns, netns=path)
        assert res["interfaces"][0]["sandbox"] == path
        assert link(ns, "net1")["address"] == res["interfaces"][0]["mac"]
        cni.ok("CHECK", dict(conf, prevResult=res), ns=ns, netns=path)
        cni.ok("DEL", dict(conf, prevResult=res), ns=ns, netns=path)
        assert cni.in_use() == []
    finally:
        os.kill(holder.pid, signal.SIGTERM)
        holder.wait(timeout=10)


def test_bond_spans_pfs(cni):
    """With "bond", VFs come from any PF of the bond: pf0's run out,
    pf1's are given next."""
    up1, peer1 = f"cv{cni.tag}", f"ct{cni.tag}"
    sh(["ip", "link", "add", up1, "netns", cni.host_ns, "type", "veth",
        "peer", "name", peer1, "netns", cni.sw_ns])
    sh(["ip", "link", "set", up1, "up"], ns=cni.host_ns)
    sh(["ip", "link", "set", peer1, "up"], ns=cni.sw_ns)
    cni.ctl("pf", "add", "pf1", "dev", up1)
    cni.ctl("pf", "set", "pf1", "numvfs", 1)
    cni.ctl("bond", "add", "bond0", "mode", "active-backup", "members",
            "pf0", "pf1")
    conf = cni.conf(pf=None, bond="bond0")
    nss = [cni.container(i) for i in range(NUMVFS + 2)]
    for ns in nss[:NUMVFS + 1]:
        cni.ok("ADD", conf, ns=ns)
    pf1 = cni.ctl("vf", "show", "pf1")["vfs"]
    assert cni.in_use() == list(range(NUMVFS)) and pf1[0]["in_use"]
    cni.err("ADD", conf, E_NO_FREE_VF, ns=nss[-1])
    for ns in nss[:NUMVFS + 1]:
        cni.ok("DEL", conf, ns=ns)
    assert not cni.ctl("vf", "show", "pf1")["vfs"][0]["in_use"]
    cni.ctl("bond", "del", "bond0")
