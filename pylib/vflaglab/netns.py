"""Network namespaces, veth links and processes owned by one test.

A Lab holds a random 4-hex-digit tag that goes into every namespace and
interface name it creates, so concurrent runs (and leftovers of a killed
run) never collide, and a stack of cleanups that close() runs in reverse
order. Nothing here touches an interface whose name lacks the tag."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

IFNAMSIZ = 15  # usable characters in a Linux interface name


class CommandError(RuntimeError):
    def __init__(self, argv, proc):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        super().__init__(f"{' '.join(argv)} -> exit {proc.returncode}: "
                         f"{(proc.stderr or proc.stdout or '').strip()}")


def ns_argv(argv, ns=None):
    """argv run inside namespace `ns` (None: the current one)."""
    argv = [str(a) for a in argv]
    return ["ip", "netns", "exec", str(ns)] + argv if ns else argv


def sh(argv, ns=None, check=True, timeout=60, input=None, env=None):
    """Runs argv (in namespace ns) to completion; returns CompletedProcess.
    Raises CommandError on a non-zero exit when check is true."""
    full = ns_argv(argv, ns)
    proc = subprocess.run(full, capture_output=True, text=True,
                          timeout=timeout, input=input, env=env)
    if check and proc.returncode != 0:
        raise CommandError(full, proc)
    return proc


def wait_for(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a true value (returned) or timeout
    seconds pass (TimeoutError)."""
    deadline = time.monotonic() + timeout
    while True:
        val = pred()
        if val:
            return val
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def link_exists(ifname, ns=None):
    return sh(["ip", "link", "show", "dev", ifname], ns=ns,
              check=False).returncode == 0


def link_stats(ifname, ns=None):
    """The kernel's counters of a link: dict with rx_packets, tx_packets,
    rx_bytes, tx_bytes, rx_dropped, tx_dropped."""
    out = sh(["ip", "-j", "-s", "link", "show", "dev", ifname], ns=ns).stdout
    s = json.loads(out)[0]["stats64"]
    return {"rx_packets": s["rx"]["packets"], "rx_bytes": s["rx"]["bytes"],
            "rx_dropped": s["rx"]["dropped"],
            "tx_packets": s["tx"]["packets"], "tx_bytes": s["tx"]["bytes"],
            "tx_dropped": s["tx"]["dropped"]}


def link_names(ns=None):
    out = sh(["ip", "-j", "link", "show"], ns=ns).stdout
    return [l["ifname"] for l in json.loads(out)]


