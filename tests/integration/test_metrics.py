"""vflagd's Prometheus endpoint and `vflagctl monitor`, self-contained
(no shared lab helpers): everything lives in namespaces this file makes,
vflagd included, so its metrics port is on a loopback of its own.

    vm ns              host ns (vflagd -m 127.0.0.1:PORT)     switch ns        client ns
  [vf0 10.93.0.1] -- eswitch -- bond mode 1 (up0, up1) == sw0/sw1 [bridge] sc -- cl 10.93.0.2

A ping from the VM keeps frames flowing while the active member's link is
cut, so the failover histograms have something to measure. The text is
checked with `promtool check metrics`, and scraped by a real Prometheus
when Debian's prometheus package is installed.

Run as root with Debian's interpreter: /usr/bin/python3 -m pytest."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("VFLAG_BUILD", "build"))
VFLAGD = os.path.join(BUILD, "src", "vflagd", "vflagd")
VFLAGCTL = os.path.join(BUILD, "src", "vflagctl", "vflagctl")
PORT = 9477  # the default: the host namespace's loopback is ours alone
PROM_PORT = 9478
VM_IP, CL_IP = "10.93.0.1", "10.93.0.2"
VF_MAC = "02:93:00:00:00:01"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def run(*argv, ns=None, check=True, timeout=30):
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    return subprocess.run(argv, check=check, capture_output=True, text=True,
                          timeout=timeout)


def wait_for(pred, timeout, what, interval=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Net:
    """The namespaces, links and processes of one test; close() removes
    them all (processes by PID, namespaces with their links)."""

    def __init__(self):
        self.tag = f"{os.getpid() % 10000:04d}"
        t = self.tag
        self.ns = {r: f"vfm{r}{t}" for r in ("h", "sw", "vm", "cl")}
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="vflag-metrics-")
        self.sock = os.path.join(self.tmp, "vflagd.sock")
        self.pfs = [f"ma{t}", f"mb{t}"]
        self.bond = f"mbd{t}"
        self.up = [f"mup0{t}", f"mup1{t}"]
        self.sw = [f"msw0{t}", f"msw1{t}"]
        self.vf = f"{self.pfs[0]}vf0"
        for ns in self.ns.values():
            run("ip", "netns", "add", ns)
            run("ip", "link", "set", "lo", "up", ns=ns)

    def veth(self, a, a_ns, b, b_ns):
        run("ip", "link", "add", a, "netns", a_ns, "type", "veth",
            "peer", "name", b, "netns", b_ns)
        run("ip", "link", "set", a, "up", ns=a_ns)
        run("ip", "link", "set", b, "up", ns=b_ns)

    def popen(self, argv, ns, log):
        f = open(os.path.join(self.tmp, log), "w")
        p = subprocess.Popen(("ip", "netns", "exec", ns) + tuple(argv),
                             stdout=f, stderr=subprocess.STDOUT)
        self.procs.append((p, f))
        return p

    def log(self, name):
        with open(os.path.join(self.tmp, name)) as f:
            return f.read()

    def stop(self, p, timeout=20):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                return p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                return p.wait()
        return p.returncode

    def close(self):
        for p, f in reversed(self.procs):
            self.stop(p)
            f.close()
        for ns in self.ns.values():
            run("ip", "netns", "del", ns, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def net():
    n = Net()
    yield n
    n.close()
    left = run("ip", "netns", "list").stdout
    assert not any(ns in left for ns in n.ns.values()), left


def ctl(net, *args, check=True):
    r = run(VFLAGCTL, "-s", net.sock, *map(str, args), check=False)
    if check and r.returncode:
        raise AssertionError(f"vflagctl {' '.join(map(str, args))}: "
                             f"{r.returncode} {r.stderr}")
    return r


def start(net, metrics=f"127.0.0.1:{PORT}", miimon=100):
    """vflagd in the host namespace, the bond over a bridge, a VF in the
    VM namespace, and connectivity proven."""
    h, sw = net.ns["h"], net.ns["sw"]
    for i in range(2):
        net.veth(net.up[i], h, net.sw[i], sw)
    net.veth("mcl", net.ns["cl"], "msc", sw)
    run("ip", "link", "add", "br0", "type", "bridge", ns=sw)
    for p in net.sw + ["msc"]:
        run("ip", "link", "set", p, "master", "br0", ns=sw)
    run("ip", "link", "set", "br0", "up", ns=sw)
    run("ip", "addr", "add", f"{CL_IP}/24", "dev", "mcl", ns=net.ns["cl"])
    d = net.popen([VFLAGD, "-s", net.sock, "-m", metrics, "--teardown-on-exit"],
                  h, "vflagd.log")
    wait_for(lambda: d.poll() is not None or
             ctl(net, "show", check=False).returncode == 0, 15,
             "vflagd to serve")
    assert d.poll() is None, net.log("vflagd.log")
    for i in range(2):
        ctl(net, "pf", "add", net.pfs[i], "dev", net.up[i])
        ctl(net, "pf", "set", net.pfs[i], "numvfs", 1)
    ctl(net, "bond", "add", net.bond, "mode", "active-backup", "miimon", miimon,
        "members", *net.pfs)
    ctl(net, "vf", "set", net.pfs[0], "vf", 0, "mac", VF_MAC, "netns",
        net.ns["vm"])
    vm = net.ns["vm"]
    run("ip", "link", "set", net.vf, "up", ns=vm)
    run("ip", "addr", "add", f"{VM_IP}/24", "dev", net.vf, ns=vm)
    wait_for(lambda: run("ping", "-c1", "-W1", CL_IP, ns=vm,
                         check=False).returncode == 0, 20, "connectivity",
             interval=0.2)
    return d


def bond(net):
    return json.loads(ctl(net, "-j", "bond", "show", net.bond).stdout)[
        "bonds"][0]


def scrape(net, port=PORT):
    """The exposition, fetched from inside the host namespace."""
    r = run("python3", "-c",
            "import sys, urllib.request;"
            f"r = urllib.request.urlopen('http://127.0.0.1:{port}/metrics',"
            " timeout=5);"
            "sys.stdout.write(r.headers['Content-Type'] + '\\n');"
            "sys.stdout.write(r.read().decode())", ns=net.ns["h"])
    ctype, _, text = r.stdout.partition("\n")
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    return text


def samples(text, name, **labels):
    """The values of the samples of name that have labels."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"',
                               m.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            out.append(float(m.group(4)))
    return out


