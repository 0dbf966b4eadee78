#!/usr/bin/env bash
# make test: the set-up of make run (packages, build, install), a fresh
# private cluster under var/test, then every suite in tests/suites/ in name
# order.  Each suite prints "N passed, M failed" as its last line.  The last
# line of this script is the sum, and it exits non-zero on any failure.
#
# Suites get, in their environment:
#   TM_ROOT         the checkout
#   TM_PGBIN        bin directory of the private PostgreSQL tree (var/pg15)
#   TM_TEST_STATE   a scratch directory for the run (var/test)
#   TM_PG_DIR       the cluster's directory (pgdata, pgpass, postgres.log)
#   TM_PG_PORT      its port on 127.0.0.1
#   PGPASSFILE      its password file (superuser postgres, telemetrics_gateway)
#   TM_DB           a database with the extension and the gateway role
# Run one suite: scripts/test.sh 10-regress   (names may be prefixes)
. "$(dirname "$0")/lib.sh"
cd "$TM_ROOT"

# A run that does not finish (the set-up fails, or it is interrupted)
# still ends with the summary line, counting that as one more failure.
phase=set-up
total_pass=0
total_fail=0
cluster=
finish() {
	local rc=$?
	if [ -n "$cluster" ]; then tm_cluster_stop "$cluster"; fi
	if [ "$phase" != done ]; then
		echo "the run stopped during the $phase (exit $rc)"
		echo "$total_pass passed, $((total_fail + 1)) failed"
		exit 1
	fi
}
trap finish EXIT

scripts/deps.sh
scripts/build.sh

state=$(tm_state_dir test)
if [ -d "$state/pg/pgdata" ]; then tm_cluster_stop "$state/pg"; fi
find "$state" -mindepth 1 -delete
mkdir -p "$state/pg"
[ "$(id -u)" -eq 0 ] && chown postgres: "$state/pg"

port=$(tm_free_port)
# The test cluster trades durability for speed; benchmarks use their own.
# pg_cron runs the maintenance job (retention) in the test database; its
# jobs run in background workers, so they need no password.
tm_cluster_init "$state/pg" "$port" "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
	"shared_preload_libraries = 'pg_cron'" "cron.database_name = 'telemetrics_test'" \
	"cron.use_background_workers = on"
cluster=$state/pg	# stopped on exit, also if it fails to start in time
tm_cluster_start "$state/pg"
tm_create_db "$state/pg" telemetrics_test

export TM_ROOT TM_TEST_STATE="$state" TM_PG_DIR="$state/pg" TM_PG_PORT="$port" TM_PGBIN="$PGBIN" \
	PGPASSFILE="$state/pg/pgpass" TM_DB=telemetrics_test

summary=()
phase=suites
for suite in tests/suites/*.sh; do
	name=$(basename "$suite" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for want in "$@"; do [[ $name == "$want"* ]] && match=1; done
		[ $match -eq 1 ] || continue
	fi
	printf '\n=== suite %s\n' "$name"
	log="$state/suite-$name.log"
	set +e
	bash "$suite" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	last=$(tail -n 1 "$log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	else
		p=0 f=1
		echo "suite $name did not report its results (exit $rc)"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary+=("$(printf '%-16s %5d passed, %d failed' "$name" "$p" "$f")")
done

printf '\n=== summary\n'
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
phase=done
[ "$total_fail" -eq 0 ]
