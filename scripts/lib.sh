# shellcheck shell=bash
# Shared helpers for the developer scripts (run.sh, test.sh, build.sh,
# deps.sh, some test suites, bench/*).  Source it; it defines functions and
# variables only.
#
# Layout of local state (all under ./var, ignored by git):
#   var/run/      the "make run" cluster, gateway log, passwords
#   var/test/     the "make test" cluster and suite logs (recreated each run)
#   var/bench/    benchmark clusters
#
# Clusters are owned by the postgres user when the scripts run as root
# (initdb and postgres refuse root), by the invoking user otherwise.

set -euo pipefail

TM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The system's PostgreSQL 15, and the private copy of its tree that the
# scripts run (see tm_pg_tree).
PG_SYSTEM_BIN=/usr/lib/postgresql/15/bin
TM_PG_TREE=$TM_ROOT/var/pg15
PGBIN=$TM_PG_TREE/usr/lib/postgresql/15/bin
export PATH="$PGBIN:$PATH"

tm_log() { printf '%s\n' "telemetrics: $*" >&2; }
tm_die() { tm_log "$*"; exit 1; }

# Run a command as root: directly when root, through sudo otherwise.
tm_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The user that owns and runs clusters.
tm_pg_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Run a command as the cluster owner.
tm_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# tm_state_dir NAME: print the state directory var/NAME, creating it.  When
# running as root and the checkout is not reachable by the postgres user (a
# clone under /root, say), the directory lives under /var/tmp instead and
# var/NAME is a symlink to it, so that the server can reach its data.
tm_state_dir() {
	local name=$1 dir="$TM_ROOT/var/$1"
	mkdir -p "$TM_ROOT/var"
	if [ "$(id -u)" -eq 0 ] && [ ! -L "$dir" ] && \
		! runuser -u postgres -- test -x "$TM_ROOT/var"; then
		local alt
		alt="/var/tmp/telemetrics-$(printf '%s' "$TM_ROOT" | md5sum | cut -c1-12)/$name"
		mkdir -p "$alt"
		rm -rf "$dir"
		ln -s "$alt" "$dir"
	fi
	mkdir -p "$dir/"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$(readlink -f "$dir")"
	fi
	(cd "$dir" && pwd -P)
}

