"""vflagd's control plane: PFs, VFs and their rules, bad input from the
CLI, a config file and the raw socket, the JSON shapes of doc/ctl.md,
map-rep and teardown order. No traffic."""

import json
import re
import subprocess

from vflaglab.netns import link_exists, link_names, sh
from vflaglab.vflagd import (EXIT_NODAEMON, EXIT_OK, EXIT_REFUSED, EXIT_USAGE,
                           Vflagd, write_config)

MAC = "6a:66:2d:48:92:c3"


def uplinks(lab, n=2):
    """n veth uplinks: root-namespace ends (returned) whose peers sit in a
    switch namespace."""
    sw = lab.netns("sw")
    ends = []
    for i in range(n):
        up = lab.ifname(f"up{i}")
        lab.veth(up, None, lab.ifname(f"sw{i}"), sw)
        ends.append(up)
    return ends


def pf_names(lab, n=2):
    return [f"{'abcdefgh'[i]}{lab.tag}" for i in range(n)]


def links_of(pf, ns=None):
    """Links named after a PF (its VF ports and representors)."""
    return [n for n in link_names(ns) if n.startswith(f"{pf}vf")
            or n.startswith(f"{pf}_")]


def has_clsact(dev):
    out = sh(["tc", "-j", "qdisc", "show", "dev", dev]).stdout
    return any(q.get("kind") == "clsact" for q in json.loads(out or "[]"))


def expect_rc(d, rc, *args, mention=None):
    got, out, err = d.ctl_rc(*args)
    assert got == rc, f"vflagctl {' '.join(map(str, args))}: exit {got}, " \
        f"want {rc}: {err or out}"
    if rc != EXIT_OK:
        assert err.strip() or out.strip(), "a refusal must say why"
    if mention:
        assert mention in (err + out), f"{mention!r} not in {err + out!r}"
    return out, err


# -- PFs ---------------------------------------------------------------------

def test_pf_add_show_del(lab, vflagd):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    assert vflagd.ctl("pf", "add", a, "dev", up0) is None
    vflagd.ctl("pf", "add", b, "dev", up1, "pci", "0000:61:00.1")
    show = vflagd.ctl("show")
    assert set(show) >= {"pfs", "bonds"}
    pfs = {p["name"]: p for p in show["pfs"]}
    assert set(pfs) == {a, b}
    for name, dev in ((a, up0), (b, up1)):
        p = pfs[name]
        assert set(p) >= {"name", "dev", "ifindex", "mac", "pci", "link",
                          "numvfs", "vf_type", "eswitch_mode", "spoofchk",
                          "bond"}
        assert p["dev"] == dev
        assert p["ifindex"] == int(open(f"/sys/class/net/{dev}/ifindex")
                                   .read())
        assert p["mac"] == open(f"/sys/class/net/{dev}/address").read().strip()
        assert p["numvfs"] == 0 and p["bond"] is None
        assert p["link"] == "up"
    assert pfs[b]["pci"] == "0000:61:00.1"
    assert vflagd.ctl("pf", "show", a)["pfs"][0]["name"] == a
    assert show["bonds"] == []
    # text output exists too
    assert a in vflagd.ctl("show", json=False)
    vflagd.ctl("pf", "del", a)
    assert [p["name"] for p in vflagd.ctl("show")["pfs"]] == [b]
    assert link_exists(up0), "pf del must give the interface back, not delete it"
    assert not has_clsact(up0), "pf del must remove its tc hooks"


def test_numvfs_rules(lab, vflagd):
    (up0,) = uplinks(lab, 1)
    (a,) = pf_names(lab, 1)
    vflagd.ctl("pf", "add", a, "dev", up0)
    vflagd.ctl("pf", "set", a, "numvfs", 2)
    assert sorted(links_of(a)) == sorted([f"{a}vf0", f"{a}vf1", f"{a}_0",
                                          f"{a}_1"])
    vfs = vflagd.ctl("vf", "show", a)["vfs"]
    assert [(v["vf"], v["ifname"], v["rep"]) for v in vfs] == \
        [(0, f"{a}vf0", f"{a}_0"), (1, f"{a}vf1", f"{a}_1")]
    for v in vfs:
        assert set(v) >= {"pf", "vf", "ifname", "rep", "type", "mac", "pci",
                          "netns", "in_use"}
        assert v["netns"] is None and v["type"] == "veth"
    # non-zero -> non-zero is refused (as sriov_numvfs: go through 0)
    expect_rc(vflagd, EXIT_REFUSED, "pf", "set", a, "numvfs", 3)
    assert len(vflagd.ctl("vf", "show", a)["vfs"]) == 2
    assert len(links_of(a)) == 4
    vflagd.ctl("pf", "set", a, "numvfs", 0)
    assert links_of(a) == []
    assert vflagd.ctl("vf", "show", a)["vfs"] == []
    vflagd.ctl("pf", "set", a, "numvfs", 3)
    assert len(links_of(a)) == 6
    assert vflagd.ctl("pf", "show", a)["pfs"][0]["numvfs"] == 3
    for bad in ("65", "-1", "two"):
        vflagd.ctl("pf", "set", a, "numvfs", 0)
        expect_rc(vflagd, EXIT_USAGE, "pf", "set", a, "numvfs", bad)
        assert links_of(a) == []
        vflagd.ctl("pf", "set", a, "numvfs", 3)


