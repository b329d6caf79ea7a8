"""The daemon under test and its CLI (doc/ctl.md).

Vflagd starts `vflagd -s SOCK` in the root namespace with a socket under
the Lab's temp dir, waits until `vflagctl -s SOCK show` answers, and on
stop() sends SIGTERM to its PID and checks that it exited 0 and, for
sanitizer builds, that neither it nor any vflagctl run printed a
sanitizer report."""

import json as jsonlib
import os
import signal
import socket
import subprocess

from .netns import wait_for

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                    ".."))

# vflagctl exit codes (include/vflag/ctl.h)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NODAEMON = 0, 1, 2, 3

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: AddressSanitizer",
                   "SUMMARY: UndefinedBehaviorSanitizer",
                   "WARNING: ThreadSanitizer")


def build_dir():
    """$VFLAG_BUILD (default `build`), relative to the repository root."""
    b = os.environ.get("VFLAG_BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def binaries():
    b = build_dir()
    return (os.path.join(b, "src", "vflagd", "vflagd"),
            os.path.join(b, "src", "vflagctl", "vflagctl"))


def sanitizer_report(text):
    """The first line of a sanitizer report in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line
    return None


def sanitizer_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:"
                   "strict_string_checks=1:detect_stack_use_after_return=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


class VflagError(RuntimeError):
    """vflagctl exited non-zero; .rc, .out, .err, .argv."""

    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        super().__init__(f"vflagctl {' '.join(argv)} -> exit {rc}: "
                         f"{(err or out).strip()}")


class Vflagd:
    def __init__(self, lab, config=None, log_level="debug", extra=()):
        self.lab = lab
        self.vflagd, self.vflagctl = binaries()
        for b in (self.vflagd, self.vflagctl):
            if not os.access(b, os.X_OK):
                raise FileNotFoundError(
                    f"{b} not built: meson setup {build_dir()} && "
                    f"ninja -C {build_dir()} (VFLAG_BUILD chooses the dir)")
        self.sock = lab.path("vflagd.sock")
        self.config = config
        self.log_level = log_level
        self.extra = list(extra)
        self.proc = None
        self.ctl_reports = []  # sanitizer lines from vflagctl runs

    def argv(self):
        argv = [self.vflagd, "-s", self.sock, "-l", self.log_level,
                "--teardown-on-exit"]  # stop is not teardown (survive)
        if self.config:
            argv += ["-c", self.config]
        return argv + self.extra

    def start(self, timeout=15):
        self.proc = self.lab.popen(self.argv(), name="vflagd",
                                   env=sanitizer_env())
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=15):
        def ready():
            if not self.proc.running():
                raise RuntimeError(f"vflagd exited {self.proc.popen.returncode}"
                                   f" before serving:\n{self.proc.log()}")
            return self.ctl_rc("show")[0] == EXIT_OK
        wait_for(ready, timeout, interval=0.05, what="vflagd to serve")

    def stderr(self):
        return self.proc.log() if self.proc else ""

    def stop(self, timeout=20):
        """SIGTERM by PID; returns the exit status. The caller asserts."""
        return self.proc.stop(signal.SIGTERM, timeout=timeout)

    def check_clean_exit(self, rc):
        """Raises AssertionError unless vflagd exited 0 with no sanitizer
        report, and no vflagctl run printed one."""
        log = self.stderr()
        rep = sanitizer_report(log)
        assert rep is None, f"vflagd sanitizer report: {rep}\n{log[-8000:]}"
        assert not self.ctl_reports, f"vflagctl sanitizer report: " \
            f"{self.ctl_reports[0]}"
        assert rc == 0, f"vflagd exited {rc}\n{log[-8000:]}"

    # -- the CLI ----------------------------------------------------------
    def ctl_rc(self, *args, json=False, timeout=30, sock=None):
        """Runs vflagctl; returns (rc, stdout, stderr)."""
        argv = [self.vflagctl, "-s", sock or self.sock]
        if json:
            argv.append("-j")
        argv += [str(a) for a in args]
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, env=sanitizer_env())
        rep = sanitizer_report(p.stderr)
        if rep:
            self.ctl_reports.append(rep)
        return p.returncode, p.stdout, p.stderr

    def ctl(self, *args, json=True, timeout=30):
        """Runs vflagctl [-j] ARGS; returns the parsed JSON (None for
        commands that reply null) or, with json=False, the text. Raises
        VflagError with the message on a non-zero exit."""
        rc, out, err = self.ctl_rc(*args, json=json, timeout=timeout)
        if rc != 0:
            raise VflagError([str(a) for a in args], rc, out, err)
        if not json:
            return out
        out = out.strip()
        return jsonlib.loads(out) if out else None

    # -- convenience views --------------------------------------------------
    def bond(self, name):
        return self.ctl("bond", "show", name)["bonds"][0]

    def member(self, bond, pf):
        return next(m for m in self.bond(bond)["members"] if m["name"] == pf)

    def counters(self, port):
        return self.ctl("stats", port)["ports"][0]["counters"]

    # -- raw protocol -------------------------------------------------------
    def raw(self, payloads, timeout=5.0):
        """Sends each bytes payload (normally one request line ending in
        `\n`) on one connection and reads one reply line after each;
        returns the replies (decoded JSON where possible, else bytes).
        Stops early at EOF or when a reply does not come within timeout."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        replies = []
        buf = [b""]

        def read_line():
            while b"\n" not in buf[0]:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    return None
                if not chunk:
                    return None
                buf[0] += chunk
            line, buf[0] = buf[0].split(b"\n", 1)
            return _decode(line)

        try:
            for p in payloads:
                send_failed = False
                try:
                    s.sendall(p)
                except (BrokenPipeError, ConnectionResetError):
                    send_failed = True
                line = read_line()
                if line is None:
                    break
                replies.append(line)
                if send_failed:
                    break
        finally:
            s.close()
        return replies

    def connection_closed(self, payload, timeout=5.0):
        """Sends payload and tells whether the daemon then closes the
        connection (reads until EOF; False if it stays open)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        try:
            try:
                s.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                return True
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    return False
                except ConnectionResetError:
                    return True
                if not chunk:
                    return True
        finally:
            s.close()


def _decode(line):
    try:
        return jsonlib.loads(line)
    except ValueError:
        return line


def write_config(lab, lines, name="vflagd.conf"):
    path = lab.path(name)
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path
