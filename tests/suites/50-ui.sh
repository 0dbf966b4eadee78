#!/usr/bin/env bash
# The web UI in a browser: tests/e2e/ui/*.test.mjs (node:test driving
# Debian's chromium through playwright-core from tests/e2e/node_modules)
# against the real gateway and a database loaded through it by the
# simulator.  Screenshots of every view land in test-results/ui/.
# Gateways are stopped by PID.  Last line: "N passed, M failed".
set -uo pipefail
cd "$TM_ROOT"

out="$TM_TEST_STATE/ui"
rm -rf "$out"
mkdir -p "$out/logs"
pass=0
fail=0

report() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

if [ ! -x /usr/bin/chromium ] || [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -f ui/node_modules/chart.js/dist/chart.umd.js ]; then
	echo "chromium, playwright-core or chart.js is missing: run scripts/deps.sh"
	fail=1
	report
fi

export TM_GATEWAY_BIN="$TM_ROOT/gateway/telemetrics-gateway"
export TM_GATEWAY_LOGS="$out/logs"
timeout 900 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
	tests/e2e/ui/*.test.mjs >"$out/e2e.tap" 2>&1
rc=$?
grep -E '^ *(not )?ok ' "$out/e2e.tap" || true
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
echo "screenshots: $(ls test-results/ui/*.png 2>/dev/null | wc -l) in test-results/ui/"

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
report
