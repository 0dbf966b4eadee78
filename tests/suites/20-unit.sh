#!/usr/bin/env bash
# C unit tests of the pure C files of the extension (those that include no
# PostgreSQL header: fields.c, backtrace.c, guilty.c, mce.c, ...).  Every
# tests/unit/test_*.c is built with all of them, with AddressSanitizer and
# UndefinedBehaviorSanitizer, and run; each prints "N passed, M failed".
# The last line is the sum.  Build products go to $TM_TEST_STATE/unit.
set -uo pipefail
cd "$TM_ROOT"
out="${TM_TEST_STATE:-$TM_ROOT/var/test}/unit"
mkdir -p "$out"

pure=()
for f in extension/*.c; do
	grep -q '#include "postgres.h"' "$f" || pure+=("$f")
done
CC=${CC:-cc}
CFLAGS="-std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-function -fno-omit-frame-pointer
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iextension -Itests/unit"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

pass=0
fail=0
for t in tests/unit/test_*.c; do
	name=$(basename "$t" .c)
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "$out/$name" "$t" "${pure[@]}" 2>"$out/$name.build.log"; then
		cat "$out/$name.build.log"
		echo "$name: build failed"
		fail=$((fail + 1))
		continue
	fi
	"$out/$name" >"$out/$name.log" 2>&1
	rc=$?
	cat "$out/$name.log"
	last=$(tail -n 1 "$out/$name.log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	else
		echo "$name: exited $rc without reporting (sanitizer?)"
		p=0 f=1
	fi
	echo "$name: $p passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
