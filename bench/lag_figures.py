#!/usr/bin/python3
"""LAG figures for vflag in mode 802.3ad against Open vSwitch (not a test:
it prints each run and the median, and never passes or fails on a figure).

The seed's topology (pylib/vflaglab/topo.py): VF 0 of PF a in a
VM namespace at 1.1.1.1, uplinks up0/up1 to a switch namespace where an
OVS userspace bond (balance-tcp, lacp active, lacp-time fast,
bond-rebalance-interval 1000) is the LACP partner, an iperf3 client at
1.1.1.2 behind it. vflag: mode 802.3ad, lacp_rate fast, miimon 100,
xmit_hash_policy layer3+4. Every run builds its own namespaces, links and
processes (vflaglab.Lab: names carry a random tag) and removes them.

  1. formation: from `bond add ... members A B` returning to both members
     distributing in `vflagctl -j bond show`, to OVS's `lacp/show` giving
     both members attached and current, and to OVS's `bond/show` giving
     both enabled (each polled every 5 ms). vflag, like Linux bonding,
     waits the standard's Aggregate_Wait_Time (2 s) before it attaches;
     OVS enables a member once vflag says in_sync.
  2. split: iperf3 -P 10 for 5 s each way; packets per member:
     rx_packets_phy deltas (client->VM, OVS's balance-tcp decides) and
     lag_tx_packets deltas (VM->client, vflag's layer3+4 hash decides)
  3. carrier loss (`ip link set down` on the switch end of uplink 0):
     the outage as the tests measure it (vflaglab.failover.
     measure_failover(): 16 UDP flows each way, a flow silent to the end
     of the window counts to its end, delivery proved afterwards by a
     fresh burst), and the time until vflag shows the member not
     distributing
  4. silent failure (uplink 0 through an nftables forwarder, as in
     test_lacp_ovs.py, whose rules turn to drop; carrier stays up): the
     same figures, for frames dropped both ways (`both`), only from the
     switch to vflag (`to-vflag`), only from vflag to the switch
     (`from-vflag`). The side that stops hearing LACPDUs times out 2-3 s
     after the drop (3 s short timeout since the last one); the other
     side learns only when that side's rx machine reaches DEFAULTED and
     it says out of sync (3 s later).

Usage: VFLAG_BUILD=build /usr/bin/python3 bench/lag_figures.py
           [--runs N] [--silent both,to-vflag,from-vflag] [--pps P]
N (default 3) runs of each; the default takes about 3 minutes. Run it on
a quiet machine: it warns when other pytest or iperf3 processes run.
Times are taken when a command or a poll returns (time.monotonic()); a
poll's own cost is printed with the figures it limits."""

import argparse
import datetime
import hashlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "pylib"))

from vflaglab import linkfail  # noqa: E402
from vflaglab.netns import Lab, _netns_names, link_names, sh  # noqa: E402
from vflaglab.topo import (CLIENT_IP, VM_IP, VfLagTopo,  # noqa: E402
                         counter_delta)
from vflaglab.failover import directions, measure_failover  # noqa: E402
from vflaglab.traffic import Iperf3Client, Iperf3Server  # noqa: E402
from vflaglab.traffic import summarize_bps  # noqa: E402
from vflaglab.vflagd import Vflagd, binaries, build_dir  # noqa: E402

BOND_OPTS = ("miimon", 100, "lacp_rate", "fast", "xmit_hash_policy",
             "layer3+4")
OVS = dict(ovs_mode="balance-tcp", ovs_lacp="active", ovs_lacp_time="fast",
           rebalance_ms=1000)
POLL_S = 0.005          # formation and carrier-loss polls
METER_FLOWS = 16        # measure_failover()'s flows per direction
METER_PPS = 3200        # per direction (--pps); 16 flows x 200
SILENT_POLL_S = 0.02    # the silent failure takes ~3 s; poll less hard
IPERF_S = 5
AFTER_S = 1.0           # meters keep running this long after detection
SILENT_DIRS = ("both", "to-vflag", "from-vflag")


def out(msg=""):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def ms(s):
    return "-" if s is None else f"{s * 1e3:.0f} ms"


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


