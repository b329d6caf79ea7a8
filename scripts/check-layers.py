#!/usr/bin/env python3
"""Asserts the module structure of src/: the dependency order of its
modules (a file may include only its own layer and the layers below it),
no include cycle between modules (a .c and its .h are one module), and no
source file over the length limit.

Usage: scripts/check-layers.py [SRC_DIR]   (exit 0 clean, 1 with reasons)
"""
import os
import re
import sys

# Lowest first. A path belongs to the longest prefix that matches it.
LAYERS = [
    ("vflag/", "contract"),        # include/vflag/ctl.h: the wire contract
    ("common/", "common"),         # log, clock, loop, util
    ("metrics/histogram", "histogram"),  # buckets the daemon records into
    ("bpf/vflag_dp.h", "contract"),  # the datapath's map contract
    ("lacp/", "lacp"),             # 802.1AX machines, no I/O
    ("lag/", "lag"),               # bond, hash, flow spec
    ("bpf/", "bpf"),               # the eBPF programs (use lag/xmit_hash.h)
    ("flow/", "flow"),             # the offload table: flower words, model
    ("nl/", "nl"),                 # rtnetlink
    ("dp/", "dp"),                 # the loaded datapath
    ("eswitch/", "eswitch"),       # PFs, VFs, domains
    ("bridge/", "bridge"),         # the kernel bridge's decisions as rules
    ("daemon/", "daemon"),         # the daemon object: owns all the above
    ("metrics/", "metrics"),       # Prometheus exposition and endpoint
    ("ctl/", "ctl"),               # protocol, replies, commands, server
    ("vflagd/", "vflagd"),         # main: options and wiring
    ("vflagctl/", "vflagctl"),     # the CLI
    ("cni/", "cni"),               # the CNI plugin, a client of vflagd
]
ORDER = ["contract", "common", "histogram", "lacp", "lag", "bpf", "flow", "nl", "bridge", "dp",
         "eswitch", "daemon", "metrics", "ctl", "vflagd", "vflagctl", "cni"]
# What a layer may not use although it is below; vflagctl talks to vflagd
# only through the contract, and shares with it only the tables of names
# (synopses, bond option words, LACP state bits), never the daemon's model.
NOT_BELOW = {"vflagctl": {"lacp", "lag", "bpf", "flow", "nl", "bridge", "dp", "eswitch", "daemon",
                          "metrics", "vflagd"},
             "cni": {"lacp", "lag", "bpf", "flow", "bridge", "dp", "eswitch", "daemon", "metrics", "ctl",
                     "vflagd"}}
ALLOWED_FROM_ABOVE = {("vflagctl", "ctl/synopsis.h"), ("vflagctl", "lacp/lacp.h"),
                      ("vflagctl", "lag/bond_config.h")}
MAX_LINES = 800

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    best = None
    for prefix, layer in LAYERS:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best[1] if best else None


def module_of(path):
    """A .c and its .h are one module; a private FOO_impl.h belongs to FOO."""
    base = os.path.splitext(path)[0]
    return base[:-len("_impl")] if base.endswith("_impl") else base


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    inc = os.path.join(src, "..", "include")
    errors = []
    edges = {}
    files = []
    for root in (src, inc):
        for dirpath, _, names in os.walk(root):
            for n in names:
                if n.endswith((".c", ".h")):
                    full = os.path.join(dirpath, n)
                    files.append((os.path.relpath(full, root), full))
    for rel, full in sorted(files):
        with open(full, encoding="utf-8") as f:
            text = f.read()
        nlines = text.count("\n")
        if nlines > MAX_LINES:
            errors.append(f"{rel}: {nlines} lines, over {MAX_LINES}: split it along its seams")
        mine = layer_of(rel)
        if mine is None:
            errors.append(f"{rel}: in no layer: add its folder to LAYERS in {sys.argv[0]}")
            continue
        for target in INCLUDE.findall(text):
            theirs = layer_of(target)
            if theirs is None:
                continue  # a generated header (eswitch.skel.h) or a local one
            if module_of(target) != module_of(rel):
                edges.setdefault(module_of(rel), set()).add(module_of(target))
            if (mine, target) in ALLOWED_FROM_ABOVE:
                continue
            if ORDER.index(theirs) > ORDER.index(mine):
                errors.append(f"{rel}: includes {target}: {mine} may not depend on {theirs}, a layer above it")
            elif theirs in NOT_BELOW.get(mine, ()):
                errors.append(f"{rel}: includes {target}: {mine} may not depend on {theirs}")
    # Cycles between modules (Tarjan would do; the graph is small).
    state = {}
    stack = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges.get(m, ())):
            if state.get(t) == 1:
                cyc = stack[stack.index(t):] + [t]
                errors.append("include cycle: " + " -> ".join(cyc))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    for e in errors:
        print(e)
    print(f"check-layers: {len(files)} files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
