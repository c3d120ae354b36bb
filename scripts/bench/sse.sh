#!/usr/bin/env bash
# Load run for live events (GET /api/events), recorded in docs/BENCHMARKS.md.
# N streams (default 1,000) of one account are held open against one
# Botdeck; then, one at a time, events are raised by stopping and starting
# a bot through the API, and each stream's receipt of each event is timed
# (bin/sseload, scripts/bench/sseload). The server's memory is read before
# and after the streams open: memory per idle stream (every server runs with
# GOGC=5, so what the heap holds is close to what is live). Runs, in order:
#   1. baseline, same run and clients: the bare Go fan-out server of sseload
#   2. Botdeck on PostgreSQL, one instance
#   3. Botdeck on PostgreSQL, two instances: streams on B, events raised on A
#   4. Botdeck on SQLite, one instance
#
#   scripts/bench/sse.sh [streams, default 1000] [events, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000} ROUNDS=${2:-20}
PORT_A=18580 FAKE=18581 PORT_B=18582 BARE=18583 PORT_L=18584
ulimit -n "$(ulimit -Hn)" # each stream is a connection, on both ends
export GOGC=5
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

bin/fakebotapi -addr 127.0.0.1:$FAKE >/dev/null & pids+=($!)
# serve PORT DATABASE_URL: a Botdeck on its own port; its pid is in $served.
serve() {
  BOTDECK_ADDR=127.0.0.1:$1 BOTDECK_DATABASE_URL="$2" BOTDECK_SECRET_KEY_FILE=$tmp/key \
    BOTDECK_TELEGRAM_API_URL=http://127.0.0.1:$FAKE BOTDECK_API_RATE_LIMIT=0 BOTDECK_LOG_LEVEL=warn \
    BOTDECK_EVENT_STREAMS=$((N + 10)) bin/botdeck >>"$tmp/botdeck-$1.log" 2>&1 &
  served=$!; pids+=($served)
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$1/readyz >/dev/null && return; sleep 0.2; done
  echo "botdeck on :$1 did not start" >&2; cat "$tmp/botdeck-$1.log" >&2; exit 1
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
# account PORT: signs up, connects a bot; sets $KEY and $BOT.
account() {
  local jar=$tmp/jar-$1
  curl -s -c $jar -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' \
    http://127.0.0.1:$1/api/auth/signup >/dev/null
  KEY=$(curl -s -b $jar -H 'Content-Type: application/json' -d '{"name":"bench"}' http://127.0.0.1:$1/api/api-keys | json 'd["data"]["key"]')
  local token
  token=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"username\":\"bench_$1_bot\",\"firstName\":\"Bench\"}" \
    http://127.0.0.1:$FAKE/_fake/bots | json 'd["result"]["token"]')
  BOT=$(curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
    http://127.0.0.1:$1/api/bots | json 'd["data"]["id"]')
}
load() { bin/sseload -clients "$N" -rounds "$ROUNDS" "$@"; }

echo "== machine"; nproc; lscpu | grep 'Model name'; psql -h 127.0.0.1 -U postgres -Atc 'show server_version'; uptime

echo "== 1. baseline: bare Go fan-out server"
bin/sseload -bare 127.0.0.1:$BARE & pids+=($!); bare=$!
sleep 0.5
load -stream http://127.0.0.1:$BARE/events -trigger http://127.0.0.1:$BARE/publish -pid $bare -metrics http://127.0.0.1:$BARE/mem
kill $bare

pg="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
echo "== 2. Botdeck on PostgreSQL, one instance"
serve $PORT_A "$pg"; a=$served
account $PORT_A
toggle="http://127.0.0.1:$PORT_A/api/bots/$BOT/stop,http://127.0.0.1:$PORT_A/api/bots/$BOT/start"
load -stream "http://127.0.0.1:$PORT_A/api/events?kind=bot" -trigger "$toggle" -key "$KEY" -pid $a -metrics http://127.0.0.1:$PORT_A/metrics

echo "== 3. Botdeck on PostgreSQL, two instances: streams on B, events raised through A"
serve $PORT_B "$pg"; b=$served
load -stream "http://127.0.0.1:$PORT_B/api/events?kind=bot" -trigger "$toggle" -key "$KEY" -pid $b -metrics http://127.0.0.1:$PORT_B/metrics
kill $a $b

echo "== 4. Botdeck on SQLite, one instance"
serve $PORT_L "sqlite:$tmp/botdeck.db"; l=$served
account $PORT_L
load -stream "http://127.0.0.1:$PORT_L/api/events?kind=bot" -key "$KEY" -pid $l -metrics http://127.0.0.1:$PORT_L/metrics \
  -trigger "http://127.0.0.1:$PORT_L/api/bots/$BOT/stop,http://127.0.0.1:$PORT_L/api/bots/$BOT/start"