class Watch:
    """Calls pred() every `interval` s in a thread; .t is the time from t0
    to the return of the first call that answered true (None: timeout).
    Given a list, polls each predicate in turn once the one before held
    (one poller, not several competing for 2 cores); .ts has their times.
    .costs holds each call's duration."""

    def __init__(self, pred, t0, interval, timeout):
        self.preds = pred if isinstance(pred, list) else [pred]
        self.t0 = t0
        self.interval, self.timeout = interval, timeout
        self.t = None
        self.ts = [None] * len(self.preds)
        self.costs = []
        self.error = None
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._th.start()
        return self

    def _run(self):
        deadline = self.t0 + self.timeout
        i = 0
        while not self._stop.is_set():
            s = time.monotonic()
            try:
                ok = self.preds[i]()
            except Exception as e:  # noqa: BLE001 - report, keep polling
                ok, self.error = False, e
            e = time.monotonic()
            self.costs.append(e - s)
            if ok:
                self.ts[i] = e - self.t0
                self.t = self.ts[0]
                i += 1
                if i == len(self.preds):
                    return
                continue
            if e >= deadline:
                return
            time.sleep(self.interval)

    def done(self):
        return self._th.ident is not None and not self._th.is_alive()

    def join(self):
        self._th.join(self.timeout + 30)
        self._stop.set()
        return self.t


# -- the set-up -------------------------------------------------------------
class Run:
    """One Lab with vflagd; close() stops vflagd (reporting a bad exit)
    then removes everything, and says if anything tagged was left."""

    def __init__(self):
        self.lab = Lab(prefix="vfl")
        try:
            self.d = Vflagd(self.lab, log_level="info").start()
        except BaseException:
            self.lab.close()
            raise

    def close(self):
        try:
            rc = self.d.stop()
            if rc != 0:
                sys.stderr.write(f"warning: vflagd exited {rc}:\n"
                                 f"{self.d.stderr()[-3000:]}\n")
        finally:
            tag = self.lab.tag
            self.lab.close()
            left = [n for n in _netns_names() + link_names() if tag in n]
            if left:
                sys.stderr.write(f"warning: left behind: {left}\n")


def topo(run, **kw):
    return VfLagTopo(run.lab, run.d, peer="ovs", mode="802.3ad",
                     bond_opts=BOND_OPTS, **OVS, **kw)


def attach_vm(t):
    """What VfLagTopo.configure_vflag does after `bond add`."""
    vf = [c for c in t.vflag_commands() if c[0] == "vf"]
    for c in vf:
        t.d.ctl(*c)
    t.vm.up(t.vf_port)
    t.vm.addr(t.vf_port, f"{VM_IP}/24")
    t.vm.tx_csum_off(t.vf_port)


def ovs_disabled(t, sw_end):
    return not t.ovs.bond_show(t.ovs_bond)["members"][sw_end]["enabled"]


# -- 1. formation, 2. split, 3. carrier loss (one topology per run) ---------
def formation(run):
    t = topo(run, configure_vflag=False)
    cmds = t.vflag_commands()
    for c in cmds:
        if c[0] == "pf":
            run.d.ctl(*c)
    bond_add = next(c for c in cmds if c[0] == "bond")
    s = time.monotonic()
    run.d.ctl(*bond_add)
    t0 = time.monotonic()
    wv = Watch(lambda: t.distributing() == sorted(t.pfs), t0, POLL_S,
               15).start()
    wo = Watch([lambda: t.ovs.lacp_formed(t.ovs_bond, t.sw_ends),
                lambda: sorted(t.ovs.enabled_members(t.ovs_bond)) ==
                sorted(t.sw_ends)], t0, POLL_S, 15).start()
    wv.join(), wo.join()
    r = {"vflag": wv.t, "ovs": wo.ts[0], "ovs_en": wo.ts[1],
         "cmd": t0 - s, "cost_vflag": median(wv.costs),
         "cost_ovs": median(wo.costs)}
    if None in (r["vflag"], r["ovs"], r["ovs_en"]):
        why = wv.error or wo.error or ""
        raise RuntimeError(f"LAG did not form in 15 s (vflag {r['vflag']}, "
                           f"OVS {r['ovs']}/{r['ovs_en']}; {why})")
    attach_vm(t)
    t.wait_connectivity()
    return t, r


def split(run, t, reverse):
    key = "lag_tx_packets" if reverse else "rx_packets_phy"
    c0 = t.uplink_counters()
    c = Iperf3Client(run.lab, t.client, VM_IP, parallel=10, seconds=IPERF_S,
                     reverse=reverse).start()
    time.sleep(2.0)
    c1 = t.uplink_counters()
    res = c.result()
    c2 = t.uplink_counters()
    hashed = None
    if reverse:
        # where vflag's hash (`bond xmit-member`) puts each data stream:
        # VM 1.1.1.1:5201 -> client 1.1.1.2:its port
        hashed = {pf: 0 for pf in t.pfs}
        for conn in res["json"]["start"]["connected"]:
            m = t.d.ctl("bond", "xmit-member", t.bond, "proto", "tcp",
                        "src", VM_IP, "dst", CLIENT_IP, "sport",
                        conn["remote_port"], "dport",
                        conn["local_port"])["member"]
            if m in hashed:
                hashed[m] += 1
    whole = counter_delta(c0, c2, key)
    late = counter_delta(c1, c2, key)
    # lists in uplink order (A, B): names differ between runs
    return {"bps": res["received_bps"], "key": key,
            "hashed": hashed and [hashed[pf] for pf in t.pfs],
            "whole": [whole[pf] for pf in t.pfs],
            "late": [late[pf] for pf in t.pfs]}


