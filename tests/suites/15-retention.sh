#!/usr/bin/env bash
# Retention scheduling on the test cluster's database (TM_DB), where
# pg_cron is preloaded (scripts/test.sh):
#   1. telemetrics.schedule_maintenance() creates the pg_cron job, and
#      pg_cron runs telemetrics.maintenance() (a one-minute schedule, so
#      this waits up to 75 seconds for the first run);
#   2. without pg_cron, the documented system-crontab line works: the exact
#      psql command purges an expired record.
set -uo pipefail
cd "$TM_ROOT"
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$TM_PG_PORT" -U postgres -d "$TM_DB" "$@"; }

# --- 1. pg_cron
if q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null; then ok "pg_cron installs in $TM_DB"; else not_ok "pg_cron installs in $TM_DB"; fi
job=$(q -c "SELECT telemetrics.schedule_maintenance()")
if [[ $job =~ ^[0-9]+$ ]]; then ok "schedule_maintenance() returns job $job"; else not_ok "schedule_maintenance() returned '$job'"; fi
row=$(q -c "SELECT schedule || '|' || command FROM cron.job WHERE jobname = 'telemetrics-maintenance'")
if [ "$row" = "30 4 * * *|SELECT telemetrics.maintenance()" ]; then ok "the job runs maintenance() daily at 04:30"; else not_ok "cron.job has '$row'"; fi
again=$(q -c "SELECT telemetrics.schedule_maintenance('15 3 * * *')")
count=$(q -c "SELECT count(*) FROM cron.job WHERE jobname = 'telemetrics-maintenance'")
if [ "$again" = "$job" ] && [ "$count" = 1 ]; then ok "rescheduling replaces the job"; else not_ok "rescheduling gave job $again, $count jobs"; fi
if [ "$(q -c "SELECT telemetrics_api.get_retention('{}')->>'scheduled'")" = true ]; then ok "get_retention shows the job"; else not_ok "get_retention does not show the job"; fi

# let pg_cron run it once: every minute, then wait for a successful run
q -c "SELECT telemetrics.schedule_maintenance('* * * * *')" >/dev/null
status=
for _ in $(seq 1 75); do
	status=$(q -c "SELECT status || ': ' || return_message FROM cron.job_run_details
				   WHERE jobid = $job ORDER BY runid DESC LIMIT 1")
	[[ $status == succeeded* || $status == failed* ]] && break
	sleep 1
done
if [[ $status == succeeded* ]]; then ok "pg_cron ran maintenance() ($status)"; else not_ok "pg_cron run: '${status:-none within 75 s}'"; fi
if [ "$(q -c "SELECT telemetrics.unschedule_maintenance()")" = t ]; then ok "unschedule_maintenance() removes the job"; else not_ok "unschedule_maintenance()"; fi
q -c "DROP EXTENSION pg_cron" >/dev/null

# --- 2. without pg_cron: the documented crontab line
#   30 4 * * * postgres psql -d DB -qAtc 'SELECT telemetrics.maintenance()'
# (here with the test cluster's host, port and user)
q -c "SELECT telemetrics.ensure_partitions(now() - interval '40 days', now())" >/dev/null
q -c "INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, external, payload)
	  VALUES (nextval('telemetrics.records_id_seq'), now() - interval '40 days', now(), 'cron-old',
		'h', 'x86_64', 'org.clearlinux/crash/clr', 3, '1', '6.1.0', 2, 1, 'x', false, 'p'),
	  (nextval('telemetrics.records_id_seq'), now(), now(), 'cron-new',
		'h', 'x86_64', 'org.clearlinux/crash/clr', 3, '1', '6.1.0', 2, 1, 'x', false, 'p')" >/dev/null
out=$(psql -h 127.0.0.1 -p "$TM_PG_PORT" -U postgres -d "$TM_DB" -qAtc 'SELECT telemetrics.maintenance()' 2>&1)
if [[ $out == \{* ]] && [[ $out == *'"action": "dropped"'* ]]; then ok "the crontab command purges: $out"; else not_ok "the crontab command printed '$out'"; fi
left=$(q -c "SELECT string_agg(machine_id, ',' ORDER BY machine_id) FROM telemetrics.records WHERE machine_id LIKE 'cron-%'")
if [ "$left" = cron-new ]; then ok "the expired record is gone, the recent one kept"; else not_ok "records left: '$left'"; fi
q -c "DELETE FROM telemetrics.records WHERE machine_id LIKE 'cron-%'" >/dev/null

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
