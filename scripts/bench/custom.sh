#!/usr/bin/env bash
# Load run for custom webhooks (issue 6), recorded in docs/BENCHMARKS.md.
# Starts the fake Bot API and botdeck on a throwaway PostgreSQL database,
# saves a bot's code with a trivial handler and a handler reading one
# document, then drives them with wrk at concurrency 32, next to two
# baselines measured in the same run on the same machine: a bare Go
# net/http handler writing the same JSON (its own tiny server), and
# botdeck's GET /healthz (the whole middleware chain, trivial handler);
# and for the document read, the bare server reading the same document with
# the same query on the same database (database/sql and pgx). Last, the first request after each of 20 saves is timed.
#
#   scripts/bench/custom.sh [duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20s}
PORT=${BENCH_PORT:-18480} FAKE=$((PORT + 1)) BARE=$((PORT + 2))
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
go build -o bin/botdeck ./cmd/botdeck && go build -o bin/fakebotapi ./cmd/fakebotapi

. scripts/bench/lib.sh
bench_db

# The bare baseline: what a Go handler answering the same envelope (and
# reading the same document) costs.
bench_bare $BARE "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
bench_fake $FAKE
bench_botdeck $PORT $FAKE

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
token=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"bench_bot","firstName":"Bench"}' \
  http://127.0.0.1:$FAKE/_fake/bots | json 'd["result"]["token"]')
curl -s -c $tmp/jar -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' \
  http://127.0.0.1:$PORT/api/auth/signup >/dev/null
BOT=$(curl -s -b $tmp/jar -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
  http://127.0.0.1:$PORT/api/bots | json 'd["data"]["id"]')
code='logic["ping"] = async (query) => ({ pong: query.n });
logic["item"] = async (query, body, db) => db.operation.findOne("items", { _id: query.id });
logic["seed"] = async (query, body, db) => { for (let i = 0; i < 100; i++) await db.operation.insertOne("items", { _id: "i" + i, name: "item " + i, price: i }); };'
save() { python3 -c 'import json,sys; print(json.dumps({"source": sys.argv[1]}))' "$1" |
  curl -s -o /dev/null -w '%{http_code}' -b $tmp/jar -X PUT -H 'Content-Type: application/json' --data-binary @- \
  http://127.0.0.1:$PORT/api/bots/$BOT/code; }
[ "$(save "$code")" = 200 ] || { echo "save failed" >&2; exit 1; }
curl -sf -X POST http://127.0.0.1:$PORT/custom/$BOT/seed >/dev/null

# Each run also prints the server's CPU time per request (user + system,
# from /proc): unlike requests/s it barely moves when other work loads the
# machine, so it compares two builds measured at different load.
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }
run() {
  local pid=$1; shift
  local before=$(cpu $pid)
  wrk -t2 -c32 -d"$DURATION" --latency "$@" >"$tmp/wrk.out"
  grep -E 'Requests/sec|50%|90%|99%|Non-2xx' "$tmp/wrk.out"
  awk -v ticks=$(($(cpu $pid) - before)) -v hz=$(getconf CLK_TCK) '/requests in/ { n = $1 }
    END { printf "CPU/request: %.1f us\n", ticks * 1e6 / hz / n }' "$tmp/wrk.out"
}
echo "== machine"; nproc; lscpu | grep 'Model name'; psql -h 127.0.0.1 -U postgres -Atc 'show server_version'; uptime
echo "== baseline: bare Go handler"; run $bare_pid "http://127.0.0.1:$BARE/?n=1"
echo "== baseline: GET /healthz (middleware chain)"; run $botdeck_pid "http://127.0.0.1:$PORT/healthz"
echo "== js-trivial: GET /custom/{bot}/ping"; run $botdeck_pid "http://127.0.0.1:$PORT/custom/$BOT/ping?n=1"
echo "== baseline: bare Go handler reading the document (GET /item?id=…, database/sql + pgx, one prepared statement)"
PATH_PREFIX="/item?bot=$BOT&id=i" IDS=100 run $bare_pid -s scripts/bench/custom.lua "http://127.0.0.1:$BARE"
echo "== js-dbread: GET /custom/{bot}/item?id=… (findOne by _id on PostgreSQL, 100 documents)"
PATH_PREFIX="/custom/$BOT/item?id=i" IDS=100 run $botdeck_pid -s scripts/bench/custom.lua "http://127.0.0.1:$PORT"
echo "== first request after a save (20 saves; ms)"
for i in $(seq 20); do
  save "$code
// save $i" >/dev/null
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/custom/$BOT/ping?n=$i"
done | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "p50 %.2f ms, max %.2f ms\n", t[int((NR + 1) / 2)], t[NR] }'
