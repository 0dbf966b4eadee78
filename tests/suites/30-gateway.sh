#!/usr/bin/env bash
# The gateway (gateway/): its C unit tests, then end-to-end tests over real
# HTTP (tests/e2e/gateway/*.test.mjs, node:test) against the test cluster,
# all with the sanitized build (ASan + UBSan, leaks included): a sanitizer
# report anywhere counts as a failure.  Each test starts its own gateways on
# free ports and stops them by PID; whatever a crashed test left running is
# stopped here, by PID.  Last line: "N passed, M failed".
set -uo pipefail
cd "$TM_ROOT"

out="$TM_TEST_STATE/gateway"
rm -rf "$out"
mkdir -p "$out/logs"
pass=0
fail=0

report() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# 1. the sanitized build and the C unit tests
if ! make -s -C gateway SANITIZE=1 telemetrics-gateway-san >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	fail=$((fail + 1))
	report
fi
make -s -C gateway SANITIZE=1 check >"$out/unit.tap" 2>&1
unit_rc=$?
unit_pass=$(grep -c '^ok ' "$out/unit.tap")
unit_fail=$(grep -c '^not ok ' "$out/unit.tap")
if [ "$unit_rc" -ne 0 ] && [ "$unit_fail" -eq 0 ]; then unit_fail=1; fi
grep -E '^not ok|ERROR|runtime error' "$out/unit.tap" || true
echo "C unit tests: $unit_pass passed, $unit_fail failed"
pass=$((pass + unit_pass))
fail=$((fail + unit_fail))

# 2. end to end
export TM_GATEWAY_BIN="$TM_ROOT/gateway/telemetrics-gateway-san"
export TM_GATEWAY_LOGS="$out/logs"
export ASAN_OPTIONS="detect_leaks=1:log_path=$out/logs/sanitizer"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$out/logs/sanitizer"
# TM_GATEWAY_TESTS: a subset of the test files, while developing
# shellcheck disable=SC2086
timeout 900 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
	${TM_GATEWAY_TESTS:-tests/e2e/gateway/*.test.mjs} >"$out/e2e.tap" 2>&1
e2e_rc=$?
grep -E '^# Subtest|^ *(not )?ok |^ *# [^S]' "$out/e2e.tap" | grep -vE '^ *# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' || true
if grep -q 'not ok' "$out/e2e.tap"; then
	echo "--- failures (full output: $out/e2e.tap)"
	awk '/^ *not ok /,/^ *\.\.\.$/' "$out/e2e.tap" | head -200
fi
e2e_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
e2e_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
e2e_cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$out/e2e.tap" | tail -1)
e2e_pass=${e2e_pass:-0}
e2e_fail=$(( ${e2e_fail:-0} + ${e2e_cancelled:-0} ))
if [ "$e2e_rc" -ne 0 ] && [ "$e2e_fail" -eq 0 ]; then
	echo "node --test exited with status $e2e_rc"
	e2e_fail=1
fi
echo "end-to-end tests: $e2e_pass passed, $e2e_fail failed"
pass=$((pass + e2e_pass))
fail=$((fail + e2e_fail))

# 3. leftovers: gateways a crashed test did not stop, sanitizer reports,
#    and the cluster (a test stops and starts it)
for f in "$out"/logs/*.pid; do
	[ -e "$f" ] || continue
	pid=$(cat "$f")
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
if ! runuser -u postgres -- true 2>/dev/null || [ "$(id -u)" -ne 0 ]; then
	pg_ctl=("$TM_PGBIN/pg_ctl")
else
	pg_ctl=(runuser -u postgres -- "$TM_PGBIN/pg_ctl")
fi
if ! "${pg_ctl[@]}" -D "$TM_PG_DIR/pgdata" status >/dev/null 2>&1; then
	echo "the test cluster was left stopped; starting it"
	"${pg_ctl[@]}" -D "$TM_PG_DIR/pgdata" -l "$TM_PG_DIR/postgres.log" -w -t 60 start >/dev/null
	fail=$((fail + 1))
fi

report
