"""Traffic between namespaces: iperf3 (JSON results) and the UDP outage
meter (udpflows.py)."""

import json
import os
import signal
import sys
import time

from .netns import sh, wait_for

UDPFLOWS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "udpflows.py")
PYTHON = "/usr/bin/python3"  # Debian's; see MACHINE-NOTES


def ping(ns, dst, count=3, interval=0.2, timeout=10):
    """True when at least one echo reply came back."""
    p = sh(["ping", "-c", count, "-i", interval, "-W", "1", "-n", dst],
           ns=str(ns), check=False, timeout=timeout + count)
    return p.returncode == 0


def wait_ping(ns, dst, timeout=10):
    """Pings until a reply comes; returns the seconds it took."""
    t0 = time.monotonic()
    wait_for(lambda: ping(ns, dst, count=1, timeout=2), timeout,
             interval=0.1, what=f"ping {dst} from {ns}")
    return time.monotonic() - t0


def listening(ns, port, proto="t"):
    """True when something listens on TCP (proto t) or UDP (u) port."""
    out = sh(["ss", f"-{proto}lnH", "sport", "=", f":{port}"], ns=str(ns),
             check=False).stdout
    return bool(out.strip())


class Iperf3Server:
    def __init__(self, lab, ns, bind=None, port=5201):
        self.lab = lab
        self.ns = str(ns)
        self.port = port
        argv = ["iperf3", "-s", "-p", port]
        if bind:
            argv += ["-B", bind]
        self.proc = lab.popen(argv, ns=self.ns, name=f"iperf3-s-{self.ns}")
        wait_for(lambda: listening(self.ns, port) or not self.proc.running(),
                 10, what="iperf3 server")
        if not self.proc.running():
            raise RuntimeError(f"iperf3 server died: {self.proc.log()}")

    def stop(self):
        self.proc.stop()


def _iperf3_argv(server, port, parallel, seconds, reverse, udp, bitrate,
                 extra):
    argv = ["iperf3", "-c", server, "-p", port, "-P", parallel, "-t", seconds,
            "-J", "--connect-timeout", "3000"]
    if reverse:
        argv.append("-R")
    if udp:
        argv += ["-u", "-b", bitrate or "100M"]
    elif bitrate:
        argv += ["-b", bitrate]
    return argv + list(extra)


def _iperf3_result(rc, stdout, stderr, udp):
    try:
        res = json.loads(stdout)
    except ValueError:
        raise RuntimeError(f"iperf3 gave no JSON (exit {rc}): "
                           f"{stdout[-2000:]} {stderr[-2000:]}")
    if "error" in res:
        raise RuntimeError(f"iperf3: {res['error']}")
    end = res["end"]
    if udp:
        s = end["sum"]
        return {"sent_bps": s["bits_per_second"],
                "received_bps": s["bits_per_second"] *
                (1 - s.get("lost_percent", 0) / 100.0),
                "lost_percent": s.get("lost_percent"), "json": res}
    return {"sent_bps": end["sum_sent"]["bits_per_second"],
            "received_bps": end["sum_received"]["bits_per_second"],
            "retransmits": end["sum_sent"].get("retransmits"), "json": res}


def iperf3(ns, server, port=5201, parallel=10, seconds=3, reverse=False,
           udp=False, bitrate=None, extra=()):
    """Runs an iperf3 client to completion in namespace ns; returns
    {"sent_bps", "received_bps", "retransmits", "json"}."""
    argv = _iperf3_argv(server, port, parallel, seconds, reverse, udp,
                        bitrate, extra)
    p = sh(argv, ns=str(ns), check=False, timeout=seconds + 30)
    return _iperf3_result(p.returncode, p.stdout, p.stderr, udp)


class Iperf3Client:
    """An iperf3 client in the background, so counters can be sampled
    while it runs:  c = Iperf3Client(lab, ns, ip, seconds=6).start();
    ...; res = c.result()."""

    def __init__(self, lab, ns, server, port=5201, parallel=10, seconds=5,
                 reverse=False, udp=False, bitrate=None, extra=()):
        self.lab, self.ns, self.seconds, self.udp = lab, str(ns), seconds, udp
        self.argv = _iperf3_argv(server, port, parallel, seconds, reverse,
                                 udp, bitrate, extra)
        self.out = lab.path(f"iperf3-c-{time.monotonic_ns()}.json")
        self.proc = None

    def start(self):
        self._fh = open(self.out, "w")
        self.proc = self.lab.popen(self.argv, ns=self.ns, name="iperf3-c",
                                   stdout=self._fh)
        self._fh.close()
        return self

    def result(self):
        rc = self.proc.wait(timeout=self.seconds + 30)
        with open(self.out) as fh:
            return _iperf3_result(rc, fh.read(), self.proc.log(), self.udp)


