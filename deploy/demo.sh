#!/usr/bin/env bash
# make demo: a throwaway PostgreSQL with a pgbench workload, the gateway and
# the scraper, all on loopback. Without NEW_RELIC_LICENSE_KEY the gateway
# writes what it would send to New Relic into $DEMO_DIR/sink.jsonl.
# Stops cleanly on Ctrl-C, or after DEMO_SECONDS if set, and removes what
# it made (about 100 MB with the database); DEMO_KEEP=1 keeps the sink file,
# a failure keeps everything.
# Ports: PG_PORT and the gateway's DBINTEL_*_ENDPOINT variables.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${DEMO_BIN:-$here/bin}
made_dir=
if [ -z "${DEMO_DIR:-}" ]; then
  DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dbintel-demo.XXXXXX")
  made_dir=1
fi
PG_PORT=${PG_PORT:-55432}
log() { printf '[demo] %s\n' "$*"; }

# PostgreSQL refuses to run as root: run its commands as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  as_pg pg_ctl -D "$DEMO_DIR/pgdata" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$status" != 0 ]; then # a failed demo keeps what explains it
    log "failed; files kept in $DEMO_DIR (logs, pgdata/postgres.log)"
  elif [ "${DEMO_KEEP:-}" = 1 ]; then
    rm -rf "$DEMO_DIR/pgdata"
    log "stopped; sink and logs kept in $DEMO_DIR"
  elif [ -n "$made_dir" ]; then
    rm -rf "$DEMO_DIR"
    log "stopped; removed $DEMO_DIR (DEMO_KEEP=1 keeps the sink file)"
  else # the caller's directory: remove only what the demo made in it
    rm -rf "$DEMO_DIR/pgdata" "$DEMO_DIR/sink.jsonl" "$DEMO_DIR"/{gateway,scraper,pgbench}.log
    log "stopped; cleaned $DEMO_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

pgbin=/usr/lib/postgresql/15/bin
if ! [ -x "$pgbin/initdb" ] && ! command -v initdb >/dev/null; then
  log "PostgreSQL 15 is missing: installing it (needs root)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-contrib >/dev/null
fi
[ -x "$pgbin/initdb" ] && export PATH="$pgbin:$PATH"

chmod 0755 "$DEMO_DIR"
mkdir -p "$DEMO_DIR/pgdata"
[ "$(id -u)" = 0 ] && chown postgres "$DEMO_DIR/pgdata"
log "starting PostgreSQL on 127.0.0.1:$PG_PORT in $DEMO_DIR/pgdata"
as_pg initdb -D "$DEMO_DIR/pgdata" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
cat >>"$DEMO_DIR/pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$DEMO_DIR/pgdata'
shared_preload_libraries = 'pg_stat_statements,auto_explain'
pg_stat_statements.track = all
track_io_timing = on
auto_explain.log_min_duration = 0
auto_explain.sample_rate = 0.01
auto_explain.log_format = json
fsync = off
CONF
as_pg pg_ctl -D "$DEMO_DIR/pgdata" -l "$DEMO_DIR/pgdata/postgres.log" -w start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
psql -qc 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' postgres
pgbench -q -i -s 2 postgres >/dev/null 2>&1
log "workload: pgbench, 4 clients"
pgbench -c 4 -T "${DEMO_SECONDS:-86400}" -R 200 postgres >"$DEMO_DIR/pgbench.log" 2>&1 &
pids+=($!)

export DBINTEL_GRPC_ENDPOINT=${DBINTEL_GRPC_ENDPOINT:-127.0.0.1:4317} DBINTEL_HTTP_ENDPOINT=${DBINTEL_HTTP_ENDPOINT:-127.0.0.1:4318}
export DBINTEL_METRICS_ENDPOINT=${DBINTEL_METRICS_ENDPOINT:-127.0.0.1:8888} DBINTEL_HEALTH_ENDPOINT=${DBINTEL_HEALTH_ENDPOINT:-127.0.0.1:13133}
export DBINTEL_STATUS_ENDPOINT=${DBINTEL_STATUS_ENDPOINT:-127.0.0.1:55679}
export DBINTEL_SINK_FILE="$DEMO_DIR/sink.jsonl"
"$bin/gateway" --config "$here/deploy/gateway.yaml" >"$DEMO_DIR/gateway.log" 2>&1 &
pids+=($!)

export DBINTEL_POSTGRES_DSN="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
export DBINTEL_GATEWAY_ENDPOINT=$DBINTEL_GRPC_ENDPOINT
export DBINTEL_POSTGRES_LOG_DIR="$DEMO_DIR/pgdata/postgres.log"   # auto_explain plans
"$bin/scraper" --config "$here/deploy/scraper.yaml" >"$DEMO_DIR/scraper.log" 2>&1 &
pids+=($!)

if [ -n "${NEW_RELIC_LICENSE_KEY:-}" ]; then
  log "sending to New Relic (${DBINTEL_FORWARD_ENDPOINT:-otlp.nr-data.net:4317})"
else
  log "no NEW_RELIC_LICENSE_KEY: what would be sent goes to $DBINTEL_SINK_FILE"
fi
cat <<INFO
[demo] look at:
  sink (OTLP JSON lines):  tail -f $DBINTEL_SINK_FILE
  gateway status page:     http://$DBINTEL_STATUS_ENDPOINT/   (JSON: /api/status)
  gateway self-metrics:    curl -s http://$DBINTEL_METRICS_ENDPOINT/metrics | grep ^dbintel_
  gateway readiness:       curl -s http://$DBINTEL_HEALTH_ENDPOINT/readyz
  logs:                    $DEMO_DIR/{gateway,scraper}.log, $DEMO_DIR/pgdata/postgres.log
  one scrape by hand:      DBINTEL_POSTGRES_DSN='$DBINTEL_POSTGRES_DSN' $bin/scraper --config deploy/scraper.yaml --once
INFO

# Report when the first PostgreSQL metrics reach the sink.
for _ in $(seq 1 60); do
  if [ -s "$DBINTEL_SINK_FILE" ] && grep -q 'postgresql.backends' "$DBINTEL_SINK_FILE"; then
    log "PostgreSQL metrics are arriving in the sink ($(wc -l <"$DBINTEL_SINK_FILE") requests so far)"
    break
  fi
  sleep 1
done

if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
else
  log "running; Ctrl-C to stop"
  wait "${pids[0]}" || true
fi
