#!/bin/bash
# The bash completion of vflagctl, driven as bash would drive it, against
# the real vflagctl for the command words (`vflagctl help`) and a stand-in
# daemon for names: a wrapper answers `-j show` and `-j vf show` with
# canned JSON (two PFs, a bond, two VF ports).
# Usage: completion.sh COMPLETION_FILE VFLAGCTL   Exit 77 without bash-completion.
set -u
completion=$1 real=$2
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "bash-completion missing: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/vflagctl" <<WRAP
#!/bin/bash
# stand-in for a vflagctl talking to a daemon; help goes to the real one
echo "\$*" >>"$tmp/calls"
case " \$* " in
*" -j vf show "*) echo '{"vfs":[{"pf":"pf0","vf":0,"ifname":"pf0vf0","rep":"pf0_0"},{"pf":"pf0","vf":1,"ifname":"pf0vf1","rep":"pf0_1"}]}' ;;
*" -j show "*) echo '{"pfs":[{"name":"pf0","dev":"veth1","bond":"bond0"},{"name":"pf1","dev":"veth3","bond":"bond0"}],"bonds":["bond0"]}' ;;
*) exec "$real" "\$@" ;;
esac
WRAP
chmod +x "$tmp/vflagctl"

source "$bc"
source "$completion"
PATH=$tmp:$PATH
status=0

# complete LINE: COMPREPLY for the command line LINE (cursor at its end)
complete_line() {
	local line=$1
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"${line//=/ = }" # bash breaks words at '=' too
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vflagctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' '
}
# expect LINE WORDS: the completions are exactly WORDS (any order)
expect() {
	local got want
	got=$(complete_line "$1")
	want=$(printf '%s\n' $2 | sort | paste -sd' ')
	if [ "$got" = "$want" ]; then
		echo "ok [$1] -> $got"
	else
		echo "FAIL [$1] -> '$got', want '$want'"
		status=1
	fi
}

expect 'vflagctl ' 'pf vf bond flow stats map-rep eswitch monitor teardown log show help'
expect 'vflagctl --j' '--json'
expect 'vflagctl b' 'bond'
expect 'vflagctl pf ' 'add set del show help'
expect 'vflagctl pf set ' 'pf0 pf1'
expect 'vflagctl pf set pf0 ' 'numvfs spoofchk hw-tc-offload'
expect 'vflagctl pf set pf0 hw-tc-offload ' 'on off'
expect 'vflagctl eswitch ' 'set show help'
expect 'vflagctl eswitch set pf0 mode ' 'legacy switchdev'
expect 'vflagctl pf set pf0 numvfs 2 ' 'type'
expect 'vflagctl pf set pf0 numvfs 2 type ' 'veth tap'
expect 'vflagctl pf set pf0 spoofchk ' 'on off'
expect 'vflagctl pf add pf2 dev lo ' 'pci'
expect 'vflagctl pf del pf0 ' '--force'
expect 'vflagctl vf set pf0 vf 0 ' 'mac max_tx_rate netns proto qos spoofchk state storm_burst storm_pps trust vlan'
expect 'vflagctl vf set pf0 vf 0 state ' 'auto enable disable'
expect 'vflagctl bond ' 'add set member del show xmit-member help'
expect 'vflagctl bond add b1 mode ' 'active-backup 1 balance-xor 2 802.3ad 4'
expect 'vflagctl bond add b1 mode 4 miimon 100 lacp_rate ' 'slow fast'
expect 'vflagctl bond add b1 mode 4 members ' 'pf0 pf1'
expect 'vflagctl bond set bond0 primary ' 'pf0 pf1 none'
expect 'vflagctl bond set bond0 ad_select ' 'stable bandwidth count'
expect 'vflagctl bond member ' 'add del'
expect 'vflagctl bond member add ' 'bond0'
expect 'vflagctl bond show ' 'bond0'
expect 'vflagctl bond xmit-member bond0 proto ' 'tcp udp icmp'
expect 'vflagctl stats ' 'pf0 pf1 pf0vf0 pf0vf1 help'
expect 'vflagctl map-rep ' 'pf0 pf1 help'
expect 'vflagctl teardown ' '--force help'
expect 'vflagctl log ' 'level help'
expect 'vflagctl log level ' 'err warn info debug'
expect 'vflagctl help ' 'pf vf bond flow stats map-rep eswitch monitor teardown log'
# Keywords once used are not offered again.
got=$(complete_line 'vflagctl bond set bond0 miimon 100 ')
case " $got " in
*" miimon "*) echo "FAIL: miimon offered twice: $got"; status=1 ;;
*" updelay "*) echo "ok used keywords dropped" ;;
*) echo "FAIL: no bond options after miimon 100: $got"; status=1 ;;
esac
# -s PATH reaches the daemon queries.
: >"$tmp/calls"
complete_line 'vflagctl -s /tmp/other.sock pf show ' >/dev/null
grep -q -- '-s /tmp/other.sock -j show' "$tmp/calls" && echo "ok -s PATH passed on" ||
	{ echo "FAIL: -s not passed to the query: $(cat "$tmp/calls")"; status=1; }
# --socket=PATH too (bash hands it over as three words).
: >"$tmp/calls"
complete_line 'vflagctl --socket=/tmp/other.sock pf show ' >/dev/null
grep -q -- '--socket=/tmp/other.sock -j show' "$tmp/calls" && echo "ok --socket=PATH passed on" ||
	{ echo "FAIL: --socket= not passed to the query: $(cat "$tmp/calls")"; status=1; }
exit $status