class OutageMeter:
    """UDP flows from ns_src to dst (in ns_dst) while something happens:
        m = OutageMeter(lab, client, vm, "1.1.1.1").start()
        ... fail a link, wait ...
        r = m.stop()      # udpflows.summarize(): {"max_gap_ms", "lost",
                          #   "received", "silent_flows", "flows", ...}
    The window runs from the sender's first packet (or t_from) to the
    moment stop() is called: a flow silent until then is an outage up to
    that moment (udpflows.py)."""

    def __init__(self, lab, ns_src, ns_dst, dst, port=9000, flows=16,
                 interval_ms=5.0, sport_base=40000, duration=0):
        self.lab = lab
        self.ns_src, self.ns_dst = str(ns_src), str(ns_dst)
        self.dst, self.port = dst, port
        self.flows, self.interval_ms = flows, interval_ms
        self.sport_base = sport_base
        self.duration = duration
        n = time.monotonic_ns()
        self.out = lab.path(f"udpflows-{port}-{n}.rx.json")
        self.sent = lab.path(f"udpflows-{port}-{n}.tx.json")
        self.rx = self.tx = None

    def start(self, settle=0.3):
        self.rx = self.lab.popen([PYTHON, UDPFLOWS, "recv", "--bind",
                                  self.dst, "--port", self.port, "--out",
                                  self.out], ns=self.ns_dst, name="udp-recv")
        wait_for(lambda: "ready" in self.rx.log() or not self.rx.running(),
                 10, what="udpflows receiver")
        if not self.rx.running():
            raise RuntimeError(f"udpflows receiver died: {self.rx.log()}")
        self.tx = self.lab.popen([PYTHON, UDPFLOWS, "send", "--dst", self.dst,
                                  "--port", self.port, "--flows", self.flows,
                                  "--interval-ms", self.interval_ms,
                                  "--duration", self.duration,
                                  "--sport-base", self.sport_base,
                                  "--out", self.sent],
                                 ns=self.ns_src, name="udp-send")
        time.sleep(settle)
        return self

    def stop(self, t_from=None, after=None, drain=0.2, t_end=None):
        """Ends the window at t_end (default: now; for a sender with a
        duration, when it finished), stops both ends and returns the
        summary."""
        t_end = time.monotonic() if t_end is None else t_end
        if self.duration:
            self.tx.wait(timeout=self.duration + 30)
            t_end = None  # the sender's own last send
        self.tx.stop(signal.SIGTERM)
        time.sleep(drain)
        self.rx.stop(signal.SIGTERM)
        from .udpflows import summarize_files
        return summarize_files(self.out, self.sent, t_from=t_from,
                               t_end=t_end, after=after)


def burst(lab, ns_src, ns_dst, dst, port, sport_base, flows=16,
          seconds=0.3, interval_ms=5.0):
    """A fresh set of flows (new source ports, so new hashes) for a short
    while; returns its summary (every flow's loss and gaps)."""
    m = OutageMeter(lab, ns_src, ns_dst, dst, port=port, flows=flows,
                    interval_ms=interval_ms, sport_base=sport_base,
                    duration=seconds)
    return m.start(settle=0).stop()


def summarize_bps(bps):
    return f"{bps / 1e9:.2f} Gbit/s" if bps >= 1e9 else f"{bps / 1e6:.0f} Mbit/s"


def log(msg):
    """Prints a figure the way tests report them (visible with -s / -rA)."""
    sys.stdout.write(f"[vflag] {msg}\n")
    sys.stdout.flush()


class Sniffer:
    """Counts frames received on dev (in ns) while it runs (sniff.py):
        s = Sniffer(lab, ns, dev, ethertype=0x8809).start()
        ...; lengths = s.stop()
    and s.times: each frame's arrival (time.monotonic() seconds)."""

    def __init__(self, lab, ns, dev, ethertype=None):
        self.lab, self.ns, self.dev = lab, ns and str(ns), dev
        self.ethertype = ethertype
        self.out = lab.path(f"sniff-{dev}-{time.monotonic_ns()}.json")
        self.proc = None
        self.times = []

    def start(self):
        argv = [PYTHON, os.path.join(os.path.dirname(UDPFLOWS), "sniff.py"),
                self.dev, "--out", self.out]
        if self.ethertype is not None:
            argv += ["--ethertype", hex(self.ethertype)]
        self.proc = self.lab.popen(argv, ns=self.ns, name="sniff")
        wait_for(lambda: "ready" in self.proc.log() or
                 not self.proc.running(), 10, what="sniffer")
        if not self.proc.running():
            raise RuntimeError(f"sniffer died: {self.proc.log()}")
        return self

    def stop(self):
        self.proc.stop(signal.SIGTERM)
        with open(self.out) as fh:
            got = json.load(fh)
        self.times = got.get("times", [])
        return got["lengths"]