def test_tap_vfs(lab, vflagd):
    (up0,) = uplinks(lab, 1)
    (a,) = pf_names(lab, 1)
    vflagd.ctl("pf", "add", a, "dev", up0)
    vflagd.ctl("pf", "set", a, "numvfs", 1, "type", "tap")
    (vf,) = vflagd.ctl("vf", "show", a)["vfs"]
    assert vf["type"] == "tap"
    kind = json.loads(sh(["ip", "-j", "-d", "link", "show", "dev",
                          vf["ifname"]]).stdout)[0]["linkinfo"]["info_kind"]
    assert kind == "tun"
    vflagd.ctl("pf", "set", a, "numvfs", 0)
    assert not link_exists(vf["ifname"])


def test_bad_inputs(lab, vflagd):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    missing = lab.ifname("nope")
    expect_rc(vflagd, EXIT_REFUSED, "pf", "add", a, "dev", missing,
              mention=missing)
    vflagd.ctl("pf", "add", a, "dev", up0)
    # the same interface twice, the same name twice
    expect_rc(vflagd, EXIT_REFUSED, "pf", "add", b, "dev", up0, mention=up0)
    expect_rc(vflagd, EXIT_REFUSED, "pf", "add", a, "dev", up1, mention=a)
    # names: 1..8 of [a-z0-9], starting with a letter
    for bad in ("Up0", "9abc", "abcdefghi", "a-b", ""):
        expect_rc(vflagd, EXIT_USAGE, "pf", "add", bad, "dev", up1)
    vflagd.ctl("pf", "set", a, "numvfs", 1)
    for mac in ("6a:66:2d:48:92", "zz:66:2d:48:92:c3", "6a:66:2d:48:92:c3:00",
                "6a-66-2d-48-92-c3x"):
        expect_rc(vflagd, EXIT_USAGE, "vf", "set", a, "vf", 0, "mac", mac)
    expect_rc(vflagd, EXIT_REFUSED, "vf", "set", a, "vf", 5, "mac", MAC)
    expect_rc(vflagd, EXIT_REFUSED, "vf", "set", a, "vf", 0, "netns",
              f"vf{lab.tag}nonexistent")
    expect_rc(vflagd, EXIT_USAGE, "bond", "add", f"bd{lab.tag}", "mode",
              "balance-rr", "members", a, mention="balance-rr")
    expect_rc(vflagd, EXIT_USAGE, "bond", "add", f"bd{lab.tag}", "mode",
              "4", "lacp_rate", "sometimes", "members", a)
    expect_rc(vflagd, EXIT_USAGE, "bond", "add", f"bd{lab.tag}", "mode",
              "4", "xmit_hash_policy", "layer9", "members", a)
    expect_rc(vflagd, EXIT_REFUSED, "bond", "add", f"bd{lab.tag}", "mode",
              "4", "members", a, f"z{lab.tag}")
    expect_rc(vflagd, EXIT_USAGE, "frobnicate")
    expect_rc(vflagd, EXIT_USAGE, "pf", "explode", a)
    expect_rc(vflagd, EXIT_REFUSED, "pf", "del", f"z{lab.tag}")
    expect_rc(vflagd, EXIT_REFUSED, "stats", f"z{lab.tag}")
    # none of it left a trace
    show = vflagd.ctl("show")
    assert [p["name"] for p in show["pfs"]] == [a] and show["bonds"] == []
    assert sorted(links_of(a)) == [f"{a}_0", f"{a}vf0"]


def test_no_daemon_exit_code(lab):
    d = Vflagd(lab)  # not started: the CLI alone, pointed at no socket
    d.sock = lab.path("nobody-listens.sock")
    rc, out, err = d.ctl_rc("show")
    assert rc == EXIT_NODAEMON, (rc, out, err)
    assert err.strip()


