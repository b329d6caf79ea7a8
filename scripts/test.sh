#!/usr/bin/env bash
# Everything CI runs: install the packages, build with AddressSanitizer and
# UBSan (build-asan), run meson's tests (unit tests and fuzz-corpus
# replays), then the integration tests (pytest, as root) against that
# build. Ends with one line `tests: N passed, M failed` counting both, and
# exits non-zero on any failure.
# Usage: ./scripts/test.sh [extra pytest arguments, e.g. -k lacp]
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-asan
export VFLAG_BUILD=$BUILD
OUT=$(mktemp -d /tmp/vflag-test.XXXXXX)
PASSED=0 FAILED=0 SKIPPED=0

summary() {
	local extra=""
	[ "$SKIPPED" -gt 0 ] && extra=", $SKIPPED skipped"
	echo
	echo "tests: $PASSED passed, $FAILED failed$extra"
	rm -rf "$OUT"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

fail_stage() { # what failed before any test could count it
	echo "test.sh: $1" >&2
	FAILED=$((FAILED + 1))
	summary
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: run as root (namespaces, veth, tc, BPF)" >&2
	exit 1
fi

echo "== packages"
bash scripts/setup.sh </dev/null || fail_stage "scripts/setup.sh failed"

echo "== build ($BUILD: address,undefined sanitizers)"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false </dev/null ||
		fail_stage "meson setup failed"
fi
ninja -C "$BUILD" </dev/null || fail_stage "the build failed"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== meson test (unit tests, fuzz replays)"
meson test -C "$BUILD" --print-errorlogs </dev/null 2>&1 | tee "$OUT/meson.txt"
MRC=${PIPESTATUS[0]}
count() { # LABEL: the number after "LABEL:" in meson's summary
	local n
	n=$(grep -E "^$1:[[:space:]]+[0-9]+" "$OUT/meson.txt" | tail -1 | awk '{print $NF}')
	echo "${n:-0}"
}
M_OK=$(count Ok)
M_XFAIL=$(count "Expected Fail")
M_FAIL=$(( $(count Fail) + $(count "Unexpected Pass") + $(count Timeout) ))
M_SKIP=$(count Skipped)
[ "$MRC" -ne 0 ] && [ "$M_FAIL" -eq 0 ] && M_FAIL=1 # meson failed outside a test
PASSED=$((PASSED + M_OK + M_XFAIL))
FAILED=$((FAILED + M_FAIL))
SKIPPED=$((SKIPPED + M_SKIP))

echo "== integration tests (pytest, VFLAG_BUILD=$BUILD)"
PYTEST_ARGS=(-v -p no:cacheprovider --junitxml="$OUT/pytest.xml" -rfE --durations=10)
if /usr/bin/python3 -c 'import pytest_timeout' 2>/dev/null; then
	PYTEST_ARGS+=(--timeout=300)
fi
# SIGINT first so that fixtures still remove their namespaces.
timeout -s INT -k 120 3600 /usr/bin/python3 -m pytest "${PYTEST_ARGS[@]}" tests/integration "$@" </dev/null
PRC=$?
if [ -f "$OUT/pytest.xml" ]; then
	read -r P_PASS P_FAIL P_SKIP < <(/usr/bin/python3 - "$OUT/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - s, f, s)
PY
	)
else
	P_PASS=0 P_FAIL=0 P_SKIP=0
fi
# pytest failed with nothing counted (collection error, timeout, no tests)
[ "$PRC" -ne 0 ] && [ "$P_FAIL" -eq 0 ] && P_FAIL=1
PASSED=$((PASSED + P_PASS))
FAILED=$((FAILED + P_FAIL))
SKIPPED=$((SKIPPED + P_SKIP))

echo "== meson: $M_OK passed, $M_FAIL failed; pytest: $P_PASS passed, $P_FAIL failed"
summary
