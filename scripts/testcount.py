#!/usr/bin/python3
"""Counts test cases for scripts/test.sh, each once:

  testcount.py [--meson TESTLOG.json] [--junit PYTEST.xml]
               [--fuzz FUZZ.tsv] [--skips-fail] [--out TOTALS]

- meson (build-asan/meson-logs/testlog.json, one JSON object a line):
  a cmocka program counts its cases ("[ RUN      ] name" and the
  "[       OK ]" / "[  FAILED  ]" / "[  SKIPPED ]" line naming each, in
  stdout or stderr); a case that started and never finished (a crash) is
  a failure, and so is each case cmocka announced ("Running N test(s)")
  that never started, and a program that failed (sanitizer report at exit, exit
  status) with every case passed adds one failure under its own name. A
  program without cmocka output (the fuzz-corpus replays) is one case.
  Exit 77 (meson SKIP) is one skipped case.
- pytest (junit XML): one case per (classname, name), its worst outcome
  (pytest can write a case twice when its teardown fails too). The OVS
  partner's self-tests (test_ovs_fixture.py) are reported apart and are
  not vflag's.
- fuzz (TSV: name, pass|fail|skip, detail): one case per target.

With --skips-fail (CI, as root: nothing should skip) every skip is a
failure, named. Prints one line per group, the failures and skips by
name, and writes "PASSED FAILED SKIPPED PARTNER_PASSED PARTNER_FAILED"
to --out, then the failed cases of meson's tests and of pytest's (to
tell a tool's failure that no case carries)."""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET

RANK = {"pass": 0, "skip": 1, "fail": 2}
RUN = re.compile(r"^\[ RUN      \] (\S+)")
ANNOUNCE = re.compile(r"^\[==========\] Running (\d+) test\(s\)\.")
PARTNER = "test_ovs_fixture"


class Group:
    def __init__(self, title):
        self.title = title
        self.cases = {}  # name -> (outcome, detail)

    def add(self, name, outcome, detail=""):
        old = self.cases.get(name)
        if old is None or RANK[outcome] > RANK[old[0]]:
            self.cases[name] = (outcome, detail)

    def count(self, outcome):
        return sum(1 for o, _ in self.cases.values() if o == outcome)


def cmocka_cases(text):
    """{case: (pass|fail|skip, detail)} from cmocka's output, or None."""
    started, result, announced = [], {}, 0
    for line in text.splitlines():
        m = ANNOUNCE.match(line)
        if m:
            announced += int(m.group(1))
            continue
        m = RUN.match(line)
        if m:
            started.append(m.group(1))
            continue
        if line.startswith("[       OK ] "):
            result.setdefault(line[13:].strip(), "pass")
        elif line.startswith("[  FAILED  ] ") and "test(s)" not in line:
            result[line[13:].strip()] = "fail"
        elif line.startswith("[  ERROR   ] ") and "test(s)" not in line:
            result[line[13:].strip()] = "fail"
        elif line.startswith("[  SKIPPED ] ") and "test(s)" not in line:
            result[line[13:].strip()] = "skip"
    if not started:
        return None
    cases = {c: (result[c], "") if c in result else ("fail", "did not finish")
             for c in started}
    for k in range(len(started), announced):  # lost to a crash
        cases[f"(case {k + 1} of {announced})"] = ("fail", "never ran")
    return cases


def read_meson(path, unit, replay):
    with open(path) as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            name, res = d["name"], d["result"]
            text = (d.get("stdout") or "") + "\n" + (d.get("stderr") or "")
            g = replay if " / fuzz-replay-" in name else unit
            if res == "SKIP":
                g.add(name, "skip", "exit 77")
                continue
            ok = res in ("OK", "EXPECTEDFAIL")
            cases = cmocka_cases(text)
            if cases is None:
                g.add(name, "pass" if ok else "fail",
                      "" if ok else f"{res}, exit {d.get('returncode')}")
                continue
            for case, (outcome, detail) in cases.items():
                g.add(f"{name}: {case}", outcome, detail)
            if not ok and not any(o == "fail" for o, _ in cases.values()):
                g.add(f"{name}: (the program)", "fail",
                      f"{res}, exit {d.get('returncode')} after its cases "
                      "passed (sanitizer report at exit?)")


def read_junit(path, lib, integration, partner):
    root = ET.parse(path).getroot()
    for tc in root.iter("testcase"):
        cls, name = tc.get("classname", ""), tc.get("name", "")
        if tc.find("failure") is not None or tc.find("error") is not None:
            el = tc.find("failure")
            el = el if el is not None else tc.find("error")
            outcome, detail = "fail", (el.get("message") or "")[:200]
        elif tc.find("skipped") is not None:
            outcome = "skip"
            detail = (tc.find("skipped").get("message") or "")[:200]
        else:
            outcome, detail = "pass", ""
        if PARTNER in cls:
            g = partner
        elif "pylib" in cls:
            g = lib
        else:
            g = integration
        g.add(f"{cls}::{name}", outcome, detail)


def read_fuzz(path, fuzz):
    with open(path) as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                fuzz.add(parts[0], parts[1],
                         parts[2] if len(parts) > 2 else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meson")
    ap.add_argument("--junit")
    ap.add_argument("--fuzz")
    ap.add_argument("--skips-fail", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    unit = Group("unit tests (cmocka cases)")
    replay = Group("fuzz-corpus replays")
    lib = Group("lab library (tests/pylib)")
    integ = Group("integration (pytest cases)")
    fuzz = Group("fuzzing (libFuzzer targets)")
    partner = Group("OVS partner's self-tests (not vflag's)")
    for path, fn in ((a.meson, lambda p: read_meson(p, unit, replay)),
                     (a.junit, lambda p: read_junit(p, lib, integ, partner)),
                     (a.fuzz, lambda p: read_fuzz(p, fuzz))):
        if path:
            try:
                fn(path)
            except (OSError, ValueError, ET.ParseError) as e:
                print(f"testcount: {path}: {e}", file=sys.stderr)
    totals = [0, 0, 0]
    for g in (unit, replay, lib, integ, fuzz, partner):
        if not g.cases:
            continue
        p, f, s = g.count("pass"), g.count("fail"), g.count("skip")
        print(f"{g.title}: {p} passed, {f} failed"
              + (f", {s} skipped" if s else ""))
        for name, (o, detail) in sorted(g.cases.items()):
            if o == "fail":
                print(f"  FAILED  {name}" + (f": {detail}" if detail else ""))
            elif o == "skip":
                what = "SKIPPED in CI (counted as a failure)" \
                    if a.skips_fail and g is not partner else "skipped"
                print(f"  {what}  {name}" + (f": {detail}" if detail
                                              else ""))
        if g is partner:
            continue
        totals[0] += p
        totals[1] += f + (s if a.skips_fail else 0)
        totals[2] += 0 if a.skips_fail else s
    pp = partner.count("pass")
    pf = partner.count("fail") + (partner.count("skip") if a.skips_fail
                                  else 0)
    mf = unit.count("fail") + replay.count("fail")
    yf = lib.count("fail") + integ.count("fail") + partner.count("fail")
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(f"{totals[0]} {totals[1]} {totals[2]} {pp} {pf} "
                     f"{mf} {yf}\n")


if __name__ == "__main__":
    main()