# -- config file ----------------------------------------------------------

def test_config_file_applied(lab):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    bond = f"bd{lab.tag}"
    cfg = write_config(lab, [
        "# the seed's set-up, as a config file",
        f"pf add {a} dev {up0}",
        f"pf add {b} dev {up1}",
        "",
        f"pf set {a} numvfs 2   # two VFs",
        f"bond add {bond} mode 802.3ad miimon 100 lacp_rate fast "
        f"members {a} {b}",
    ])
    d = Vflagd(lab, config=cfg).start()
    try:
        show = d.ctl("show")
        assert sorted(p["name"] for p in show["pfs"]) == sorted([a, b])
        assert show["bonds"] == [bond]
        assert len(links_of(a)) == 4
    finally:
        rc = d.stop()
    d.check_clean_exit(rc)
    assert links_of(a) == [] and not has_clsact(up0) and not has_clsact(up1)


def test_bad_config_at_line_n_leaves_nothing(lab):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    cfg = write_config(lab, [
        f"pf add {a} dev {up0}",
        f"pf add {b} dev {up1}",
        f"pf set {a} numvfs 2",
        f"pf set {b} numvfs 2",
        f"bond add bd{lab.tag} mode 802.3ad members {a} {b}",
        f"vf set {a} vf 0 mac {MAC}",
        f"pf add c{lab.tag} dev {lab.ifname('nope')}",  # line 7
        f"pf set {a} numvfs 0",
    ])
    d = Vflagd(lab, config=cfg)
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, p.stderr
    assert re.search(rf"(CONFIG|{re.escape(cfg)}):7: ", p.stderr), p.stderr
    for pf in (a, b):
        assert links_of(pf) == [], f"{pf}'s links left behind"
    for up in (up0, up1):
        assert link_exists(up) and not has_clsact(up)


