"""scripts/testcount.py, the case counter behind test.sh's summary, on
synthetic meson, pytest and fuzz results."""

import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TOOL = os.path.join(ROOT, "scripts", "testcount.py")


def cm(*cases, failed=(), crashed=(), skipped=()):
    out, err = [f"[==========] Running {len(cases)} test(s)."], []
    for c in cases:
        out.append(f"[ RUN      ] {c}")
        if c in failed:
            err.append(f"[  FAILED  ] {c}")
        elif c in skipped:
            err.append(f"[  SKIPPED ] {c}")
        elif c in crashed:
            break
        else:
            out.append(f"[       OK ] {c}")
    if failed:
        err.append(f"[  FAILED  ] {len(failed)} test(s), listed below:")
        err += [f"[  FAILED  ] {c}" for c in failed]
    return "\n".join(out) + "\n", "\n".join(err) + "\n"


def entry(name, result, rc, streams):
    return json.dumps({"name": name, "result": result, "returncode": rc,
                       "stdout": streams[0], "stderr": streams[1]})


def run(tmp_path, meson=(), junit=None, fuzz=None, ci=False):
    args = [sys.executable, TOOL, "--out", str(tmp_path / "totals")]
    if meson:
        (tmp_path / "m.json").write_text("\n".join(meson) + "\n")
        args += ["--meson", str(tmp_path / "m.json")]
    if junit:
        (tmp_path / "j.xml").write_text(junit)
        args += ["--junit", str(tmp_path / "j.xml")]
    if fuzz:
        (tmp_path / "f.tsv").write_text(fuzz)
        args += ["--fuzz", str(tmp_path / "f.tsv")]
    if ci:
        args.append("--skips-fail")
    p = subprocess.run(args, capture_output=True, text=True, check=True)
    tot = [int(x) for x in (tmp_path / "totals").read_text().split()]
    return p.stdout, tot


def test_cmocka_cases_are_counted_not_programs(tmp_path):
    out, tot = run(tmp_path, meson=[
        entry("vflag / a", "OK", 0, cm("t1", "t2", "t3")),
        entry("vflag / b", "FAIL", 1, cm("u1", "u2", failed=("u2",))),
        entry("vflag:fuzz / fuzz-replay-x", "OK", 0, ("replayed 3\n", "")),
    ])
    assert tot[:3] == [5, 1, 0], out
    assert "FAILED  vflag / b: u2" in out
    assert tot[5] == 1


def test_a_crash_inside_a_case_fails_that_case(tmp_path):
    out, tot = run(tmp_path, meson=[
        entry("vflag / c", "FAIL", -11, cm("c1", "c2", "c3", crashed=("c2",)))])
    assert tot[:2] == [1, 2], out
    assert "c2: did not finish" in out
    assert "(case 3 of 3): never ran" in out


def test_a_program_failing_after_its_cases_adds_one_failure(tmp_path):
    out, tot = run(tmp_path, meson=[
        entry("vflag / leak", "FAIL", 1, cm("l1", "l2"))])
    assert tot[:2] == [2, 1], out
    assert "(the program)" in out


def test_skips_fail_in_ci(tmp_path):
    m = [entry("vflag / bpf", "SKIP", 77, ("", "")),
         entry("vflag / n", "OK", 0, cm("n1", "n2", skipped=("n2",)))]
    out, tot = run(tmp_path, meson=m)
    assert tot[:3] == [1, 0, 2], out
    out, tot = run(tmp_path, meson=m, ci=True)
    assert tot[:3] == [1, 2, 0], out
    assert "SKIPPED in CI (counted as a failure)  vflag / bpf" in out
    assert "SKIPPED in CI (counted as a failure)  vflag / n: n2" in out


JUNIT = """<?xml version="1.0"?>
<testsuites><testsuite name="pytest" tests="6">
<testcase classname="tests.integration.test_a" name="test_ok"/>
<testcase classname="tests.integration.test_a" name="test_bad">
  <failure message="boom"/></testcase>
<testcase classname="tests.integration.test_a" name="test_bad">
  <error message="teardown"/></testcase>
<testcase classname="tests.integration.test_a" name="test_skip">
  <skipped message="no ovs"/></testcase>
<testcase classname="tests.integration.test_ovs_fixture" name="test_p1"/>
<testcase classname="tests.integration.test_ovs_fixture" name="test_p2">
  <failure message="ovs"/></testcase>
<testcase classname="tests.pylib.test_meter" name="test_m"/>
</testsuite></testsuites>
"""


def test_pytest_cases_once_and_the_partner_apart(tmp_path):
    out, tot = run(tmp_path, junit=JUNIT)
    # vflag: test_ok, test_m pass; test_bad once; test_skip skipped
    assert tot == [2, 1, 1, 1, 1, 0, 2], out
    assert "OVS partner's self-tests (not vflag's): 1 passed, 1 failed" in out


def test_fuzz_targets_are_cases(tmp_path):
    out, tot = run(tmp_path, fuzz="fuzz_a\tpass\t10 runs\n"
                   "fuzz_b\tfail\texit 1; inputs kept in x\n")
    assert tot[:2] == [1, 1], out
    assert "FAILED  fuzz_b: exit 1" in out
