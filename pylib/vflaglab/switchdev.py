"""Switchdev set-ups the tests and benches share (doc/switchdev.md):

  switchdev(t, offload=True)   both PFs of a VfLagTopo to switchdev, with
                               hw-tc-offload on or off; t.rep becomes VF
                               0's representor
  host_bridge(lab, ports)      a kernel bridge in vflagd's namespace over
                               ports (representors, the bond's netdev), as
                               the seed's `ip link set ... master`;
                               removed with the lab
  dev_mac(dev, ns=None)        a link's MAC
"""

import json

from .netns import sh


def switchdev(t, offload=True, mode="switchdev"):
    for pf in t.pfs:
        t.d.ctl("pf", "set", pf, "hw-tc-offload", "on" if offload else "off")
        t.d.ctl("eswitch", "set", pf, "mode", mode)
    t.rep = t.d.ctl("map-rep", t.pfs[0])["reps"][0]["representor"]
    return t


def host_bridge(lab, ports, role="kb"):
    br = lab.ifname(role)
    sh(["ip", "link", "add", br, "type", "bridge", "nf_call_iptables", "0",
        "nf_call_ip6tables", "0", "nf_call_arptables", "0"])
    lab.defer(f"bridge {br}",
              lambda: sh(["ip", "link", "del", br], check=False))
    for p in ports:
        sh(["ip", "link", "set", p, "master", br])
        sh(["ip", "link", "set", p, "up"])
    sh(["ip", "link", "set", br, "up"])
    return br


def dev_mac(dev, ns=None):
    return json.loads(sh(["ip", "-j", "link", "show", "dev", dev],
                         ns=ns and str(ns)).stdout)[0]["address"]
