#!/usr/bin/env bash
# make run: install what is missing, build, start a private PostgreSQL 15
# cluster under var/run (reused by the next run), create the extension and
# the gateway role, start the gateway with demo data, and print where
# everything is.  Ctrl-C stops all of it.
#
# Environment: TM_PG_PORT (default 25432), TM_HTTP_PORT (default 8080),
# TM_DEMO_MACHINES (default 200; 0 loads no demo data).
. "$(dirname "$0")/lib.sh"
cd "$TM_ROOT"

# Below Linux's ephemeral port range (32768-60999), where a client
# socket's local port could make the bind fail.
pg_port=${TM_PG_PORT:-25432}
http_port=${TM_HTTP_PORT:-8080}
demo_machines=${TM_DEMO_MACHINES:-200}

scripts/deps.sh
scripts/build.sh

state=$(tm_state_dir run)
# Another program on either port would answer in our place (or keep ours
# from starting): say so now, with the way out.
if tm_port_in_use "$http_port"; then
	tm_die "port $http_port on 127.0.0.1 is in use by another program; run with another, e.g. TM_HTTP_PORT=$((http_port + 1)) make run"
fi
if [ -d "$state/pgdata" ] && tm_as_pg pg_ctl -D "$state/pgdata" status >/dev/null 2>&1; then
	:	# our own cluster, still running from an earlier make run
elif tm_port_in_use "$pg_port"; then
	tm_die "port $pg_port on 127.0.0.1 is in use by another program; run with another, e.g. TM_PG_PORT=$((pg_port + 10)) make run"
fi
# pg_cron schedules the daily maintenance (retention, partitions ahead,
# rollup folding); its jobs run in background workers (no password needed).
tm_cluster_init "$state" "$pg_port" "shared_preload_libraries = 'pg_cron'" \
	"cron.database_name = 'telemetrics'" "cron.use_background_workers = on"
gateway_pid=
cluster_started=0
# Stops what this script started (by PID) and keeps the exit status.
stop_all() {
	local rc=$?
	trap - INT TERM EXIT
	tm_log "stopping"
	if [ -n "$gateway_pid" ]; then
		kill -TERM "$gateway_pid" 2>/dev/null || true
		wait "$gateway_pid" 2>/dev/null || true
	fi
	if [ "$cluster_started" = 1 ]; then tm_cluster_stop "$state"; fi
	tm_log "stopped"
	exit "$rc"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

tm_cluster_start "$state"
cluster_started=1
# The database is kept from run to run.  If this checkout's install script
# differs from the one the database was created with (a development build
# of the same version), recreate the database: its schema would be stale.
script_sum=$(md5sum "$TM_ROOT"/extension/telemetrics--*.sql | md5sum | cut -c1-32)
if [ -f "$state/extension.md5" ] && [ "$(cat "$state/extension.md5")" != "$script_sum" ]; then
	tm_log "the extension's install script changed since this database was made: recreating it"
	tm_psql "$state" postgres -c "DROP DATABASE IF EXISTS telemetrics WITH (FORCE)" >/dev/null
fi
tm_create_db "$state" telemetrics
echo "$script_sum" > "$state/extension.md5"
tm_psql "$state" telemetrics -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
	-c "SELECT telemetrics.schedule_maintenance()" >/dev/null

conninfo="host=127.0.0.1 port=$pg_port dbname=telemetrics user=telemetrics_gateway passfile=$state/pgpass"
url=
if [ -x gateway/telemetrics-gateway ]; then
	ui_args=()
	if [ -d "$TM_ROOT/ui" ]; then ui_args=(--ui-dir "$TM_ROOT/ui"); fi
	gateway/telemetrics-gateway --listen 127.0.0.1 --port "$http_port" \
		--db "$conninfo" "${ui_args[@]}" >>"$state/gateway.log" 2>&1 &
	gateway_pid=$!
	url="http://127.0.0.1:$http_port/"
	tm_wait_http "${url}healthz" 30 || { tail -20 "$state/gateway.log" >&2; tm_die "the gateway did not start"; }
	if [ "$demo_machines" -gt 0 ] && [ -x sim/telemetrics-sim ] && \
		[ "$(tm_psql "$state" telemetrics -tAc 'SELECT count(*) FROM telemetrics.records')" = 0 ]; then
		tm_log "loading demo data from $demo_machines simulated machines"
		sim/telemetrics-sim --url "$url" --machines "$demo_machines" --demo >>"$state/sim.log" 2>&1 \
			|| tm_log "demo data load failed; see $state/sim.log"
	fi
fi

cat <<MSG

telemetrics is running.
  PostgreSQL  PGPASSFILE=$state/pgpass psql -h 127.0.0.1 -p $pg_port -U postgres telemetrics
  Server log  $state/postgres.log
MSG
if [ -n "$url" ]; then
	cat <<MSG
  Web UI      $url
  Ingest      POST ${url}v2/collector (headers), ${url}v3/collector (JSON)
  Gateway log $state/gateway.log
MSG
fi
printf '\nPress Ctrl-C to stop.\n'

if [ -n "$gateway_pid" ]; then
	# The gateway exits 0 when it is stopped (Ctrl-C reaches it too); the
	# EXIT trap then stops the cluster.
	if wait "$gateway_pid"; then
		gateway_pid=
		tm_log "the gateway stopped"
		exit 0
	fi
	gateway_pid=
	tm_log "the gateway exited with an error; see $state/gateway.log"
	exit 1
else
	while :; do sleep 3600 & wait $!; done
fi
