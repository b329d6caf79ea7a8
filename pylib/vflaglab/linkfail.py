"""Failing a link, two ways (MACHINE-NOTES):

- carrier(): `ip link set DEV down` on one end of a veth; both ends lose
  carrier, as when a cable is pulled.
- SilentLink: a forwarder namespace between two veth pairs, with one
  nftables netdev ingress rule per direction: `fwd` normally, `drop` when
  black-holed. Carrier stays up and frames (LACPDUs included) vanish, so
  only LACP's timeout can notice."""

from .netns import sh


def carrier(lab, ns, dev, up):
    """Sets link dev (in namespace ns, None = root) up or down."""
    lab.ours(dev)
    sh(["ip", "link", "set", "dev", dev, "up" if up else "down"],
       ns=ns and str(ns))


class SilentLink:
    """a_end (in a_ns) <-> [fwd namespace] <-> b_end (in b_ns)."""

    def __init__(self, lab, role, a_end, a_ns, b_end, b_ns):
        self.lab = lab
        self.ns = lab.netns(f"f{role}")
        self.fa = lab.ifname(f"fa{role}")
        self.fb = lab.ifname(f"fb{role}")
        self.table = f"vf{lab.tag}{role}"
        lab.veth(a_end, a_ns, self.fa, self.ns)
        lab.veth(self.fb, self.ns, b_end, b_ns)
        self._load("fwd to")

    def _load(self, verdict_a_to_b):
        fwd = verdict_a_to_b.startswith("fwd")
        a_rule = f'fwd to "{self.fb}"' if fwd else "drop"
        b_rule = f'fwd to "{self.fa}"' if fwd else "drop"
        rules = f"""
table netdev {self.table}
delete table netdev {self.table}
table netdev {self.table} {{
    chain a {{
        type filter hook ingress device "{self.fa}" priority 0; policy accept;
        {a_rule}
    }}
    chain b {{
        type filter hook ingress device "{self.fb}" priority 0; policy accept;
        {b_rule}
    }}
}}
"""
        sh(["nft", "-f", "-"], ns=str(self.ns), input=rules)

    def black_hole(self):
        """Frames in both directions vanish; carrier stays up."""
        self._load("drop")

    def restore(self):
        self._load("fwd to")


def link_carrier(ns, dev):
    """True when dev (in namespace ns) has carrier (LOWER_UP)."""
    out = sh(["ip", "-j", "link", "show", "dev", dev], ns=ns and str(ns))
    import json
    return "LOWER_UP" in json.loads(out.stdout)[0]["flags"]
