#!/bin/bash
# The systemd unit as meson generated it, checked offline (no running
# systemd needed):
#  - `systemd-analyze verify` prints nothing: ExecStart's binary (the
#    build's vflagd in place of the install path, which need not exist
#    yet) and the man pages of Documentation= (doc/man, via MANPATH) resolve;
#  - it is Type=notify, restarts on failure, owns /run/vflag, and has none
#    of the directives that would stop vflagd doing its job;
#  - `systemd-analyze security` rates its exposure 4.0 or better.
# Usage: verify_unit.sh UNIT VFLAGD MANDIR   Exit 77 without systemd-analyze.
set -u
unit=$1 vflagd=$2 mandir=$3
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

mkdir -p "$tmp/man/man5" "$tmp/man/man8"
ln -s "$mandir"/*.5 "$tmp/man/man5/"
ln -s "$mandir"/*.8 "$tmp/man/man8/"
sed "s|^ExecStart=[^ ]*|ExecStart=$vflagd|" "$unit" >"$tmp/vflagd.service"

out=$(MANPATH="$tmp/man" systemd-analyze verify "$tmp/vflagd.service" 2>&1) ||
	fail "systemd-analyze verify failed"
[ -z "$out" ] && echo "verify: clean" || fail "verify says: $out"

# What the unit must say, and what it must not (vflagd's job needs the
# host's network namespace, writes /proc/sys, uses /dev/net/tun).
for want in '^Type=notify$' '^Restart=on-failure$' '^RuntimeDirectory=vflag$' \
	'^ExecStart=/.*/vflagd -c /.*/vflag/vflagd.conf' '^CapabilityBoundingSet=.*CAP_NET_ADMIN' \
	'^CapabilityBoundingSet=.*CAP_BPF' '^CapabilityBoundingSet=.*CAP_NET_RAW' \
	'^RestrictAddressFamilies=.*AF_PACKET' '^RestrictNamespaces=net$' '^DeviceAllow=/dev/net/tun'; do
	grep -q -- "$want" "$unit" && echo "has $want" || fail "no line $want"
done
for never in '^PrivateNetwork=(yes|true|1)' '^ProtectKernelTunables=(yes|true|1)' \
	'^PrivateDevices=(yes|true|1)' '^PrivateUsers=(yes|true|1)' '^KillMode=none'; do
	grep -qE -- "$never" "$unit" && fail "has $never" || echo "no $never"
done

# Exposure (0 safest .. 10), times ten for --threshold; needs systemd >= 250.
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	out=$(systemd-analyze security --offline=true --threshold=40 "$tmp/vflagd.service" 2>&1) ||
		fail "exposure above 4.0"
	printf '%s\n' "$out" | tail -n1
fi
exit $status
