#!/usr/bin/env bash
# Everything CI runs: install the packages, build with AddressSanitizer and
# UBSan (build-asan), run meson's tests (cmocka unit tests, fuzz-corpus
# replays), the pytest suites (tests/pylib: the lab library; then
# tests/integration, as root, against that build), then build the
# libFuzzer targets with clang (build-fuzz) and fuzz each for a short time.
#
# It counts test CASES, each once (scripts/testcount.py): every cmocka case
# inside a unit-test program, every pytest case, every corpus replay and
# every fuzz target. The OVS partner's self-tests (test_ovs_fixture.py) are
# reported on their own line, not in vflag's count, but their failure fails
# the run. With CI=true (as root nothing should skip) a skipped test counts
# as a failure, named. Ends with `tests: N passed, M failed` and exits
# non-zero on any failure.
# Usage: ./scripts/test.sh [extra pytest arguments, e.g. -k lacp]
# VFLAG_FUZZ_SECONDS (default 20): how long each fuzz target runs.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=build-asan
FUZZ_BUILD=build-fuzz
FUZZ_SECONDS=${VFLAG_FUZZ_SECONDS:-20}
export VFLAG_BUILD=$BUILD
OUT=$(mktemp -d /tmp/vflag-test.XXXXXX)
STAGE_FAILED=0 # failures no test case could carry (build, crashes of pytest)
PASSED=0 FAILED=0 SKIPPED=0 PARTNER_FAILED=0

summary() {
	local extra=""
	[ "$SKIPPED" -gt 0 ] && extra=", $SKIPPED skipped"
	FAILED=$((FAILED + STAGE_FAILED))
	if [ "$PARTNER_FAILED" -gt 0 ]; then
		echo "test.sh: the OVS partner's self-tests failed ($PARTNER_FAILED): the run fails" >&2
	fi
	echo
	echo "tests: $PASSED passed, $FAILED failed$extra"
	rm -rf "$OUT"
	[ "$FAILED" -eq 0 ] && [ "$PARTNER_FAILED" -eq 0 ] && exit 0
	exit 1
}

fail_stage() { # a failure outside any test case
	echo "test.sh: $1" >&2
	STAGE_FAILED=$((STAGE_FAILED + 1))
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: run as root (namespaces, veth, tc, BPF)" >&2
	exit 1
fi

echo "== packages"
bash scripts/setup.sh </dev/null || { fail_stage "scripts/setup.sh failed"; summary; }

echo "== build ($BUILD: address,undefined sanitizers)"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false </dev/null ||
		{ fail_stage "meson setup failed"; summary; }
fi
ninja -C "$BUILD" </dev/null || { fail_stage "the build failed"; summary; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== meson test (cmocka unit tests, fuzz-corpus replays)"
rm -f "$BUILD/meson-logs/testlog.json"
meson test -C "$BUILD" --print-errorlogs </dev/null
MRC=$?
if [ -f "$BUILD/meson-logs/testlog.json" ]; then
	cp "$BUILD/meson-logs/testlog.json" "$OUT/meson.json"
elif [ "$MRC" -ne 0 ]; then
	fail_stage "meson test failed (exit $MRC) and wrote no testlog.json"
fi

echo "== pytest (tests/pylib; tests/integration with VFLAG_BUILD=$BUILD)"
PYTEST_ARGS=(-v -p no:cacheprovider --junitxml="$OUT/pytest.xml" -rfEs --durations=10)
if /usr/bin/python3 -c 'import pytest_timeout' 2>/dev/null; then
	PYTEST_ARGS+=(--timeout=300)
fi
# SIGINT first so that fixtures still remove their namespaces.
timeout -s INT -k 120 3600 /usr/bin/python3 -m pytest "${PYTEST_ARGS[@]}" \
	tests/pylib tests/integration "$@" </dev/null
PRC=$?
[ -f "$OUT/pytest.xml" ] || fail_stage "pytest (exit $PRC) wrote no junit XML"

echo "== fuzzing ($FUZZ_BUILD: clang, libFuzzer; ${FUZZ_SECONDS} s per target)"
: >"$OUT/fuzz.tsv"
TARGETS=()
for d in tests/fuzz/*/; do
	n=$(basename "$d")
	[ -f "$d/fuzz_$n.c" ] && TARGETS+=("$n")
done
fuzz_built=1
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
	CC=clang meson setup "$FUZZ_BUILD" -Dfuzzing=true -Db_lundef=false </dev/null ||
		fuzz_built=0
fi
if [ "$fuzz_built" -eq 1 ]; then
	ninja -C "$FUZZ_BUILD" "${TARGETS[@]/#/tests/fuzz/fuzz_}" </dev/null || fuzz_built=0
fi
[ "$fuzz_built" -eq 1 ] || fail_stage "the libFuzzer build ($FUZZ_BUILD, CC=clang) failed"
for n in "${TARGETS[@]}"; do
	bin=$FUZZ_BUILD/tests/fuzz/fuzz_$n
	if [ "$fuzz_built" -ne 1 ] || [ ! -x "$bin" ]; then
		printf '%s\tfail\tnot built\n' "fuzz_$n" >>"$OUT/fuzz.tsv"
		continue
	fi
	work=$OUT/fuzz-$n
	mkdir -p "$work/new"
	dict=()
	[ -f "tests/fuzz/$n/$n.dict" ] && dict=(-dict="tests/fuzz/$n/$n.dict")
	# new inputs go to the temp dir (first); the committed corpus seeds it
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/" \
		"$work/new" "tests/fuzz/$n/corpus" </dev/null >"$work/log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | awk '{print $NF}')
	if [ "$rc" -eq 0 ]; then
		printf '%s\tpass\t%s runs\n' "fuzz_$n" "${runs:-?}" >>"$OUT/fuzz.tsv"
		echo "fuzz_$n: ${runs:-?} runs in ${FUZZ_SECONDS} s, no crash"
	else
		keep=$FUZZ_BUILD/crashes/$n
		mkdir -p "$keep"
		cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$keep"/ 2>/dev/null
		tail -40 "$work/log"
		printf '%s\tfail\texit %s; inputs kept in %s\n' "fuzz_$n" "$rc" "$keep" >>"$OUT/fuzz.tsv"
		echo "fuzz_$n: FAILED (exit $rc); the input is in $keep/"
	fi
done

echo "== summary (test cases, each counted once)"
COUNT_ARGS=(--meson "$OUT/meson.json" --junit "$OUT/pytest.xml" --fuzz "$OUT/fuzz.tsv"
	--out "$OUT/totals")
[ "${CI:-}" = true ] && COUNT_ARGS+=(--skips-fail)
/usr/bin/python3 scripts/testcount.py "${COUNT_ARGS[@]}" || fail_stage "testcount.py failed"
if [ -f "$OUT/totals" ]; then
	read -r PASSED FAILED SKIPPED _ PARTNER_FAILED M_FAILED P_FAILED <"$OUT/totals"
else
	fail_stage "no totals"
	M_FAILED=0 P_FAILED=0
fi
# a tool failed with no case counted as failed (collection error, timeout)
[ "$MRC" -ne 0 ] && [ "$M_FAILED" -eq 0 ] &&
	fail_stage "meson test failed (exit $MRC) with no failed case counted"
[ "$PRC" -ne 0 ] && [ "$P_FAILED" -eq 0 ] &&
	fail_stage "pytest failed (exit $PRC) with no failed case counted"
summary
