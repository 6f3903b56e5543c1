#!/usr/bin/env bash
# Print a PostgreSQL server URL (without database name) for the tests.
# Uses the server on 127.0.0.1:5432 (user postgres, trust auth) when one answers;
# otherwise installs Debian's PostgreSQL and runs a private throwaway server on a spare port.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CAREBOOK_PG_PRIVATE:-}" ] && command -v psql >/dev/null 2>&1 && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:5432"
  exit 0
fi
port=${CAREBOOK_PG_PORT:-55432}
if psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:$port"
  exit 0
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "==> No PostgreSQL answers: installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq postgresql postgresql-client) >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
data=/tmp/carebook-pg-$port
sock=/tmp/carebook-pg-sock-$port
as_pg=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  as_pg=(runuser -u postgres --)
fi
if [ ! -f "$data/PG_VERSION" ]; then
  mkdir -p "$data" "$sock"
  [ "$(id -u)" = "0" ] && chown postgres "$data" "$sock"
  "${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
fi
mkdir -p "$sock" && { [ "$(id -u)" != "0" ] || chown postgres "$sock"; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
  -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=on" start >&2
echo "postgres://postgres@127.0.0.1:$port"
