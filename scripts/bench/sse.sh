#!/usr/bin/env bash
# Load run for live events (GET /api/events), recorded in docs/BENCHMARKS.md.
# N streams (default 1,000) of one account are held open against a server
# (bin/sseload, scripts/bench/sseload), next to the same-run baseline: the
# bare Go fan-out server of sseload, with the same clients.
#
# Memory pass (servers run with GOGC=5, so the heap holds little more than
# what is live): the server's resident memory and Go heap before and after
# the streams open — memory per idle stream.
# Delivery pass (default GOGC): one event at a time, raised by stopping and
# starting a bot through the API, and each stream's receipt of it timed:
#   Botdeck on PostgreSQL (one instance; two instances with the streams on B
#   and the events raised through A) and on SQLite.
#
#   scripts/bench/sse.sh [streams, default 1000] [events, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000} ROUNDS=${2:-20}
PORT_A=18580 FAKE=18581 PORT_B=18582 BARE=18583 PORT_L=18584
ulimit -n "$(ulimit -Hn)" # each stream is a connection, on both ends
go build -o bin/botdeck ./cmd/botdeck && go build -o bin/fakebotapi ./cmd/fakebotapi && go build -o bin/sseload ./scripts/bench/sseload

db="botdeck_bench_$$"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
tmp=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$tmp"
}
trap cleanup EXIT
pg="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
lite="sqlite:$tmp/botdeck.db"

bin/fakebotapi -addr 127.0.0.1:$FAKE >/dev/null & pids+=($!)
# serve PORT DATABASE_URL: a Botdeck on its own port; its pid is in $served.
serve() {
  BOTDECK_ADDR=127.0.0.1:$1 BOTDECK_DATABASE_URL="$2" BOTDECK_SECRET_KEY_FILE=$tmp/key \
    BOTDECK_TELEGRAM_API_URL=http://127.0.0.1:$FAKE BOTDECK_API_RATE_LIMIT=0 BOTDECK_LOG_LEVEL=warn \
    BOTDECK_EVENT_STREAMS=$((N + 10)) BOTDECK_METRICS_ADDR=127.0.0.1:$(($1 + 1000)) bin/botdeck >>"$tmp/botdeck-$1.log" 2>&1 &
  served=$!; pids+=($served)
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$1/readyz >/dev/null && return; sleep 0.2; done
  echo "botdeck on :$1 did not start" >&2; cat "$tmp/botdeck-$1.log" >&2; exit 1
}
stop() { kill "$@"; wait "$@" 2>/dev/null || true; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
# account PORT NAME: signs up, connects a bot; sets $<NAME>_KEY and $<NAME>_BOT.
account() {
  local jar=$tmp/jar-$1 key token bot
  curl -s -c $jar -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' \
    http://127.0.0.1:$1/api/auth/signup >/dev/null
  key=$(curl -s -b $jar -H 'Content-Type: application/json' -d '{"name":"bench"}' http://127.0.0.1:$1/api/api-keys | json 'd["data"]["key"]')
  token=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"username\":\"bench_$1_bot\",\"firstName\":\"Bench\"}" \
    http://127.0.0.1:$FAKE/_fake/bots | json 'd["result"]["token"]')
  bot=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
    http://127.0.0.1:$1/api/bots | json 'd["data"]["id"]')
  printf -v "${2}_KEY" %s "$key"; printf -v "${2}_BOT" %s "$bot"
}
load() { bin/sseload -clients "$N" "$@"; }
events() { echo "-stream http://127.0.0.1:$1/api/events?kind=bot -key $2"; }
toggle() { echo "-trigger http://127.0.0.1:$1/api/bots/$2/stop,http://127.0.0.1:$1/api/bots/$2/start"; }

echo "== machine"; nproc; lscpu | grep 'Model name'; psql -h 127.0.0.1 -U postgres -Atc 'show server_version'; uptime

echo "==== memory per idle stream (GOGC=5)"
export GOGC=5
echo "== baseline: bare Go fan-out server"
bin/sseload -bare 127.0.0.1:$BARE & bare=$!; pids+=($bare); sleep 0.5
load -rounds 0 -stream http://127.0.0.1:$BARE/events -pid $bare -metrics http://127.0.0.1:$BARE/mem
stop $bare
echo "== Botdeck on PostgreSQL"
serve $PORT_A "$pg"; a=$served; account $PORT_A PG
load -rounds 0 $(events $PORT_A "$PG_KEY") -pid $a -metrics http://127.0.0.1:$((PORT_A + 1000))/metrics
stop $a
echo "== Botdeck on SQLite"
serve $PORT_L "$lite"; l=$served; account $PORT_L LITE
load -rounds 0 $(events $PORT_L "$LITE_KEY") -pid $l -metrics http://127.0.0.1:$((PORT_L + 1000))/metrics
stop $l
unset GOGC

echo "==== delivery: $ROUNDS events, one at a time, to each of $N streams (default GOGC)"; uptime
echo "== baseline: bare Go fan-out server"
bin/sseload -bare 127.0.0.1:$BARE & bare=$!; pids+=($bare); sleep 0.5
load -rounds "$ROUNDS" -stream http://127.0.0.1:$BARE/events -trigger http://127.0.0.1:$BARE/publish
stop $bare
echo "== Botdeck on PostgreSQL, one instance"
serve $PORT_A "$pg"; a=$served
load -rounds "$ROUNDS" $(events $PORT_A "$PG_KEY") $(toggle $PORT_A "$PG_BOT")
echo "== Botdeck on PostgreSQL, two instances: streams on B, events raised through A"
serve $PORT_B "$pg"; b=$served
load -rounds "$ROUNDS" $(events $PORT_B "$PG_KEY") $(toggle $PORT_A "$PG_BOT")
stop $a $b
echo "== Botdeck on SQLite, one instance"
serve $PORT_L "$lite"; l=$served
load -rounds "$ROUNDS" $(events $PORT_L "$LITE_KEY") $(toggle $PORT_L "$LITE_BOT")
stop $l