def sample(text, name, **labels):
    """The value of the first sample of name that has labels, or None."""
    v = samples(text, name, **labels)
    return v[0] if v else None


def promtool_check(text):
    if not shutil.which("promtool"):
        pytest.skip("promtool not installed (Debian's prometheus)")
    r = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("miimon", [0, 100])
def test_metrics_after_a_failover(net, miimon):
    """miimon 0: rtnetlink reports the loss; 100: the poll usually sees
    it first (linkwatch delays the message). Both start the timeline."""
    d = start(net, miimon=miimon)
    text = scrape(net)
    promtool_check(text)
    b = bond(net)
    active = b["active"]
    backup = next(p for p in net.pfs if p != active)
    assert sample(text, "vflag_bond_members", bond=net.bond) == 2
    assert sample(text, "vflag_bond_active_members", bond=net.bond) == 2
    assert sample(text, "vflag_bond_member_active", bond=net.bond,
                  member=active) == 1
    assert sample(text, "vflag_port_rx_packets_total", port=active,
                  kind="uplink") > 0
    assert sample(text, "vflag_port_drops_total", port=net.vf,
                  reason="spoof") == 0
    assert sample(text, "vflag_failover_outage_seconds_count",
                  bond=net.bond) == 0

    # Frames flow from the VM while the active member's link is cut.
    ping = net.popen(["ping", "-i", "0.01", "-q", CL_IP], net.ns["vm"],
                     "ping.log")
    time.sleep(0.3)
    i = net.pfs.index(active)
    run("ip", "link", "set", net.sw[i], "down", ns=net.ns["sw"])
    wait_for(lambda: bond(net)["active"] == backup, 10, "the failover")
    wait_for(lambda: sample(scrape(net), "vflag_failover_outage_seconds_count",
                            bond=net.bond), 10, "the outage measured")
    net.stop(ping)

    text = scrape(net)
    promtool_check(text)
    excerpt = [l for l in text.splitlines()
               if l.startswith(("vflag_failover", "vflag_bond_")) or
               (l.startswith("vflag_port_lag_tx_packets_total") and
                'kind="uplink"' in l)]
    print("\n".join(excerpt))
    publish = sample(text, "vflag_failover_publish_seconds_count",
                     bond=net.bond)
    outage = sample(text, "vflag_failover_outage_seconds_count",
                    bond=net.bond)
    assert publish >= 1 and outage == 1, (publish, outage)
    # The whole failover took well under a second, in the datapath's eyes.
    assert sample(text, "vflag_failover_outage_seconds_bucket",
                  bond=net.bond, le="1") == 1
    assert sample(text, "vflag_failover_outage_seconds_sum",
                  bond=net.bond) < 1
    assert sum(samples(text, "vflag_failover_events_total",
                       bond=net.bond)) >= 1
    assert sample(text, "vflag_bond_active_members", bond=net.bond) == 1
    assert sample(text, "vflag_bond_member_up", bond=net.bond,
                  member=active) == 0
    assert sample(text, "vflag_bond_member_active", bond=net.bond,
                  member=backup) == 1
    assert sample(text, "vflag_bond_member_link_failures_total",
                  bond=net.bond, member=active) >= 1
    assert sample(text, "vflag_port_lag_tx_packets_total", port=backup,
                  kind="uplink") > 0
    assert net.stop(d) == 0, net.log("vflagd.log")