def failover(run, t, fail, watch_poll, watch_timeout, what):
    """vflaglab.failover.measure_failover() around fail(): the meters, the
    outage (a flow that never comes back counts to the window's end) and
    the proof of delivery afterwards, the same as the tests'. Two Watches
    time vflag's and OVS's reactions; detection is when both answered."""
    failed = t.pfs[0]
    w = {}

    def event():
        fail()
        t0 = time.monotonic()
        w["v"] = Watch(lambda: failed not in t.distributing(), t0,
                       watch_poll, watch_timeout).start()
        w["o"] = Watch(lambda: ovs_disabled(t, t.sw_ends[0]), t0,
                       watch_poll, watch_timeout).start()
    r = measure_failover(run.lab, directions(t), event,
                         detected=lambda: w["v"].done() and w["o"].done(),
                         detect_timeout=watch_timeout + 5, settle=1.5,
                         after=AFTER_S, what=what,
                         interval_ms=METER_FLOWS * 1000.0 / METER_PPS)
    v, o = w["v"].join(), w["o"].join()
    return {"vflag": v, "ovs": o, "fwd": r.meters["client->VM"],
            "rev": r.meters["VM->client"], "cost": median(w["v"].costs),
            "problems": r.problems()}


def carrier(run, t):
    return failover(run, t, lambda: linkfail.carrier(
        run.lab, t.sw, t.sw_ends[0], up=False), POLL_S, 5, "carrier loss")


# -- 4. silent failure (its own topology per run) ----------------------------
def drop_one_way(sl, dev):
    """A second netdev table in the forwarder namespace whose ingress
    chain on dev runs before SilentLink's `fwd` (lower priority) and drops:
    frames entering the forwarder on dev vanish, the other way still
    passes. Gone with the namespace."""
    rules = f"""
table netdev {sl.table}x {{
    chain drop1 {{
        type filter hook ingress device "{dev}" priority -10; policy accept;
        drop
    }}
}}
"""
    sh(["nft", "-f", "-"], ns=str(sl.ns), input=rules)


def silent(run, direction):
    t = topo(run, silent=(0,))
    t.wait_lag(timeout=15)
    t.wait_connectivity()
    failed = t.pfs[0]
    sl = t.silent[0]

    def fail():
        if direction == "both":
            sl.black_hole()
        elif direction == "to-vflag":
            drop_one_way(sl, sl.fb)   # fb faces the switch: frames to vflag
        else:
            drop_one_way(sl, sl.fa)   # fa faces vflag's uplink
    r = failover(run, t, fail, SILENT_POLL_S, 10, f"silent {direction}")
    r["carrier_up"] = t.members()[failed]["link"] == "up"
    return r


# -- printing -----------------------------------------------------------------
def git(*args):
    p = subprocess.run(["git", "-C", REPO] + list(args), capture_output=True,
                       text=True)
    return p.stdout.strip() if p.returncode == 0 else "?"


