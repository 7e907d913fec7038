#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: initdb in a temporary directory, a server
# listening only on a Unix socket there, POCKETRANK_TEST_POSTGRES pointing at it; stopped and
# deleted afterwards, whatever the command's outcome. Needs Debian's postgresql package
# (apt-get install postgresql); as root, the cluster runs as the postgres user it creates.
# --if-installed: where PostgreSQL is missing, say so and succeed (npm test on a fresh machine),
# unless CI is set: CI installs it (.ci/run) and must run the suite.
set -euo pipefail
optional=0
if [ "${1:-}" = --if-installed ]; then optional=1; shift; fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$optional" = 1 ] && [ -z "${CI:-}" ]; then
    echo "::: PostgreSQL is not installed: skipping the server suite on PostgreSQL (apt-get install -y postgresql, then npm run test:postgres)" >&2
    exit 0
  fi
  echo "PostgreSQL is not installed: apt-get install -y postgresql (the Postgres suite needs its server binaries)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/pocketrank-pg.XXXXXX)
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
cleanup() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
# Tests create a database per server: fsync off is for their speed only (a crash of this
# throwaway cluster loses it whole); kill -9 of a pocketrank process is what the tests exercise.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses='' -k $dir -c fsync=off -c max_connections=300" start >/dev/null
export POCKETRANK_TEST_POSTGRES="postgres://postgres@localhost/postgres?host=$dir"
echo "::: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $dir"
"$@"
