#!/usr/bin/env bash
# What an operator gets from the set-up scripts when something is wrong:
#   1. scripts/setup-db.sql without -v gwpw stops with exit status 3 and
#      says why, before creating anything; with it, the extension and the
#      gateway's grants are in place (in a scratch database, with the test
#      cluster's own gateway password, so the other suites keep working);
#   2. make run (scripts/run.sh) with its HTTP or PostgreSQL port held by
#      another program stops at once, names the port and how to pick
#      another, and starts nothing.
# Listeners are node one-liners, stopped by PID.  Last line: "N passed,
# M failed".
set -uo pipefail
cd "$TM_ROOT"
. scripts/lib.sh
set +e
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
pg() { psql -X -h 127.0.0.1 -p "$TM_PG_PORT" -U postgres "$@"; }
scratch=tm_scripts_test

# --- 1. setup-db.sql
pg -qAt -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $scratch" -c "CREATE DATABASE $scratch" >/dev/null
out=$(pg -d "$scratch" -f scripts/setup-db.sql 2>&1)
rc=$?
if [ "$rc" = 3 ] && [[ $out == *"ERROR:  no password for the telemetrics_gateway role"* ]] &&
	[[ $out == *"HINT:  Run psql -v gwpw=PASSWORD -d DATABASE -f scripts/setup-db.sql"* ]]; then
	ok "setup-db.sql without gwpw: exit 3, the error and the hint"
else
	not_ok "setup-db.sql without gwpw: exit $rc, output: $out"
fi
ext=$(pg -qAt -d "$scratch" -c "SELECT count(*) FROM pg_extension WHERE extname = 'telemetrics'")
if [ "$ext" = 0 ]; then ok "... and nothing was created"; else not_ok "the extension was created anyway ($ext)"; fi

out=$(pg -q -d "$scratch" -v gwpw="$(tm_gateway_password "$TM_PG_DIR")" -f scripts/setup-db.sql 2>&1)
rc=$?
grants=$(pg -qAt -d "$scratch" -c "SELECT has_database_privilege('telemetrics_gateway', '$scratch', 'CONNECT')
	AND has_function_privilege('telemetrics_gateway', 'telemetrics_api.ingest(jsonb, bytea, text)', 'EXECUTE')
	AND NOT has_table_privilege('telemetrics_gateway', 'telemetrics.records', 'SELECT')")
if [ "$rc" = 0 ] && [ "$grants" = t ]; then
	ok "setup-db.sql with gwpw: the extension and exactly the gateway's grants"
else
	not_ok "setup-db.sql with gwpw: exit $rc, grants '$grants', output: $out"
fi
pg -qAt -d postgres -c "DROP DATABASE $scratch" >/dev/null

# --- 2. make run with a port held by another program
# held_port_case WHAT VAR STEP: hold a free port, run make run with VAR set
# to it (the other port free), and expect exit 1 and the message that
# suggests VAR=port+STEP.
held_port_case() {
	local what=$1 var=$2 step=$3 port listener out rc want
	port=$(tm_free_port)
	node -e "require('net').createServer().listen($port, '127.0.0.1')" &
	listener=$!
	for _ in $(seq 1 50); do tm_port_in_use "$port" && break; sleep 0.1; done
	if ! tm_port_in_use "$port"; then
		not_ok "could not hold port $port"
	else
		out=$(env TM_HTTP_PORT="$(tm_free_port)" TM_PG_PORT="$(tm_free_port)" "$var=$port" \
			TM_DEMO_MACHINES=0 timeout 60 scripts/run.sh 2>&1)
		rc=$?
		want="telemetrics: port $port on 127.0.0.1 is in use by another program; run with another, e.g. $var=$((port + step)) make run"
		if [ "$rc" = 1 ] && [[ $out == *"$want"* ]] && [[ $out != *"telemetrics is running"* ]]; then
			ok "make run with its $what port held: exit 1 and the message"
		else
			not_ok "make run with its $what port held: exit $rc, output: $out"
		fi
	fi
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
}

held_port_case HTTP TM_HTTP_PORT 1
# (make run's own cluster, when it runs, is reused whatever its port: then
# this case cannot be checked here)
if [ -d var/run/pgdata ] && tm_as_pg pg_ctl -D var/run/pgdata status >/dev/null 2>&1; then
	echo "skipped - make run's cluster is running, so its port is not checked"
else
	held_port_case PostgreSQL TM_PG_PORT 10
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
