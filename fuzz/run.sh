#!/usr/bin/env bash
# Build and run the libFuzzer targets of the pure C code (extension/, and
# the gateway's transport normalization).
#
#   fuzz/run.sh                      every target, 20 s each
#   fuzz/run.sh -t 3600 backtrace    one target for an hour
#   fuzz/run.sh -t 0 guilty          until it finds something (Ctrl-C stops)
#   fuzz/run.sh -j 2 -t 600          every target, 10 min each, 2 jobs each
#
# Targets: fuzz/fuzz_<name>.c, built with clang -fsanitize=fuzzer,address,
# undefined together with every pure C file of extension/; a gw_<name>
# target also with the gateway's transport code (gateway/ingest.c, v3flat.c, buf.c,
# text.c, errors.c) and jansson; a json_<name> target with jansson (an
# independent JSON parser to compare with).  Each run starts
# from the seed corpus fuzz/corpus/<name>/ (kept in git) plus what earlier
# runs found in $FUZZ_OUT/corpus/<name>/ (not in git).  A crash leaves its
# input in $FUZZ_OUT/artifacts/; reproduce it with
#   $FUZZ_OUT/fuzz_<name> $FUZZ_OUT/artifacts/crash-...
# FUZZ_OUT defaults to fuzz/build.  The last line is "N passed, M failed"
# (a target passes when it ran for its time without finding anything).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=20
jobs=1
while getopts "t:j:" opt; do
	case $opt in
		t) secs=$OPTARG ;;
		j) jobs=$OPTARG ;;
		*) echo "usage: fuzz/run.sh [-t seconds] [-j jobs] [target...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=${FUZZ_OUT:-fuzz/build}
mkdir -p "$out/artifacts"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		targets+=("${n#fuzz_}")
	done
fi

pure=()
for f in extension/*.c; do
	grep -q '#include "postgres.h"' "$f" || pure+=("$f")
done
CC=${CLANG:-$(command -v clang || command -v clang-14)}
[ -n "$CC" ] || { echo "clang not found (scripts/deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }

pass=0
fail=0
for t in "${targets[@]}"; do
	src=fuzz/fuzz_$t.c
	bin=$out/fuzz_$t
	if [ ! -f "$src" ]; then
		echo "$t: no such target ($src)"
		fail=$((fail + 1))
		continue
	fi
	gw=()
	case $t in
		gw_*) gw=(-Igateway gateway/ingest.c gateway/v3flat.c gateway/buf.c gateway/text.c gateway/errors.c -ljansson) ;;
		json_*) gw=(-ljansson) ;;
	esac
	if ! "$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Iextension -o "$bin" "$src" "${pure[@]}" "${gw[@]}" 2>"$bin.build.log"; then
		cat "$bin.build.log"
		echo "$t: build failed"
		fail=$((fail + 1))
		continue
	fi
	mkdir -p "$out/corpus/$t"
	log=$out/fuzz_$t.log
	extra=()
	[ "$jobs" -gt 1 ] && extra=(-jobs="$jobs" -workers="$jobs")
	# -max_len: payloads the real client sends are at most 8 kB; allow more
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/${t}-" "${extra[@]}" \
		"$out/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "$t: ok, ${runs:-?} runs in ${secs}s"
		pass=$((pass + 1))
	else
		tail -n 40 "$log"
		echo "$t: FAILED (exit $rc); input in $out/artifacts/"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