# tm_pg_tree: (re)build var/pg15, a private copy of the PostgreSQL 15
# installation tree: the programs copied (hard links when possible), every
# library and shared file linked, and an extension directory of its own.
# PostgreSQL finds its share and lib directories relative to the program's
# own location, so a server started from here loads the extensions
# installed here ("make install DESTDIR=var/pg15"), and nothing system-wide
# is touched or needed beyond the Debian packages.  Rebuilt when the
# system's postgres binary changes (a package upgrade).
tm_pg_tree() {
	local sysshare=/usr/share/postgresql/15 syslib=/usr/lib/postgresql/15/lib
	local stamp tree f
	[ -x "$PG_SYSTEM_BIN/postgres" ] || tm_die "PostgreSQL 15 is not installed (run scripts/deps.sh)"
	stamp=$(stat -c '%i %Y %s' "$PG_SYSTEM_BIN/postgres")
	tree=$(tm_state_dir pg15)
	if [ -f "$tree/.stamp" ] && [ "$(cat "$tree/.stamp")" = "$stamp" ]; then
		return 0
	fi
	find "$tree" -mindepth 1 -delete
	mkdir -p "$tree/usr/lib/postgresql/15/lib/bitcode" "$tree/usr/share/postgresql/15/extension"
	cp -al "$PG_SYSTEM_BIN" "$tree/usr/lib/postgresql/15/bin" 2>/dev/null || {
		rm -rf "$tree/usr/lib/postgresql/15/bin"
		cp -a "$PG_SYSTEM_BIN" "$tree/usr/lib/postgresql/15/bin"
	}
	for f in "$syslib"/*; do
		[ "$(basename "$f")" = bitcode ] || ln -s "$f" "$tree/usr/lib/postgresql/15/lib/"
	done
	if [ -d "$syslib/bitcode" ]; then
		for f in "$syslib"/bitcode/*; do ln -s "$f" "$tree/usr/lib/postgresql/15/lib/bitcode/"; done
	fi
	for f in "$sysshare"/*; do
		[ "$(basename "$f")" = extension ] || ln -s "$f" "$tree/usr/share/postgresql/15/"
	done
	for f in "$sysshare"/extension/*; do ln -s "$f" "$tree/usr/share/postgresql/15/extension/"; done
	echo "$stamp" > "$tree/.stamp"
}

# tm_port_in_use PORT: true if something accepts connections on 127.0.0.1:PORT.
tm_port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# tm_free_port: print a TCP port on 127.0.0.1 that nothing listens on,
# from 20000 to 32767: below Linux's ephemeral range (32768 to 60999 by
# default), so that no client socket can take the port between this check
# and the server's bind.
tm_free_port() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 12768))
		if ! tm_port_in_use "$port"; then
			echo "$port"
			return 0
		fi
	done
	tm_die "no free port found"
}

# tm_wait_http URL SECONDS: wait until URL answers (any status).
tm_wait_http() {
	local url=$1 secs=${2:-30} i
	for i in $(seq 1 $((secs * 10))); do
		if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# Private PostgreSQL 15 clusters.  A cluster lives in DIR/pgdata, listens on
# 127.0.0.1:PORT only (no Unix socket), uses scram-sha-256, and keeps its
# generated passwords in DIR/pgpass (mode 0600; point PGPASSFILE at it).
# Roles: postgres (superuser) and telemetrics_gateway (see README).

# tm_cluster_init DIR PORT [extra postgresql.conf lines...]
# Creates the cluster unless DIR/pgdata exists; always rewrites the port.
tm_cluster_init() {
	local dir=$1 port=$2; shift 2
	if [ ! -s "$dir/pgdata/PG_VERSION" ]; then
		local pw
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
		printf '%s\n' "$pw" > "$dir/superuser.pw"
		chmod 600 "$dir/superuser.pw"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/superuser.pw"
		tm_as_pg initdb -D "$dir/pgdata" -U postgres --encoding=UTF8 \
			--locale=C --auth=scram-sha-256 --pwfile="$dir/superuser.pw" \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; tm_die "initdb failed"; }
		rm -f "$dir/superuser.pw"
		printf '127.0.0.1:*:*:postgres:%s\n' "$pw" > "$dir/pgpass"
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
		printf '127.0.0.1:*:*:telemetrics_gateway:%s\n' "$pw" >> "$dir/pgpass"
		chmod 600 "$dir/pgpass"
	fi
	{
		echo "# written by scripts/lib.sh; edits are overwritten"
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = ''"
		echo "timezone = 'UTC'"
		echo "log_timezone = 'UTC'"
		echo "max_connections = 200"
		echo "max_worker_processes = 16"
		local line
		for line in "$@"; do echo "$line"; done
	} > "$dir/telemetrics.conf"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/telemetrics.conf"
	if ! grep -q "^include_if_exists = '$dir/telemetrics.conf'" "$dir/pgdata/postgresql.conf"; then
		echo "include_if_exists = '$dir/telemetrics.conf'" | tm_as_pg tee -a "$dir/pgdata/postgresql.conf" >/dev/null
	fi
}

# tm_cluster_start DIR: start (no-op when running); waits until ready.
tm_cluster_start() {
	local dir=$1
	if tm_as_pg pg_ctl -D "$dir/pgdata" status >/dev/null 2>&1; then return 0; fi
	tm_as_pg pg_ctl -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
		|| { tail -20 "$dir/postgres.log" >&2; tm_die "could not start the cluster in $dir"; }
}

# tm_cluster_stop DIR: fast shutdown (no-op when stopped).
tm_cluster_stop() {
	local dir=$1
	if tm_as_pg pg_ctl -D "$dir/pgdata" status >/dev/null 2>&1; then
		tm_as_pg pg_ctl -D "$dir/pgdata" -m fast -w -t 60 stop >/dev/null || true
	fi
}

# tm_cluster_port DIR: the port the cluster was configured with.
tm_cluster_port() {
	sed -n "s/^port = \([0-9]*\)$/\1/p" "$1/telemetrics.conf"
}

# tm_psql DIR DB [psql args...]: psql as the superuser.
tm_psql() {
	local dir=$1 db=$2; shift 2
	PGPASSFILE="$dir/pgpass" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
		-p "$(tm_cluster_port "$dir")" -U postgres -d "$db" "$@"
}

# tm_gateway_password DIR: the generated password of telemetrics_gateway.
tm_gateway_password() {
	sed -n 's/^127\.0\.0\.1:\*:\*:telemetrics_gateway:\(.*\)$/\1/p' "$1/pgpass"
}

# tm_create_db DIR DB: create DB (if missing) with the extension and the
# least-privilege gateway role, exactly as the README's production section.
tm_create_db() {
	local dir=$1 db=$2
	if ! tm_psql "$dir" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		tm_psql "$dir" postgres -c "CREATE DATABASE \"$db\""
	fi
	tm_psql "$dir" "$db" -v gwpw="$(tm_gateway_password "$dir")" -f "$TM_ROOT/scripts/setup-db.sql" >/dev/null
}
