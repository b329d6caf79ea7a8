#!/bin/sh
# Lints man pages: groff with every warning (-ww) must print nothing, and
# mandoc -Tlint (when installed) must find nothing at warning level.
# Usage: lint_man.sh PAGE...   Exit 77 (skip) without groff.
command -v groff >/dev/null 2>&1 || { echo "groff missing: skipped"; exit 77; }
status=0
for page in "$@"; do
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$page: groff: $out"
		status=1
	fi
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
		if [ -n "$out" ]; then
			echo "$page: mandoc: $out"
			status=1
		fi
	fi
	[ $status -eq 0 ] && echo "$page: clean"
done
exit $status
