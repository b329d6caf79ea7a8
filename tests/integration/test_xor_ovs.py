"""Mode 2 (balance-xor, a static LAG) against OVS balance-slb with LACP
off: no LACPDUs, vflag spreads by its hash, OVS by source MAC."""

import time

from vflaglab import linkfail
from vflaglab.netns import wait_for
from vflaglab.topo import CLIENT_IP, VM_IP, VfLagTopo, counter_delta, shares
from vflaglab.traffic import (Iperf3Client, Iperf3Server, OutageMeter, log,
                            ping, summarize_bps)

XOR = ("miimon", 100, "xmit_hash_policy", "layer3+4")


def make(lab, vflagd):
    t = VfLagTopo(lab, vflagd, peer="ovs", mode="balance-xor",
                  bond_opts=XOR, ovs_mode="balance-slb", ovs_lacp="off")
    # OVS SLB accepts broadcasts only on its active member: let the client
    # ARP first, so both ends learn each other whatever vflag hashes.
    t.wait_connectivity()
    return t


def test_xor_static_lag(lab, vflagd):
    t = make(lab, vflagd)
    bd = t.bond_view()
    assert (bd["mode"], bd["mode_num"]) == ("balance-xor", 2)
    assert "lacp" not in bd
    assert all(m["tx"] and m["rx"] for m in bd["members"])
    ovs = t.ovs.bond_show(t.ovs_bond)
    assert ovs["bond_mode"] == "balance-slb"
    assert ovs.get("lacp_status") in ("off", "disabled"), ovs["raw"]
    for m in bd["members"]:
        # LACP is off on both sides: nobody sent a LACPDU to vflag
        c = vflagd.counters(m["name"])
        key = next(k for k in ("rx_slow_proto_packets", "slow_proto_packets")
                   if k in c)
        assert c[key] == 0, c


def test_xor_spreads_vm_traffic_and_survives_failure(lab, vflagd):
    t = make(lab, vflagd)
    Iperf3Server(lab, t.vm, bind=VM_IP)
    for attempt in range(3):
        c = Iperf3Client(lab, t.client, VM_IP, parallel=10, seconds=4,
                         reverse=True).start()
        time.sleep(1)
        before = t.uplink_counters()
        time.sleep(2.5)
        after = t.uplink_counters()
        res = c.result()
        tx = counter_delta(before, after, "tx_packets_phy")
        sh = shares(tx)
        log(f"balance-xor iperf3 -P 10 VM->client: "
            f"{summarize_bps(res['received_bps'])}, tx_packets_phy {tx}")
        if min(sh.values()) >= 0.20:
            break
    assert min(sh.values()) >= 0.20, tx

    failed, survivor = t.pfs
    rev = OutageMeter(lab, t.vm, t.client, CLIENT_IP, flows=16).start(
        settle=1.0)
    fwd = OutageMeter(lab, t.client, t.vm, VM_IP, flows=16, port=9001,
                      sport_base=41000).start(settle=0.5)
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=False)
    wait_for(lambda: not t.members()[failed]["tx"], 3, interval=0.02,
             what=f"{failed} to stop transmitting")
    time.sleep(1.0)
    c0 = t.uplink_counters()
    time.sleep(1.0)
    c1 = t.uplink_counters()
    r, f = rev.stop(), fwd.stop()
    log(f"balance-xor carrier failure: outage VM->client {r['max_gap_ms']} "
        f"ms, client->VM {f['max_gap_ms']} ms")
    tx = counter_delta(c0, c1, "tx_packets_phy")
    assert tx[failed] == 0 and tx[survivor] > 100, tx
    assert r["max_gap_ms"] < 1500 and f["max_gap_ms"] < 1500, (r, f)
    linkfail.carrier(lab, t.sw, t.sw_ends[0], up=True)
    wait_for(lambda: all(m["tx"] for m in t.members().values()), 5,
             what="both members back")
    assert ping(t.client, VM_IP)
