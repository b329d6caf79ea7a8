"""The offload table's control plane on a real vflagd (issue 9 item 4):
`flow add/del/show` with tc-flower's words over VF representors, a lone
PF and a bond, the not_in_hw reasons, clear refusals, `vflagctl -b`, and
the rules surviving a vflagd restart in the pinned maps. Frames through
the rules are the BPF unit tests' (tests/unit/flow/test_flow_bpf.c);
switchdev traffic tests come with the switchdev mode."""

import signal

from vflaglab.vflagd import EXIT_REFUSED, EXIT_USAGE, Vflagd

from test_basics import expect_rc, uplinks


def setup_ports(lab, d):
    """PF a (lone, 2 VFs), PFs b and c in bond `bd<tag>`."""
    up = uplinks(lab, 3)
    a, b, c = [f"{x}{lab.tag}" for x in "abc"]
    for name, dev in zip((a, b, c), up):
        d.ctl("pf", "add", name, "dev", dev)
    d.ctl("pf", "set", a, "numvfs", "2")
    bond = f"bd{lab.tag}"
    d.ctl("bond", "add", bond, "mode", "active-backup", "members", b, c)
    # Rules are in the eswitch only in switchdev with hw-tc-offload on.
    for pf in (a, b, c):
        d.ctl("pf", "set", pf, "hw-tc-offload", "on")
        d.ctl("eswitch", "set", pf, "mode", "switchdev")
    return a, bond, up[0]


def rules(d, *args):
    return d.ctl("flow", "show", *args)["rules"]


def test_flow_add_show_del(lab, vflagd):
    d = vflagd
    a, bond, up_a = setup_ports(lab, d)
    r0, r1 = f"{a}_0", f"{a}_1"
    h1 = d.ctl("flow", "add", "dev", r0, "prio", "10", "flower", "dst_mac",
               "02:00:00:00:00:01", "action", "drop")["handle"]
    h2 = d.ctl("flow", "add", "dev", r0, "prio", "20", "flower", "eth_type",
               "ipv4", "ip_proto", "tcp", "dst_ip", "10.0.0.0/8",
               "dst_port", "80", "action", "mirred", "egress", "redirect",
               "dev", bond)["handle"]
    h3 = d.ctl("flow", "add", "dev", bond, "flower", "vlan_id", "10",
               "action", "vlan", "pop", "action", "mirred", "egress",
               "redirect", "dev", r1)["handle"]
    h4 = d.ctl("flow", "add", "dev", a, "chain", "5", "flower", "action",
               "drop")["handle"]
    h5 = d.ctl("flow", "add", "dev", r0, "prio", "30", "flower", "dst_mac",
               "02:00:00:00:00:01", "action", "drop")["handle"]
    assert [h1, h2, h3, h4, h5] == [1, 2, 3, 4, 5]
    got = {r["handle"]: r for r in rules(d)}
    assert set(got) == {1, 2, 3, 4, 5}
    assert got[1] == {"dev": r0, "prio": 10, "chain": 0, "handle": 1,
                      "match": "dst_mac 02:00:00:00:00:01",
                      "actions": "drop", "in_hw": True, "origin": "user"}
    assert got[2]["match"] == \
        "eth_type ipv4 ip_proto tcp dst_ip 10.0.0.0/8 dst_port 80"
    assert got[2]["actions"] == f"mirred egress redirect dev {bond}"
    assert got[3]["prio"] == 49152  # tc's automatic prio
    assert got[3]["actions"] == f"vlan pop | mirred egress redirect dev {r1}"
    assert got[3]["in_hw"] is True
    assert got[4]["in_hw"] is False
    assert got[4]["reason"] == "chain 5: no goto chain is offloaded"
    assert got[5]["in_hw"] is False
    assert got[5]["reason"] == \
        "an identical match exists (handle 1, prio 10)"
    # -s: counters (nothing has matched here) and last use.
    st = {r["handle"]: r for r in rules(d, "dev", r0, "-s")}
    assert set(st) == {1, 2, 5}
    assert st[1]["stats"] == {"packets": 0, "bytes": 0, "last_used": None}
    # The table for people.
    text = d.ctl("flow", "show", "-s", json=False)
    assert "HANDLE" in text and "PACKETS" in text
    assert "not_in_hw: chain 5: no goto chain is offloaded" in text
    assert "5 rule(s), 3 of 32 masks in use" in text
    # Deletes: the in_hw one gives way to its duplicate.
    assert d.ctl("flow", "del", "dev", r0, "handle", "1") == {"deleted": 1}
    got = {r["handle"]: r for r in rules(d)}
    assert got[5]["in_hw"] is True
    assert d.ctl("flow", "del", "dev", r0, "prio", "20") == {"deleted": 1}
    assert d.ctl("flow", "del", "dev", r0) == {"deleted": 1}
    assert {r["handle"] for r in rules(d)} == {3, 4}
    # Handles are reused from the lowest.
    assert d.ctl("flow", "add", "dev", up_a, "flower", "action",
                 "drop")["handle"] == 1
    # A teardown takes the rules with everything else.
    d.ctl("teardown")
    assert rules(d) == []


