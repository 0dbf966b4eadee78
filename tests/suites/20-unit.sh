#!/usr/bin/env bash
# C unit tests of the pure C code (tests/unit), under ASan and UBSan.
# Counts TAP "ok"/"not ok" lines; a crashing test binary counts as a failure.
set -uo pipefail
cd "$TM_ROOT/tests/unit"
out="$TM_TEST_STATE/unit"
if ! make -s OUT="$out" all; then
	echo "0 passed, 1 failed"
	exit 1
fi
pass=0
fail=0
for t in $(make -s -f Makefile -f - print-tests <<<'print-tests: ; @echo $(TESTS)'); do
	log="$out/$t.log"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$out/$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log" || true)
	f=$(grep -c '^not ok ' "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $t exited with status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
