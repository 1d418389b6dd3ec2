#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the tests (the ctest fixture store_pg):
#   pg-test-cluster.sh start <state dir>   initdb + pg_ctl on 127.0.0.1 and a free port; writes
#                                          <state dir>/url (postgres://...) and <state dir>/data
#   pg-test-cluster.sh stop <state dir>    stops it and removes its files
#   pg-test-cluster.sh pause <state dir>   stops the server, keeping its data (an outage)
#   pg-test-cluster.sh resume <state dir>  starts it again on the same port
# The cluster lives in a temporary directory owned by an unprivileged user when run as root
# (PostgreSQL refuses to run as root). Fails when the PostgreSQL binaries are missing: the
# postgres-backed tests must not pass without a database.
set -euo pipefail

cmd=${1:?start|stop}
state=${2:?state directory}

bindir=""
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then bindir=$d; break; fi
done
if [[ -z "$bindir" ]] && command -v pg_config >/dev/null; then bindir=$(pg_config --bindir); fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "pg-test-cluster: PostgreSQL server binaries (initdb, pg_ctl) not found;" \
       "install the 'postgresql' package (scripts/install-deps.sh --test)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}

# Starts the server of the cluster in $data on port $1.
start_server() {
  as_owner "$bindir/pg_ctl" start -D "$data/pgdata" -l "$data/server.log" -w -t 30 \
    -o "-p $1 -c listen_addresses=127.0.0.1 -k $data -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
}

stop() {
  [[ -f "$state/data" ]] || return 0
  local data
  data=$(cat "$state/data")
  if [[ -d "$data/pgdata" ]]; then
    as_owner "$bindir/pg_ctl" stop -D "$data/pgdata" -m immediate -w >/dev/null 2>&1 || true
  fi
  rm -rf "$data"
  rm -f "$state/data" "$state/url" "$state/port"
}

case "$cmd" in
  start)
    mkdir -p "$state"
    stop  # a cluster a crashed run left behind
    data=$(mktemp -d /tmp/stagecast-pg-XXXXXX)
    echo "$data" >"$state/data"
    if [[ $(id -u) == 0 ]]; then chown nobody "$data"; fi
    as_owner "$bindir/initdb" -D "$data/pgdata" -U stagecast --auth=trust --locale=C \
      -E UTF8 --no-sync >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
    # A port the kernel just handed out and released; retried if someone takes it meanwhile.
    for attempt in 1 2 3 4 5; do
      port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
      if start_server "$port"; then
        echo "$port" >"$state/port"
        echo "postgres://stagecast@127.0.0.1:$port/postgres" >"$state/url"
        echo "pg-test-cluster: running on 127.0.0.1:$port ($data)"
        exit 0
      fi
    done
    cat "$data/server.log" >&2
    exit 1
    ;;
  stop)
    stop
    ;;
  pause)
    data=$(cat "$state/data")
    as_owner "$bindir/pg_ctl" stop -D "$data/pgdata" -m fast -w >/dev/null
    ;;
  resume)
    data=$(cat "$state/data")
    start_server "$(cat "$state/port")" || { cat "$data/server.log" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 start|stop|pause|resume <state dir>" >&2
    exit 2
    ;;
esac