def test_flow_refusals(lab, vflagd):
    d = vflagd
    a, bond, _ = setup_ports(lab, d)
    b = f"b{lab.tag}"
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", "nosuch", "flower",
              "action", "drop", mention="no port nosuch")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", f"{a}_0", "flower",
              "action", "mirred", "egress", "redirect", "dev", "nosuch",
              mention="no port nosuch")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", b, "flower", "action",
              "drop", mention=f"is a member of bond {bond}")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", f"{a}_0", "flower",
              "src_ip", "10.0.0.1", "action", "drop", mention="eth_type")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", f"{a}_0", "flower",
              "eth_type", "ipv4", "dst_port", "80", "action", "drop",
              mention="ip_proto tcp, udp or sctp")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", f"{a}_0", "flower",
              "colour", "red", "action", "drop", mention='"colour"')
    d.ctl("flow", "add", "dev", f"{a}_0", "prio", "1", "flower", "action",
          "drop")
    expect_rc(d, EXIT_REFUSED, "flow", "add", "dev", f"{a}_0", "prio", "1",
              "flower", "action", "drop", mention="this match exists")
    expect_rc(d, EXIT_REFUSED, "flow", "del", "dev", f"{a}_1",
              mention="no rule")
    expect_rc(d, EXIT_USAGE, "flow", "del", "port", f"{a}_1",
              mention="flow del dev PORT")
    expect_rc(d, EXIT_USAGE, "flow", "show", "everything",
              mention="flow show [dev PORT] [-s]")
    assert len(rules(d)) == 1


def test_flow_batch(lab, vflagd):
    d = vflagd
    a, bond, _ = setup_ports(lab, d)
    path = lab.path("rules.batch")
    with open(path, "w") as f:
        f.write("# a tc -batch style file\n")
        for i in range(300):
            f.write(f"flow add dev {a}_0 prio {i + 1} flower eth_type ipv4 "
                    f"dst_ip 10.{i // 256}.{i % 256}.0/24 action drop\n")
        f.write(f"flow add dev {a}_0 flower eth_type ipx action drop\n")
        f.write(f"flow add dev {bond} flower action mirred egress redirect "
                f"dev {a}_1\n")
    rc, out, err = d.ctl_rc("-b", path)
    assert rc == EXIT_REFUSED, err
    assert f"{path}:302: Error: eth_type \"ipx\"" in err
    assert "1 of 302 command(s) failed" in err
    got = rules(d)
    assert len(got) == 301 and all(r["in_hw"] for r in got)
    assert d.ctl("flow", "del", "dev", f"{a}_0") == {"deleted": 300}


