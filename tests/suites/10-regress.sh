#!/usr/bin/env bash
# pg_regress: sql/*.sql against expected/*.out, on the test cluster, in a
# fresh database (contrib_regression).  upgrade.sql runs first.
set -euo pipefail
cd "$TM_ROOT"
out="$TM_TEST_STATE/regress"
mkdir -p "$out"
tests=(upgrade)
for f in $(ls sql/*.sql | sort); do
	t=$(basename "$f" .sql)
	[ "$t" = upgrade ] || tests+=("$t")
done
set +e
/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
	--inputdir="$TM_ROOT" --outputdir="$out" \
	--bindir="$TM_PGBIN" \
	--host=127.0.0.1 --port="$TM_PG_PORT" --user=postgres \
	--dbname=contrib_regression "${tests[@]}" | tee "$out/summary.txt"
rc=${PIPESTATUS[0]}
set -e
if [ -s "$out/regression.diffs" ]; then
	echo "--- regression.diffs"
	cat "$out/regression.diffs"
fi
pass=$(grep -Ec '^(ok|test) .* \.\.\. ok|^ +[a-z_0-9]+ +\.\.\. ok|\.\.\. ok' "$out/summary.txt" || true)
fail=$(grep -Ec 'FAILED|failed \(ignored\)' "$out/summary.txt" || true)
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