def test_monitor_json(net):
    start(net)
    ping = net.popen(["ping", "-i", "0.01", "-q", CL_IP], net.ns["vm"],
                     "ping.log")
    time.sleep(0.2)
    r = ctl(net, "-j", "monitor", net.bond, "-i", "0.3", "-n", "2")
    net.stop(ping)
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout
    active = bond(net)["active"]
    for line in lines:
        iv = json.loads(line)
        print(line)
        assert set(iv) == {"interval", "bonds"}
        assert 0.2 < iv["interval"] < 1.5
        (b,) = iv["bonds"]
        assert (b["name"], b["mode"], b["carrier"], b["active"]) == \
            (net.bond, "active-backup", True, active)
        members = {m["name"]: m for m in b["members"]}
        assert set(members) == set(net.pfs)
        for m in members.values():
            assert set(m) == {"name", "dev", "link", "state", "tx",
                              "lacp_mux", "rx_pps", "tx_pps",
                              "rx_bytes_per_s", "tx_bytes_per_s",
                              "rx_packets", "tx_packets", "rx_bytes",
                              "tx_bytes"}
            assert m["lacp_mux"] is None  # mode 1: no LACP
        # ping -i 0.01: about 100 frames a second each way, on the active
        assert members[active]["state"] == "active"
        assert members[active]["tx_pps"] > 30, members[active]
        assert members[active]["tx_bytes_per_s"] > 30 * 60
    # Text, not a terminal: plain lines, no ANSI.
    r = ctl(net, "monitor", "-i", "0.1", "-n", "1")
    assert "\033" not in r.stdout
    assert re.search(r"MEMBER\s+DEV\s+LINK\s+STATE", r.stdout), r.stdout
    assert ctl(net, "monitor", "-n", "0", check=False).returncode == 2
    assert ctl(net, "monitor", "nosuch", "-n", "1",
               check=False).returncode == 1


def test_port_taken_runs_without_metrics(net):
    """Another listener on the port: vflagd warns and serves anyway."""
    h = net.ns["h"]
    holder = net.popen(["python3", "-c",
                        "import socket, time; s = socket.socket();"
                        f"s.bind(('127.0.0.1', {PORT})); s.listen();"
                        "time.sleep(60)"], h, "holder.log")
    wait_for(lambda: f":{PORT} " in run("ss", "-ltn", ns=h).stdout, 10,
             "the holder to listen")
    d = start(net)
    assert "going on without metrics" in net.log("vflagd.log")
    net.stop(holder)
    assert net.stop(d) == 0


def test_metrics_none(net):
    d = start(net, metrics="none")
    r = run("python3", "-c",
            "import urllib.request;"
            f"urllib.request.urlopen('http://127.0.0.1:{PORT}/metrics',"
            " timeout=2)", ns=net.ns["h"], check=False)
    assert r.returncode != 0
    assert net.stop(d) == 0