class Keeper(Vflagd):
    """vflagd stopped without teardown: the datapath and its rules stay."""

    def argv(self):
        return [self.vflagd, "-s", self.sock, "-l", "debug"]


def test_flow_rules_survive_restart(lab):
    d = Keeper(lab).start()
    try:
        a, bond, _ = setup_ports(lab, d)
        d.ctl("flow", "add", "dev", f"{a}_0", "prio", "7", "flower",
              "dst_mac", "02:00:00:00:00:09/ff:ff:ff:00:00:00", "action",
              "vlan", "push", "id", "42", "action", "mirred", "egress",
              "redirect", "dev", bond)
        d.ctl("flow", "add", "dev", bond, "prio", "3", "flower", "eth_type",
              "ipv6", "src_ip", "2001:db8::/32", "action", "drop")
        before = rules(d)
        assert d.proc.stop(signal.SIGTERM, timeout=20) == 0
        d = Keeper(lab).start()
        assert d.ctl("show")["adopted"] is True
        after = rules(d)
        assert after == before
        # The adopted table goes on.
        assert d.ctl("flow", "del", "dev", bond) == {"deleted": 1}
        assert d.ctl("flow", "add", "dev", bond, "flower", "action",
                     "drop")["handle"] == 2
    finally:
        d.ctl("teardown", "--force")
        d.proc.stop(signal.SIGTERM, timeout=20)


def test_flow_rules_follow_ports(lab, vflagd):
    """VFs removed: their rules leave the eswitch (kept, with the reason);
    VFs made again under the same names: the rules are back in."""
    d = vflagd
    a, bond, _ = setup_ports(lab, d)
    h = d.ctl("flow", "add", "dev", f"{a}_1", "flower", "action", "mirred",
              "egress", "redirect", "dev", bond)["handle"]
    assert rules(d)[0]["in_hw"] is True
    d.ctl("pf", "set", a, "numvfs", "0")
    r = rules(d)[0]
    assert r["handle"] == h and r["in_hw"] is False
    assert r["reason"].startswith(f"no port {a}_1")
    d.ctl("pf", "set", a, "numvfs", "2")
    assert rules(d)[0]["in_hw"] is True


def test_flow_follows_modes(lab, vflagd):
    """A rule leaves the eswitch with its PF's hw-tc-offload or switchdev
    mode, saying why, and comes back with them."""
    d = vflagd
    a, bond, _ = setup_ports(lab, d)
    d.ctl("flow", "add", "dev", f"{a}_0", "flower", "action", "drop")
    d.ctl("flow", "add", "dev", bond, "flower", "action", "drop")
    d.ctl("pf", "set", a, "hw-tc-offload", "off")
    got = {r["dev"]: r for r in rules(d)}
    assert got[f"{a}_0"]["in_hw"] is False
    assert got[f"{a}_0"]["reason"] == f"hw-tc-offload off on PF {a}"
    assert got[bond]["in_hw"] is True
    d.ctl("pf", "set", a, "hw-tc-offload", "on")
    d.ctl("eswitch", "set", a, "mode", "legacy")
    r = rules(d, "dev", f"{a}_0")[0]
    assert r["in_hw"] is False
    assert r["reason"] == f"PF {a} eswitch in legacy mode"
    # A bond's rules leave when one of its PFs does (the LAG keeps its
    # mode until both agree, so the bond's mode in effect says).
    b = f"b{lab.tag}"
    d.ctl("eswitch", "set", b, "mode", "legacy")
    assert rules(d, "dev", bond)[0]["in_hw"] is True
    d.ctl("eswitch", "set", f"c{lab.tag}", "mode", "legacy")
    r = rules(d, "dev", bond)[0]
    assert r["in_hw"] is False and "legacy" in r["reason"]
    for pf in (a, b, f"c{lab.tag}"):
        d.ctl("eswitch", "set", pf, "mode", "switchdev")
    assert all(r["in_hw"] for r in rules(d))
