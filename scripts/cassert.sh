#!/usr/bin/env bash
# Run the pg_regress suite against a PostgreSQL 15 built from source with
# --enable-cassert: assertions on, freed memory overwritten
# (CLOBBER_FREED_MEMORY) and memory contexts checked
# (MEMORY_CONTEXT_CHECKING), which catch use-after-free and memory-context
# mistakes that a release server hides.  Not part of "make test": it needs
# the postgresql-15 source package (fetched with apt-get source through a
# deb-src entry for the machine's own Debian mirror) and five to ten minutes
# to build the server once; the build is kept in var/pgcassert.
#
#   scripts/cassert.sh              build the server if needed, then run
#   scripts/cassert.sh --rebuild    build it again first
#
# Last line: "N passed, M failed" (a server log with a failed assertion,
# "TRAP", counts as one more failure).
. "$(dirname "$0")/lib.sh"
cd "$TM_ROOT"

rebuild=false
[ "${1:-}" = --rebuild ] && rebuild=true

prefix=$(tm_state_dir pgcassert)
src=$prefix-src
if $rebuild || [ ! -x "$prefix/install/bin/postgres" ]; then
	tm_log "fetching the postgresql-15 source package"
	rm -rf "$src" && mkdir -p "$src/lists/partial"
	uris=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	uris=${uris:-http://deb.debian.org/debian}
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uris bookworm main" \
		> "$src/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$src/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$src/lists")
	apt-get "${apt_opts[@]}" update >"$src/apt.log" 2>&1 || { cat "$src/apt.log"; tm_die "apt-get update failed"; }
	(cd "$src" && apt-get "${apt_opts[@]}" source --download-only postgresql-15 >>apt.log 2>&1) \
		|| { cat "$src/apt.log"; tm_die "apt-get source postgresql-15 failed"; }
	tar -xjf "$src"/postgresql-15_*.orig.tar.bz2 -C "$src"
	tm_log "building $(basename "$src"/postgresql-15.*) with --enable-cassert (five to ten minutes)"
	(cd "$src"/postgresql-15.* &&
		./configure --prefix="$prefix/install" --enable-cassert --enable-debug \
			--without-readline --without-zlib --without-icu CFLAGS="-O1 -g" >configure.log 2>&1 &&
		make -s -j"$(nproc)" >build.log 2>&1 && make -s install >>build.log 2>&1) \
		|| tm_die "the build failed; see $src/postgresql-15.*/{configure,build}.log"
fi
pgc=$prefix/install/bin
# amcheck, which sql/duplicates.sql uses to check record_keys' indexes
if [ ! -f "$("$pgc/pg_config" --sharedir)/extension/amcheck.control" ]; then
	make -s -C "$(echo "$src"/postgresql-15.*)/contrib/amcheck" install >/dev/null \
		|| tm_die "building contrib/amcheck failed"
fi

# the extension, built from the checked-in files in a copy of the tree
build=$prefix/extension
rm -rf "$build" && mkdir -p "$build"
git ls-files -z | xargs -0 cp --parents -t "$build"
make -s -C "$build" PG_CONFIG="$pgc/pg_config" >/dev/null
make -s -C "$build" PG_CONFIG="$pgc/pg_config" install >/dev/null

data=$prefix/data
if [ -d "$data/pgdata" ]; then tm_as_pg "$pgc/pg_ctl" -D "$data/pgdata" -m fast stop >/dev/null 2>&1 || true; fi
rm -rf "$data" && mkdir -p "$data"
[ "$(id -u)" -eq 0 ] && chown postgres: "$data"
port=$(tm_free_port)
tm_as_pg "$pgc/initdb" -D "$data/pgdata" -U postgres --encoding=UTF8 --locale=C --auth=trust >/dev/null
cat <<CONF | tm_as_pg tee -a "$data/pgdata/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
timezone = 'UTC'
log_timezone = 'UTC'
max_worker_processes = 16
CONF
tm_as_pg "$pgc/pg_ctl" -D "$data/pgdata" -l "$data/postgres.log" -w start >/dev/null
trap 'tm_as_pg "$pgc/pg_ctl" -D "$data/pgdata" -m fast stop >/dev/null 2>&1 || true' EXIT

tests=(upgrade)
for f in $(ls sql/*.sql | sort); do
	t=$(basename "$f" .sql)
	[ "$t" = upgrade ] || tests+=("$t")
done
mkdir -p "$data/out"
set +e
"$prefix/install/lib/postgresql/pgxs/src/test/regress/pg_regress" --inputdir="$build" \
	--outputdir="$data/out" --bindir="$pgc" --host=127.0.0.1 --port="$port" --user=postgres \
	--dbname=contrib_regression "${tests[@]}" | tee "$data/out/summary.txt"
set -e
[ -s "$data/out/regression.diffs" ] && cat "$data/out/regression.diffs"
pass=$(grep -c '\.\.\. ok' "$data/out/summary.txt" || true)
fail=$(grep -c 'FAILED' "$data/out/summary.txt" || true)
if grep -q 'TRAP' "$data/postgres.log"; then
	grep 'TRAP' "$data/postgres.log"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
