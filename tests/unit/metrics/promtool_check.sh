#!/bin/sh
# Writes test_expo's sample exposition and runs `promtool check metrics`
# on it: lint problems (names, HELP, histogram shape) fail the test.
# Usage: promtool_check.sh TEST_EXPO PROMTOOL
set -eu
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" "$out"
"$2" check metrics < "$out"