def machine_lines():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True,
                           text=True).stdout.strip()
    u = platform.uname()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"machine: nproc {nproc}, {cpu}; kernel {u.system} {u.release} "
             f"{u.version} {u.machine}; load average {load}"]
    vflagd, _ = binaries()
    b = build_dir()
    opts = {}
    try:
        with open(os.path.join(b, "meson-info",
                               "intro-buildoptions.json")) as fh:
            opts = {o["name"]: o["value"] for o in json.load(fh)}
    except (OSError, ValueError):
        pass
    st = os.stat(vflagd)
    with open(vflagd, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    built = datetime.datetime.fromtimestamp(st.st_mtime).strftime(
        "%Y-%m-%d %H:%M:%S")
    dirty = git("status", "--porcelain", "--", "src", "include",
                "meson.build")
    newer = newest_source()
    lines.append(
        f"vflagd: {vflagd} (build dir {os.path.relpath(b, REPO)}: buildtype "
        f"{opts.get('buildtype', '?')}, b_sanitize "
        f"{opts.get('b_sanitize', '?')}; binary {built}, sha256 {digest}; "
        f"source git {git('rev-parse', '--short', 'HEAD')}"
        f"{' + uncommitted changes in src/include' if dirty else ''}; "
        + (f"OLDER than {os.path.relpath(newer[1], REPO)}: rebuild?)"
           if newer[0] > st.st_mtime else
           "newer than every file in src/ and include/)"))
    ovs = subprocess.run(["ovs-vswitchd", "--version"], capture_output=True,
                         text=True).stdout.splitlines()
    ip3 = subprocess.run(["iperf3", "--version"], capture_output=True,
                         text=True).stdout.splitlines()
    lines.append(f"partner: {ovs[0] if ovs else '?'}, userspace datapath, "
                 f"balance-tcp, lacp active, lacp-time fast, "
                 f"bond-rebalance-interval 1000; "
                 f"{ip3[0] if ip3 else 'iperf3 ?'}")
    lines.append("vflag: bond mode 802.3ad miimon 100 lacp_rate fast "
                 "xmit_hash_policy layer3+4")
    return lines


def newest_source():
    """(mtime, path) of the newest file under src/ and include/."""
    best = (0.0, "")
    for top in ("src", "include"):
        for d, _, files in os.walk(os.path.join(REPO, top)):
            for f in files:
                p = os.path.join(d, f)
                try:
                    best = max(best, (os.stat(p).st_mtime, p))
                except OSError:
                    pass
    return best


def others_running():
    me = {os.getpid(), os.getppid()}
    p = subprocess.run(["pgrep", "-af", "pytest|iperf3"], capture_output=True,
                       text=True)
    return [ln for ln in p.stdout.splitlines()
            if int(ln.split()[0]) not in me and "lag_figures" not in ln]


def pct(counts):
    tot = sum(counts)
    return [100.0 * v / tot if tot else 0.0 for v in counts]


def fmt_split(s):
    p, late = pct(s["whole"]), pct(s["late"])
    txt = (f"{s['key']} A {s['whole'][0]} ({p[0]:.0f}%), B {s['whole'][1]} "
           f"({p[1]:.0f}%); from 2 s on A {late[0]:.0f}%, B {late[1]:.0f}%")
    if s["hashed"]:
        txt += (f"; vflag's hash put {s['hashed'][0]} streams on A, "
                f"{s['hashed'][1]} on B")
    return txt


def fmt_outage(r):
    f, v = r["fwd"], r["rev"]
    return (f"gap client->VM {f['max_gap_ms']:.0f} ms ({f['lost']} lost), "
            f"VM->client {v['max_gap_ms']:.0f} ms ({v['lost']} lost); "
            f"vflag not distributing after {ms(r['vflag'])}, "
            f"OVS member disabled after {ms(r['ovs'])}"
            + ("" if not r.get("problems") else
               f"; DELIVERY NOT PROVED: {'; '.join(r['problems'])}"))


def longest(r):
    return max(r["fwd"]["max_gap_ms"], r["rev"]["max_gap_ms"]) / 1e3


# -- main ---------------------------------------------------------------------
def main():
    global METER_PPS
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring (head -30 bench/lag_figures.py).")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs of each measurement (default 3)")
    ap.add_argument("--silent", default=",".join(SILENT_DIRS),
                    help="silent-failure directions to run, comma-separated "
                    f"(default {','.join(SILENT_DIRS)})")
    ap.add_argument("--pps", type=int, default=METER_PPS,
                    help="datagrams per second per direction in the "
                    f"failover meters, over {METER_FLOWS} flows (default "
                    f"{METER_PPS}; 10000: a datagram every 1.6 ms a flow)")
    args = ap.parse_args()
    METER_PPS = max(args.pps, 1)
    dirs = [d for d in args.silent.split(",") if d]
    if args.runs < 1 or any(d not in SILENT_DIRS for d in dirs):
        ap.error("--runs >= 1; --silent from " + ",".join(SILENT_DIRS))
    if os.geteuid() != 0:
        sys.exit("run as root: VFLAG_BUILD=build /usr/bin/python3 "
                 "bench/lag_figures.py")
    for b in binaries():
        if not os.access(b, os.X_OK):
            sys.exit(f"{b} not built: meson setup {build_dir()} && ninja -C "
                     f"{build_dir()} (VFLAG_BUILD chooses the dir)")

    def term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, term)

    start = time.monotonic()
    N = args.runs
    out(f"vflag LAG figures: bench/lag_figures.py --runs {N} "
        f"--silent {','.join(dirs)}")
    for ln in machine_lines():
        out(ln)
    busy = others_running()
    out("other load: " + ("none (no pytest/iperf3 running)" if not busy else
                          f"WARNING, figures disturbed by: {busy}"))
    errors = 0
    F, S, C = [], {False: [], True: []}, []

    out()
    out("each run of 1-3 is one set-up: formation, then the split, then "
        "the carrier loss; each silent-failure run has its own")
    for i in range(1, N + 1):
        run = None
        try:
            run = Run()
            t, f = formation(run)
            F.append(f)
            out(f"[{i}] formation: vflag both distributing {ms(f['vflag'])}, "
                f"OVS both attached+current {ms(f['ovs'])}, OVS both enabled "
                f"{ms(f['ovs_en'])}, after `bond add` returned (it took "
                f"{ms(f['cmd'])}; one poll costs "
                f"{f['cost_vflag'] * 1e3:.1f} ms vflagctl, "
                f"{f['cost_ovs'] * 1e3:.1f} ms ovs-appctl)")
            Iperf3Server(run.lab, t.vm, bind=VM_IP)
            for rev in (False, True):
                s = split(run, t, rev)
                S[rev].append(s)
                out(f"[{i}] split {'VM->client' if rev else 'client->VM'} "
                    f"iperf3 -P 10 {IPERF_S} s: "
                    f"{summarize_bps(s['bps'])}; {fmt_split(s)}")
            c = carrier(run, t)
            C.append(c)
            out(f"[{i}] carrier loss of A: {fmt_outage(c)} (one vflagctl "
                f"poll costs {c['cost'] * 1e3:.1f} ms)")
        except KeyboardInterrupt:
            out("interrupted: cleaning up")
            if run:
                run.close()
            return 130
        except Exception as e:  # noqa: BLE001 - a figure missing, go on
            errors += 1
            out(f"[{i}] error: {e}")
        finally:
            if run and not run.lab.closed:
                run.close()

    Q = {d: [] for d in dirs}
    for d in dirs:
        for i in range(1, N + 1):
            run = None
            try:
                run = Run()
                r = silent(run, d)
                Q[d].append(r)
                out(f"[{i}] silent failure of A, dropped {d}"
                    f"{'' if r['carrier_up'] else ' (CARRIER WENT DOWN)'}: "
                    f"{fmt_outage(r)}")
            except KeyboardInterrupt:
                out("interrupted: cleaning up")
                if run:
                    run.close()
                return 130
            except Exception as e:  # noqa: BLE001
                errors += 1
                out(f"[{i}] silent failure, dropped {d}: error: {e}")
            finally:
                if run and not run.lab.closed:
                    run.close()

    out()
    out(f"medians ({N} runs each)")
    if F:
        out(f"  1. formation: vflag both distributing "
            f"{ms(median(f['vflag'] for f in F))}, OVS both attached+current "
            f"{ms(median(f['ovs'] for f in F))}, OVS both enabled "
            f"{ms(median(f['ovs_en'] for f in F))}")
    for rev in (False, True):
        if not S[rev]:
            continue
        whole = [pct(s["whole"]) for s in S[rev]]
        late = [pct(s["late"]) for s in S[rev]]
        out(f"  2. split {'VM->client' if rev else 'client->VM'} "
            f"({S[rev][0]['key']}): "
            f"{summarize_bps(median(s['bps'] for s in S[rev]))}; "
            f"A {median(p[0] for p in whole):.0f}%, "
            f"B {median(p[1] for p in whole):.0f}%; from 2 s on "
            f"A {median(p[0] for p in late):.0f}%, "
            f"B {median(p[1] for p in late):.0f}% (medians per member)")
    rows = [("3. carrier loss", C)] + \
        [(f"4. silent, dropped {d}", Q[d]) for d in dirs]
    for label, rs in rows:
        if not rs:
            continue
        fwd = median(r["fwd"]["max_gap_ms"] / 1e3 for r in rs)
        rev = median(r["rev"]["max_gap_ms"] / 1e3 for r in rs)
        out(f"  {label}: longest gap {ms(median(longest(r) for r in rs))} "
            f"(client->VM {ms(fwd)}, VM->client {ms(rev)}); "
            f"vflag not distributing after "
            f"{ms(median(r['vflag'] for r in rs))}, OVS member disabled after "
            f"{ms(median(r['ovs'] for r in rs))}")
    out(f"(A = uplink 0, the one failed; {errors} run(s) failed; "
        f"took {time.monotonic() - start:.0f} s)")
    busy = others_running()
    if busy:
        out(f"WARNING: at the end, figures disturbed by: {busy}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