def test_bad_config_syntax(lab):
    (up0,) = uplinks(lab, 1)
    (a,) = pf_names(lab, 1)
    cfg = write_config(lab, [f"pf add {a} dev {up0}", "# fine",
                             f"pf set {a} numvfs lots"])
    d = Vflagd(lab, config=cfg)
    p = subprocess.run(d.argv(), capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert re.search(rf"(CONFIG|{re.escape(cfg)}):3: ", p.stderr), p.stderr
    assert not has_clsact(up0)


# -- the raw control socket ------------------------------------------------

def _is_usage_error(reply):
    return isinstance(reply, dict) and reply.get("ok") is False \
        and reply.get("usage") is True and reply.get("error")


def test_malformed_control_messages(lab, vflagd):
    bad = [
        b"garbage\n",
        b"\n",
        b"[\"show\"]\n",
        b"42\n",
        b"{}\n",
        b"{\"argv\": \"show\"}\n",
        b"{\"argv\": []}\n",
        b"{\"argv\": [1, 2]}\n",
        b"{\"argv\": [\"show\", null]}\n",
        b"{\"argv\": [\"show\"]\n",                    # truncated JSON
        b"{\"argv\": [\"sh\\u0000ow\"]}\n",             # NUL inside
        b"{\"argv\": [\"\xff\xfe\"]}\n",                # not UTF-8
        json.dumps({"argv": ["show"] * 65}).encode() + b"\n",
        json.dumps({"argv": ["pf", "add", "x" * 257]}).encode() + b"\n",
    ]
    replies = vflagd.raw(bad + [b"{\"argv\": [\"show\"]}\n"])
    assert len(replies) == len(bad) + 1, replies
    for req, rep in zip(bad, replies):
        assert _is_usage_error(rep), (req[:80], rep)
    assert replies[-1]["ok"] is True and "pfs" in replies[-1]["data"]
    # a line over 65536 bytes: an error, then the connection is closed
    huge = b"{\"argv\": [\"" + b"a" * 70000 + b"\"]}\n"
    rep = vflagd.raw([huge])
    assert rep and _is_usage_error(rep[0]), rep[:1]
    assert vflagd.connection_closed(huge)
    # and the daemon still serves everyone
    assert vflagd.ctl("show")["pfs"] == []


def test_stuck_client_does_not_block_others(lab, vflagd):
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(vflagd.sock)
    s.sendall(b"{\"argv\": [\"sh")  # never finished
    try:
        for _ in range(3):
            assert vflagd.ctl("show")["pfs"] == []
    finally:
        s.close()
    # many connections opened and dropped at once
    socks = []
    for _ in range(50):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(vflagd.sock)
        socks.append(c)
    for c in socks:
        c.close()
    assert vflagd.ctl("show")["pfs"] == []


# -- shapes -----------------------------------------------------------------

def test_show_shapes_and_map_rep(lab, vflagd):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    bond = f"bd{lab.tag}"
    vm = lab.netns("vm")
    vflagd.ctl("pf", "add", a, "dev", up0, "pci", "0000:61:00.0")
    vflagd.ctl("pf", "add", b, "dev", up1, "pci", "0000:61:00.1")
    vflagd.ctl("pf", "set", a, "numvfs", 2)
    vflagd.ctl("bond", "add", bond, "mode", "802.3ad", "miimon", 100,
               "lacp_rate", "fast", "xmit_hash_policy", "layer3+4",
               "members", a, b)
    vflagd.ctl("vf", "set", a, "vf", 0, "mac", MAC, "netns", vm.name)
    assert link_exists(f"{a}vf0", vm.name) and not link_exists(f"{a}vf0")

    show = vflagd.ctl("show")
    assert show["bonds"] == [bond]
    assert {p["name"]: p["bond"] for p in show["pfs"]} == {a: bond, b: bond}

    vfs = {v["vf"]: v for v in vflagd.ctl("vf", "show", a)["vfs"]}
    assert vfs[0]["mac"] == MAC and vfs[0]["netns"] == vm.name
    assert vfs[0]["in_use"] is True
    assert vfs[1]["netns"] is None
    got_mac = json.loads(sh(["ip", "-j", "link", "show", "dev", f"{a}vf0"],
                            ns=vm.name).stdout)[0]["address"]
    assert got_mac == MAC

    reps = vflagd.ctl("map-rep", a)["reps"]
    assert [r["vf"] for r in reps] == [0, 1]
    r0 = reps[0]
    assert set(r0) >= {"vf", "representor", "vf_port", "vf_pci", "pf",
                       "pf_dev", "machine"}
    assert (r0["representor"], r0["vf_port"], r0["pf"], r0["pf_dev"],
            r0["machine"]) == (None, f"{a}vf0", a, up0, vm.name)  # legacy mode
    assert reps[1]["machine"] is None
    assert r0["vf_pci"] != reps[1]["vf_pci"]
    assert a in vflagd.ctl("map-rep", json=False)

    bs = vflagd.ctl("bond", "show", bond)["bonds"]
    assert len(bs) == 1
    bd = bs[0]
    assert (bd["name"], bd["mode"], bd["mode_num"], bd["xmit_hash_policy"],
            bd["miimon"]) == (bond, "802.3ad", 4, "layer3+4", 100)
    assert set(bd) >= {"updelay", "downdelay", "primary", "carrier",
                       "lacp", "members"}
    assert set(bd["lacp"]) >= {"rate", "active", "ad_select", "min_links",
                               "sys_priority", "sys_mac", "aggregator_id",
                               "num_ports", "partner_mac", "partner_key",
                               "actor_key"}
    assert bd["lacp"]["rate"] == "fast" and bd["lacp"]["active"] is True
    assert [m["name"] for m in bd["members"]] == [a, b]
    for m in bd["members"]:
        assert set(m) >= {"name", "dev", "link", "mac", "state", "tx", "rx",
                          "link_failures", "lacp"}
        assert m["state"] in ("active", "backup", "down")
        lm = m["lacp"]
        assert set(lm) >= {"aggregator_id", "selected", "actor", "partner",
                           "rx_state", "mux_state", "periodic_state",
                           "actor_churn", "partner_churn", "counters"}
        assert set(lm["actor"]) >= {"system_priority", "system", "key",
                                    "port_priority", "port", "state",
                                    "state_raw"}
        assert "activity" in lm["actor"]["state"]
        assert "short_timeout" in lm["actor"]["state"]
        cn = set(lm["counters"])
        assert {"lacpdu_rx", "lacpdu_tx", "rx_truncated", "rx_bad_version",
                "rx_bad_tlv", "rx_bad_system", "rx_not_slow", "rx_looped",
                "partner_changes", "illegal_rx", "unknown_rx"} <= cn, cn
    stats = vflagd.ctl("stats", a)["ports"]
    up = next(p for p in stats if p["name"] == a)
    assert up["kind"] == "uplink" and up["dev"] == up0
    assert set(up["counters"]) >= {"rx_packets_phy", "tx_packets_phy",
                                   "rx_bytes_phy", "tx_bytes_phy",
                                   "lag_tx_packets"}
    every = vflagd.ctl("stats")["ports"]
    names = {p["name"] for p in every}
    assert {a, b, f"{a}vf0"} <= names
    assert next(p for p in every if p["name"] == f"{a}vf0")["kind"] == "vf"
    # bond xmit-member answers with one of the members
    x = vflagd.ctl("bond", "xmit-member", bond, "proto", "tcp", "src",
                   "1.1.1.1", "dst", "1.1.1.2", "sport", 1000, "dport", 5201)
    assert x["bond"] == bond and x["xmit_hash_policy"] == "layer3+4"
    assert x["member"] in (None, a, b)


# -- teardown ---------------------------------------------------------------

def _setup_vf_in_ns(lab, vflagd):
    up0, up1 = uplinks(lab)
    a, b = pf_names(lab)
    vm = lab.netns("vm")
    vflagd.ctl("pf", "add", a, "dev", up0)
    vflagd.ctl("pf", "add", b, "dev", up1)
    vflagd.ctl("pf", "set", a, "numvfs", 2)
    vflagd.ctl("bond", "add", f"bd{lab.tag}", "mode", "active-backup",
               "miimon", 100, "members", a, b)
    vflagd.ctl("vf", "set", a, "vf", 0, "mac", MAC, "netns", vm.name)
    return a, b, vm, (up0, up1)


def test_teardown_refused_while_vf_in_namespace(lab, vflagd):
    """The seed's order: take the VF from the VM first."""
    a, b, vm, ups = _setup_vf_in_ns(lab, vflagd)
    expect_rc(vflagd, EXIT_REFUSED, "teardown", mention=f"{a}vf0")
    assert len(vflagd.ctl("show")["pfs"]) == 2
    assert link_exists(f"{a}vf0", vm.name)
    vflagd.ctl("vf", "set", a, "vf", 0, "netns", "-")
    assert link_exists(f"{a}vf0") and not link_exists(f"{a}vf0", vm.name)
    vflagd.ctl("teardown")
    show = vflagd.ctl("show")
    assert show["pfs"] == [] and show["bonds"] == []
    assert links_of(a) == [] and links_of(b) == []
    for up in ups:
        assert link_exists(up) and not has_clsact(up)


def test_teardown_force_with_vf_in_namespace(lab, vflagd):
    a, b, vm, ups = _setup_vf_in_ns(lab, vflagd)
    vflagd.ctl("teardown", "--force")
    assert vflagd.ctl("show")["pfs"] == []
    assert not link_exists(f"{a}vf0", vm.name)
    assert links_of(a) == [] and links_of(a, vm.name) == []
    for up in ups:
        assert not has_clsact(up)
    # it can all be built again afterwards
    vflagd.ctl("pf", "add", a, "dev", ups[0])
    vflagd.ctl("pf", "set", a, "numvfs", 1)
    assert links_of(a) == [f"{a}_0", f"{a}vf0"] or \
        sorted(links_of(a)) == sorted([f"{a}_0", f"{a}vf0"])


def test_pf_del_refused_while_in_use(lab, vflagd):
    a, b, vm, ups = _setup_vf_in_ns(lab, vflagd)
    bond = f"bd{lab.tag}"
    # a bond member goes through `bond member del` first, --force or not
    expect_rc(vflagd, EXIT_REFUSED, "pf", "del", a, mention=bond)
    expect_rc(vflagd, EXIT_REFUSED, "pf", "del", a, "--force", mention=bond)
    vflagd.ctl("bond", "member", "del", bond, a)
    assert [m["name"] for m in vflagd.bond(bond)["members"]] == [b]
    # its VF is still in a namespace
    expect_rc(vflagd, EXIT_REFUSED, "pf", "del", a, mention=f"{a}vf0")
    assert a in [p["name"] for p in vflagd.ctl("show")["pfs"]]
    assert link_exists(f"{a}vf0", vm.name)
    vflagd.ctl("pf", "del", a, "--force")
    assert a not in [p["name"] for p in vflagd.ctl("show")["pfs"]]
    assert links_of(a) == [] and links_of(a, vm.name) == []
    assert link_exists(ups[0]) and not has_clsact(ups[0])


def test_sigterm_with_vf_in_namespace_tears_down(lab):
    d = Vflagd(lab).start()
    try:
        a, b, vm, ups = _setup_vf_in_ns(lab, d)
    finally:
        rc = d.stop()
    d.check_clean_exit(rc)
    assert links_of(a) == [] and links_of(a, vm.name) == []
    for up in ups:
        assert link_exists(up) and not has_clsact(up)
