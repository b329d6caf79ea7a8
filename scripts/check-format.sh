#!/usr/bin/env bash
# Checks that every C source and header of the tree is formatted as the
# committed .clang-format says (no file is changed). Exit 0 clean, 1 with
# the places listed, 77 (skipped) without clang-format.
# Usage: scripts/check-format.sh [SOURCE_ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1
command -v clang-format >/dev/null || { echo "no clang-format: skipped"; exit 77; }
mapfile -t files < <(find src include tests \( -name '*.c' -o -name '*.h' \) \
	-not -path '*/corpus/*' | sort)
out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	printf '%s\n' "$out" | grep -E 'warning|error' | head -40
	echo "check-format: run clang-format -i on the files above (.clang-format)"
	exit 1
fi
echo "check-format: ${#files[@]} files clean"
