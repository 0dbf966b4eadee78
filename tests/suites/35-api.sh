#!/usr/bin/env bash
# The read and management API and access control, end to end through the
# gateway (tests/e2e/api/*.test.mjs, node:test): every /api route with its
# error cases, the streamed CSV export, --auth-file with viewer and admin
# users, and the refusal of public addresses without it.  Each test file
# seeds a database of its own through the gateway and drops it.  Runs the
# sanitized build (ASan + UBSan, leaks included), like 30-gateway: a
# sanitizer report counts as a failure.  Gateways are stopped by PID.
# Last line: "N passed, M failed".
set -uo pipefail
cd "$TM_ROOT"

out="$TM_TEST_STATE/api"
rm -rf "$out"
mkdir -p "$out/logs"
pass=0
fail=0

report() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

if ! make -s -C gateway SANITIZE=1 telemetrics-gateway-san >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	fail=$((fail + 1))
	report
fi

export TM_GATEWAY_BIN="$TM_ROOT/gateway/telemetrics-gateway-san"
export TM_GATEWAY_LOGS="$out/logs"
export ASAN_OPTIONS="detect_leaks=1:log_path=$out/logs/sanitizer"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$out/logs/sanitizer"
timeout 900 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
	tests/e2e/api/*.test.mjs >"$out/e2e.tap" 2>&1
rc=$?
grep -E '^# Subtest|^ *(not )?ok ' "$out/e2e.tap" || true
if grep -q 'not ok' "$out/e2e.tap"; then
	echo "--- failures (full output: $out/e2e.tap)"
	awk '/^ *not ok /,/^ *\.\.\.$/' "$out/e2e.tap" | head -200
fi
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
p=${p:-0}
f=$(( ${f:-0} + ${c:-0} ))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	echo "node --test exited with status $rc"
	f=1
fi
pass=$((pass + p))
fail=$((fail + f))

for pidfile in "$out"/logs/*.pid; do
	[ -e "$pidfile" ] || continue
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		echo "a gateway was left running (pid $pid); stopping it"
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		fail=$((fail + 1))
	fi
done
if ls "$out"/logs/sanitizer.* >/dev/null 2>&1; then
	echo "--- sanitizer reports"
	cat "$out"/logs/sanitizer.*
	fail=$((fail + 1))
fi
report
