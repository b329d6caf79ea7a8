#!/usr/bin/env python3
"""vflagd under Type=notify, without systemd: started as the unit starts it
(-c with the installed default config, NOTIFY_SOCKET set), it must send
READY=1 only once its control socket answers, and STOPPING=1 on SIGTERM,
then exit 0. This also shows the all-comment dist/vflagd.conf is a valid
config.

Usage: notify_ready.py VFLAGD VFLAGCTL CONFIG
Exit 77 (skipped) when not root (vflagd loads BPF), or while vflagd is
not linked with src/common/notify.c (until main.c calls it)."""
import os
import signal
import socket
import subprocess
import sys
import tempfile

SKIP = 77


def main():
    vflagd, vflagctl, config = sys.argv[1:4]
    if os.geteuid() != 0:
        print("not root: skipped")
        return SKIP
    with open(vflagd, "rb") as f:
        if b"NOTIFY_SOCKET" not in f.read():
            print("vflagd does not call vflag_notify_ready() yet: skipped")
            return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        notify = os.path.join(tmp, "notify")
        ctl = os.path.join(tmp, "vflagd.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(notify)
        listener.settimeout(20)
        env = dict(os.environ, NOTIFY_SOCKET=notify)
        env.pop("VFLAG_SOCKET", None)
        daemon = subprocess.Popen([vflagd, "-c", config, "-s", ctl], env=env)
        try:
            msg = listener.recv(4096).decode()
            if "READY=1" not in msg.split("\n"):
                print(f"FAIL: first notification {msg!r}, want READY=1")
                return 1
            show = subprocess.run([vflagctl, "-s", ctl, "-j", "show"],
                                  capture_output=True, text=True, timeout=10)
            if show.returncode != 0:
                print(f"FAIL: READY=1 sent but vflagctl show exits "
                      f"{show.returncode}: {show.stderr}")
                return 1
            print(f"ok READY=1, then vflagctl show: {show.stdout.strip()}")
            daemon.send_signal(signal.SIGTERM)
            msg = listener.recv(4096).decode()
            if "STOPPING=1" not in msg.split("\n"):
                print(f"FAIL: on SIGTERM {msg!r}, want STOPPING=1")
                return 1
            print("ok STOPPING=1 on SIGTERM")
            code = daemon.wait(timeout=30)
            if code != 0:
                print(f"FAIL: vflagd exited {code}")
                return 1
            print("ok exit 0")
            return 0
        except socket.timeout:
            print("FAIL: no notification within 20 s")
            return 1
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()


if __name__ == "__main__":
    sys.exit(main())
