"""The outage meter's arithmetic (vflaglab.udpflows.summarize) on
synthetic arrival times: what a failover test's verdict rests on."""

import json
import os
import subprocess
import sys

import pytest

from vflaglab.udpflows import flow_gaps, summarize

IV = 0.005  # one packet per flow every 5 ms


def steady(t0, t1, seq0=0, iv=IV):
    """[(t, seq)] every iv seconds in [t0, t1)."""
    out, t, s = [], t0, seq0
    while t < t1 - 1e-9:
        out.append((round(t, 6), s))
        t += iv
        s += 1
    return out


def test_steady_flows_have_no_outage():
    arr = {40000 + i: steady(0.0, 2.0) for i in range(4)}
    r = summarize(arr, 0.0, 2.0, sports=range(40000, 40004),
                  sent_per_flow=400)
    assert r["lost"] == 0 and r["received"] == 1600
    assert r["max_gap_ms"] == pytest.approx(5.0, abs=0.01)
    assert r["silent_flows"] == []


def test_gap_in_the_middle():
    a = steady(0.0, 1.0) + steady(1.2, 2.0, seq0=240)  # 200 .. 239 lost
    r = summarize({40000: a, 40001: steady(0.0, 2.0)}, 0.0, 2.0,
                  sent_per_flow=400)
    f = r["flows"]["40000"]
    assert f["max_gap_ms"] == pytest.approx(205.0, abs=0.01)
    assert f["gap_at_ms"] == pytest.approx(995.0, abs=0.01)
    assert f["lost"] == 40
    assert r["max_gap_flow"] == 40000 and r["lost"] == 40


def test_flow_that_never_comes_back_is_an_outage_to_the_window_end():
    """The bug of issue 6: a flow that stops for good used to read as its
    own last inter-arrival gap (5 ms) while the others went on."""
    arr = {40000: steady(0.0, 1.0), 40001: steady(0.0, 3.0)}
    r = summarize(arr, 0.0, 3.0, sports=[40000, 40001], sent_per_flow=600,
                  after=1.5)
    f = r["flows"]["40000"]
    assert f["max_gap_ms"] == pytest.approx(2005.0, abs=0.01)
    assert f["lost"] == 400 and f["received_after"] == 0
    assert r["max_gap_ms"] == pytest.approx(2005.0, abs=0.01)
    assert r["silent_flows"] == [40000]
    assert r["flows"]["40001"]["received_after"] > 0


def test_all_flows_stop_is_still_an_outage():
    """Nothing at all after the event: even the last packet of any flow
    is no end to the outage; the window's end is."""
    arr = {s: steady(0.0, 1.0) for s in (40000, 40001)}
    r = summarize(arr, 0.5, 3.0, sent_per_flow=600)
    assert r["max_gap_ms"] == pytest.approx(2005.0, abs=0.01)
    assert r["lost"] == 800


def test_flow_that_never_arrived_is_silent_for_the_whole_window():
    r = summarize({40001: steady(0.0, 2.0)}, 0.0, 2.0,
                  sports=[40000, 40001], sent_per_flow=400, after=1.0)
    f = r["flows"]["40000"]
    assert f["received"] == 0 and f["lost"] == 400
    assert f["max_gap_ms"] == pytest.approx(2000.0)
    assert r["silent_flows"] == [40000]


def test_window_start_takes_the_gap_already_running():
    """A gap that began before t_from counts from its last arrival."""
    a = steady(0.0, 0.9) + steady(1.3, 2.0, seq0=260)
    gap, at = flow_gaps([t for t, _ in a], 1.0, 2.0)
    assert gap == pytest.approx(0.405, abs=1e-6)
    assert at == pytest.approx(0.895, abs=1e-6)


def test_arrivals_after_the_window_are_ignored():
    a = steady(0.0, 1.0) + steady(2.5, 3.0, seq0=500)
    gap, _ = flow_gaps([t for t, _ in a], 0.0, 2.0)
    assert gap == pytest.approx(1.005, abs=1e-6)


def test_duplicates_and_reordering_count_once():
    a = [(0.0, 0), (0.005, 1), (0.006, 1), (0.01, 3), (0.011, 2)]
    r = summarize({40000: a}, 0.0, 0.015, sent_per_flow=4)
    f = r["flows"]["40000"]
    assert f["received"] == 4 and f["lost"] == 0


def test_loss_without_sender_count_uses_highest_seq():
    a = [(0.0, 0), (0.01, 2), (0.02, 5)]
    r = summarize({40000: a}, 0.0, 0.02)
    assert r["flows"]["40000"]["lost"] == 3


def test_summarize_command_reads_the_processes_files(tmp_path):
    raw = {"arrivals": {"40000": [[t, s] for t, s in steady(10.0, 11.0)]}}
    sent = {"t_start": 10.0, "t_end": 12.0, "sent_per_flow": 400,
            "flows": 2, "sport_base": 40000}
    (tmp_path / "raw.json").write_text(json.dumps(raw))
    (tmp_path / "sent.json").write_text(json.dumps(sent))
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "pylib", "vflaglab", "udpflows.py")
    p = subprocess.run([sys.executable, lib, "summarize",
                        str(tmp_path / "raw.json"),
                        str(tmp_path / "sent.json")],
                       capture_output=True, text=True, check=True)
    r = json.loads(p.stdout)
    assert r["flows"]["40000"]["max_gap_ms"] == pytest.approx(1005.0, 0.01)
    assert r["flows"]["40001"]["max_gap_ms"] == pytest.approx(2000.0)
    assert r["lost"] == 200 + 400
