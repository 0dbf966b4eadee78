#!/usr/bin/env bash
# telemetrics-sim: the node:test files in tests/e2e/sim/ (wire format
# against the captured corpus, payload formats, distribution, determinism,
# the command line, HTTP mode against a local receiver, --sql into the
# extension on the test cluster, and, when gateway/telemetrics-gateway is
# built, the simulator through the real gateway).
#
# Environment: what scripts/test.sh exports (TM_ROOT, TM_TEST_STATE,
# TM_PG_PORT, TM_PGBIN, TM_DB, PGPASSFILE).  Output: the TAP report, then
# "N passed, M failed" as the last line.  Skipped tests count as neither.
set -uo pipefail
cd "$TM_ROOT"
out="$TM_TEST_STATE/sim"
mkdir -p "$out"

if ! command -v node >/dev/null 2>&1; then
	echo "node is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi

files=(tests/e2e/sim/*.test.mjs)
# every test bounds its own waits; this bounds the whole suite
timeout -k 10 900 node --test --test-reporter=tap "${files[@]}" >"$out/tap.txt" 2>&1
rc=$?
cat "$out/tap.txt"

pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$out/tap.txt" | tail -n 1)
fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$out/tap.txt" | tail -n 1)
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "node --test exited with status $rc"
	fail=1
fi
# a skipped describe() block is one "# SKIP" line and counts in no total
if grep -q '# SKIP' "$out/tap.txt"; then
	echo "skipped:"
	grep '# SKIP' "$out/tap.txt" | sed 's/^ */  /'
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
