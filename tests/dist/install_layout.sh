#!/bin/bash
# `meson install` into a scratch DESTDIR puts every file where a
# distribution expects it (doc/install.md), and what it installed works:
# the unit runs the installed vflagd with the installed config, vflagctl
# answers --version and help.
# Usage: install_layout.sh MESON BUILDDIR PREFIX BINDIR SBINDIR MANDIR
#        SYSCONFDIR LIBEXECDIR UNITDIR COMPLETIONDIR
# (the meson options as configured; UNITDIR/COMPLETIONDIR empty = ask
# pkg-config, as a distribution's build would, "no" = not installed).
set -u
meson=$1 build=$2 prefix=$3 bindir=$4 sbindir=$5 mandir=$6 sysconfdir=$7 libexecdir=$8
unitdir=$9 completiondir=${10}
abs() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
[ -n "$unitdir" ] || unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ||
	unitdir=/lib/systemd/system
[ -n "$unitdir" ] || unitdir=/lib/systemd/system
[ -n "$completiondir" ] ||
	completiondir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null) ||
	completiondir=$prefix/share/bash-completion/completions
[ -n "$completiondir" ] || completiondir=$prefix/share/bash-completion/completions

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; rm -f "$dest.log"; echo "FAIL: meson install"; exit 1; }
rm -f "$dest.log"
echo "installed:"
(cd "$dest" && find . -type f -o -type l | sort | sed 's/^\./  /')

conf=$(abs "$sysconfdir")/vflag/vflagd.conf
expect() { # TEST PATH
	if [ "$1" "$dest$2" ]; then echo "ok $2"; else fail "missing $2"; fi
}
expect -x "$(abs "$sbindir")/vflagd"
expect -x "$(abs "$bindir")/vflagctl"
for page in man8/vflagd.8 man8/vflagctl.8 man8/vflag-cni.8 man5/vflagd.conf.5; do
	expect -f "$(abs "$mandir")/$page"
done
expect -f "$conf"
[ "$completiondir" = no ] || expect -f "$completiondir/vflagctl"
# "no" leaves a file out altogether.
for name in vflagd.service vflagctl; do
	case $name in vflagd.service) dir=$unitdir ;; *) dir=$completiondir ;; esac
	[ "$dir" = no ] || continue
	[ -z "$(find "$dest" -name "$name" -path '*/systemd/*' -o -name "$name" -path '*completion*')" ] &&
		echo "ok no $name (dir: no)" || fail "$name installed although its dir is no"
done
if [ "$unitdir" != no ]; then
	expect -f "$unitdir/vflagd.service"
	grep -qx "ExecStart=$(abs "$sbindir")/vflagd -c $conf .*" "$dest$unitdir/vflagd.service" &&
		echo "ok ExecStart runs the installed vflagd with $conf" ||
		fail "ExecStart is not $(abs "$sbindir")/vflagd -c $conf: $(grep ^ExecStart= "$dest$unitdir/vflagd.service")"
fi
# The CNI plugin, once its branch is in the build.
if [ -x "$build/src/cni/vflag-cni" ]; then
	expect -x "$(abs "$libexecdir")/cni/vflag-cni"
fi

# The installed programs run from where they landed.
"$dest$(abs "$bindir")/vflagctl" --version | grep -q '^vflagctl ' &&
	echo "ok vflagctl --version" || fail "installed vflagctl --version"
"$dest$(abs "$bindir")/vflagctl" help pf | grep -q 'pf add' &&
	echo "ok vflagctl help pf" || fail "installed vflagctl help pf"
"$dest$(abs "$sbindir")/vflagd" -h | grep -q '^Usage: vflagd' &&
	echo "ok vflagd -h" || fail "installed vflagd -h"
exit $status
