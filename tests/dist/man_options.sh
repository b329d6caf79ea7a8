#!/bin/sh
# Every option a program's usage prints (-x, --long) is in its man page.
# Usage: man_options.sh PAGE PROGRAM HELP_OPTION
# (the program prints its usage and exits 0 with HELP_OPTION).
page=$1 prog=$2 help=$3
usage=$("$prog" "$help") || { echo "$prog $help failed"; exit 1; }
# The page's text, roff escapes for '-' and fonts undone.
text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\[%&]//g' "$page")
status=0
for opt in $(printf '%s\n' "$usage" | grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' |
	sed 's/^[^-]*//' | sort -u); do
	if printf '%s\n' "$text" | grep -qE -e "(^|[^A-Za-z0-9_-])$opt([^A-Za-z0-9-]|$)"; then
		echo "$opt: documented"
	else
		echo "$opt: in the usage of $prog, not in $page"
		status=1
	fi
done
exit $status