def test_real_prometheus_scrapes(net):
    prom = shutil.which("prometheus")
    if not prom:
        pytest.skip("prometheus not installed")
    start(net)
    cfg = os.path.join(net.tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n"
                "scrape_configs:\n  - job_name: vflagd\n"
                f"    static_configs:\n      - targets: ['127.0.0.1:{PORT}']\n")
    net.popen([prom, f"--config.file={cfg}",
               f"--storage.tsdb.path={net.tmp}/tsdb",
               f"--web.listen-address=127.0.0.1:{PROM_PORT}"],
              net.ns["h"], "prometheus.log")

    def query():
        r = run("python3", "-c",
                "import sys, urllib.request, urllib.parse;"
                "q = urllib.parse.quote('vflag_bond_members');"
                f"u = 'http://127.0.0.1:{PROM_PORT}/api/v1/query?query=' + q;"
                "sys.stdout.write(urllib.request.urlopen(u, timeout=2)"
                ".read().decode())", ns=net.ns["h"], check=False)
        if r.returncode:
            return None
        res = json.loads(r.stdout)["data"]["result"]
        return res or None

    res = wait_for(query, 60, "Prometheus to scrape vflagd", interval=0.5)
    assert res[0]["metric"]["bond"] == net.bond
    assert res[0]["value"][1] == "2"


def test_lacp_metrics_between_two_vflagds(net):
    """Two vflagds in mode 802.3ad, each the other's LACP partner over
    two veth pairs (host ns h and the switch ns): the LACP families."""
    h, sw = net.ns["h"], net.ns["sw"]
    sock2 = os.path.join(net.tmp, "vflagd2.sock")
    for i in range(2):
        net.veth(net.up[i], h, net.sw[i], sw)
    ds = []
    for ns, sock, log in ((h, net.sock, "vflagd.log"),
                          (sw, sock2, "vflagd2.log")):
        d = net.popen([VFLAGD, "-s", sock, "--teardown-on-exit"], ns, log)
        wait_for(lambda: d.poll() is not None or run(
            VFLAGCTL, "-s", sock, "show", check=False).returncode == 0, 15,
            "vflagd to serve")
        assert d.poll() is None, net.log(log)
        ds.append(d)
    for sock, devs in ((net.sock, net.up), (sock2, net.sw)):
        for i in range(2):
            run(VFLAGCTL, "-s", sock, "pf", "add", net.pfs[i], "dev", devs[i])
        run(VFLAGCTL, "-s", sock, "bond", "add", net.bond, "mode", "802.3ad",
            "lacp_rate", "fast", "miimon", "100", "members", *net.pfs)

    def distributing():
        text = scrape(net)
        states = samples(text, "vflag_lacp_actor_state", bond=net.bond)
        return text if len(states) == 2 and all(
            int(s) & 0x30 == 0x30 for s in states) else None

    text = wait_for(distributing, 20, "both members distributing",
                    interval=0.2)
    promtool_check(text)
    print("\n".join(l for l in text.splitlines() if l.startswith(
        "vflag_lacp")))
    for pf in net.pfs:
        assert sample(text, "vflag_lacp_pdus_rx_total", bond=net.bond,
                      member=pf) > 0
        assert sample(text, "vflag_lacp_pdus_tx_total", bond=net.bond,
                      member=pf) > 0
        assert sample(text, "vflag_lacp_pdus_illegal_total", bond=net.bond,
                      member=pf) == 0
        assert sample(text, "vflag_lacp_actor_churn", bond=net.bond,
                      member=pf) == 0
        assert sample(text, "vflag_lacp_selected", bond=net.bond,
                      member=pf) == 1
        assert int(sample(text, "vflag_lacp_partner_state", bond=net.bond,
                          member=pf)) & 0x3c == 0x3c
    assert sample(text, "vflag_bond_active_members", bond=net.bond) == 2
    r = ctl(net, "-j", "monitor", "-i", "0.2", "-n", "1")
    (b,) = json.loads(r.stdout)["bonds"]
    assert {m["lacp_mux"] for m in b["members"]} == \
        {"COLLECTING_DISTRIBUTING"}
    for d in ds:
        assert net.stop(d) == 0


def test_stalled_scrapers_do_not_stall_vflagd(net):
    """libmicrohttpd runs on vflagd's loop: clients that stop mid-request
    must cost neither the control socket nor other scrapes."""
    start(net)
    net.popen(["python3", "-c",
               "import socket, time; ss = []\n"
               "for _ in range(8):\n"
               "    s = socket.create_connection(('127.0.0.1', %d))\n"
               "    s.sendall(b'GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n')\n"
               "    ss.append(s)\n"
               "print('stalled', flush=True); time.sleep(30)" % PORT],
              net.ns["h"], "stall.log")
    wait_for(lambda: "stalled" in net.log("stall.log"), 10, "the stallers")
    t0 = time.monotonic()
    ctl(net, "show")
    text = scrape(net)
    assert time.monotonic() - t0 < 2
    assert sample(text, "vflag_bond_members", bond=net.bond) == 2