class Proc:
    """A process a Lab started; stopped by its own PID only."""

    def __init__(self, argv, popen, log_path, name):
        self.argv = argv
        self.popen = popen
        self.pid = popen.pid
        self.log_path = log_path
        self.name = name

    def running(self):
        return self.popen.poll() is None

    def wait(self, timeout=None):
        return self.popen.wait(timeout=timeout)

    def send_signal(self, sig):
        if self.running():
            os.kill(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig, waits up to timeout s, then SIGKILL; returns the exit
        status (negative: killed by that signal)."""
        if self.running():
            try:
                os.kill(self.pid, sig)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        return self.popen.wait()

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Netns:
    """One network namespace of a Lab."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name

    def __str__(self):
        return self.name

    def sh(self, argv, **kw):
        return sh(argv, ns=self.name, **kw)

    def ip(self, *args, **kw):
        return sh(["ip"] + list(args), ns=self.name, **kw)

    def popen(self, argv, name=None, **kw):
        return self.lab.popen(argv, ns=self.name, name=name, **kw)

    def addr(self, ifname, cidr):
        self.ip("addr", "add", cidr, "dev", ifname)

    def up(self, ifname):
        self.ip("link", "set", "dev", ifname, "up")

    def tx_csum_off(self, ifname):
        """Hosts talking through OVS's userspace datapath must not leave
        checksums to offload (it drops such TCP/UDP): MACHINE-NOTES."""
        sh(["ethtool", "-K", ifname, "tx", "off"], ns=self.name)


class Lab:
    """Owns a test's namespaces, root-namespace links, processes and temp
    dir; close() removes all of it, newest first."""

    def __init__(self, prefix="vf"):
        self.prefix = prefix
        existing = set(link_names()) | set(_netns_names())
        while True:
            self.tag = secrets.token_hex(2)
            if not any(self.tag in n for n in existing):
                break
        self.tmp = tempfile.mkdtemp(prefix=f"vflag-{self.tag}-")
        self._undo = []  # (description, callable)
        self.closed = False

    # -- naming ---------------------------------------------------------
    def ifname(self, role):
        """An interface name: role followed by the tag (<= 15 chars)."""
        name = f"{role}{self.tag}"
        assert len(name) <= IFNAMSIZ, f"interface name too long: {name}"
        return name

    def ours(self, name):
        """Refuses (AssertionError) to act on a link this Lab did not name."""
        assert self.tag in str(name), f"{name} was not created by this test"
        return name

    # -- resources ------------------------------------------------------
    def defer(self, what, fn):
        self._undo.append((what, fn))

    def netns(self, role):
        name = f"{self.prefix}{self.tag}{role}"
        sh(["ip", "netns", "add", name])
        self.defer(f"netns {name}", lambda: sh(["ip", "netns", "del", name],
                                               check=False))
        sh(["ip", "link", "set", "lo", "up"], ns=name)
        return Netns(self, name)

    def veth(self, a, a_ns, b, b_ns, up=True):
        """A veth pair a (in namespace a_ns, None = root) <-> b (in b_ns).
        Names must carry the tag (use ifname())."""
        self.ours(a)
        self.ours(b)
        argv = ["ip", "link", "add", "name", a]
        if a_ns:
            argv += ["netns", str(a_ns)]
        argv += ["type", "veth", "peer", "name", b]
        if b_ns:
            argv += ["netns", str(b_ns)]
        sh(argv)
        # A veth pair vanishes with either end's namespace; ends left in
        # the root namespace are deleted explicitly.
        for end, ns in ((a, a_ns), (b, b_ns)):
            if ns is None:
                self.defer(f"link {end}", lambda end=end: sh(
                    ["ip", "link", "del", "dev", end], check=False))
        if up:
            sh(["ip", "link", "set", "dev", a, "up"], ns=a_ns and str(a_ns))
            sh(["ip", "link", "set", "dev", b, "up"], ns=b_ns and str(b_ns))
        return a, b

    def popen(self, argv, ns=None, name=None, env=None, stdout=None,
              stdin=subprocess.DEVNULL):
        """Starts argv (in namespace ns) with stderr (and stdout unless
        given) to a log file in the temp dir; stopped on close()."""
        name = name or os.path.basename(str(argv[0]))
        log_path = os.path.join(self.tmp, f"{name}.{len(self._undo)}.log")
        log = open(log_path, "w")
        full = ns_argv(argv, ns and str(ns))
        popen = subprocess.Popen(full, stdout=stdout if stdout is not None
                                 else log, stderr=log, stdin=stdin, env=env,
                                 start_new_session=True)
        log.close()
        proc = Proc(full, popen, log_path, name)
        self.defer(f"process {name} ({proc.pid})", proc.stop)
        return proc

    def path(self, name):
        return os.path.join(self.tmp, name)

    def close(self):
        """Undoes everything, newest first; keeps going past failures and
        raises the first one at the end."""
        if self.closed:
            return
        self.closed = True
        first = None
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - report after cleanup
                first = first or RuntimeError(f"cleanup of {what}: {e}")
        if os.environ.get("VFLAG_KEEP_TMP"):
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if first:
            raise first

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _netns_names():
    out = sh(["ip", "-j", "netns", "list"], check=False).stdout.strip()
    if not out:
        return []
    return [n["name"] for n in json.loads(out)]
