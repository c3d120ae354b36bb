#!/usr/bin/env bash
# A/B load run for custom webhooks, recorded in docs/BENCHMARKS.md (issue 13):
# another build of Botdeck (BASE, a directory holding its bin/botdeck, for
# instance `git archive <commit> | tar -x -C /tmp/base` then `go build -o
# bin/botdeck ./cmd/botdeck` there) and this checkout's run side by side,
# each on its own throwaway PostgreSQL database, with short wrk runs
# alternating bare Go / base / this build, so that load from other work on
# the machine falls on both alike. Each line gives requests/s, p50 and the
# server's CPU time per request (from /proc).
#
#   BASE=/tmp/base scripts/bench/custom_ab.sh [duration, default 5s] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BASE:?BASE: a directory with the other build in bin/botdeck}"
D=${1:-5s}; ROUNDS=${2:-3}
P=${BENCH_PORT:-18480}; FAKE=$((P + 1)); BARE=$((P + 2)); PA=$((P + 4)); PB=$((P + 5))
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
go build -o bin/botdeck ./cmd/botdeck && go build -o bin/fakebotapi ./cmd/fakebotapi
tmp=$(mktemp -d); pids=()
dbs=(botdeck_ab_a_$$ botdeck_ab_b_$$)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  for db in "${dbs[@]}"; do psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done; rm -rf "$tmp"; }
trap cleanup EXIT
for db in "${dbs[@]}"; do psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"; done
. scripts/bench/lib.sh
# The bare server's document read uses this build's database (its bot is $BB).
bench_bare $BARE "postgres://postgres@127.0.0.1:5432/${dbs[1]}?sslmode=disable"; PBARE=$bare_pid
bench_fake $FAKE
start() { # dir port db
  BOTDECK_ADDR=127.0.0.1:$2 BOTDECK_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$3?sslmode=disable" \
  BOTDECK_SECRET_KEY_FILE=$tmp/key$2 BOTDECK_TELEGRAM_API_URL=http://127.0.0.1:$FAKE \
  BOTDECK_API_RATE_LIMIT=0 BOTDECK_LOG_LEVEL=warn $1/bin/botdeck >"$tmp/botdeck$2.log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$2/readyz >/dev/null && break; sleep 0.2; done
}
start "$BASE" $PA ${dbs[0]}; PIDA=${pids[-1]}
start "$PWD" $PB ${dbs[1]}; PIDB=${pids[-1]}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
code='logic["ping"] = async (query) => ({ pong: query.n });
logic["item"] = async (query, body, db) => db.operation.findOne("items", { _id: query.id });
logic["seed"] = async (query, body, db) => { for (let i = 0; i < 100; i++) await db.operation.insertOne("items", { _id: "i" + i, name: "item " + i, price: i }); };'
setup() { # port name -> bot id
  local token=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"username\":\"$2_bot\",\"firstName\":\"Bench\"}" http://127.0.0.1:$FAKE/_fake/bots | json 'd["result"]["token"]')
  curl -s -c $tmp/jar$1 -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' http://127.0.0.1:$1/api/auth/signup >/dev/null
  local bot=$(curl -s -b $tmp/jar$1 -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" http://127.0.0.1:$1/api/bots | json 'd["data"]["id"]')
  python3 -c 'import json,sys; print(json.dumps({"source": sys.argv[1]}))' "$code" |
    curl -s -o /dev/null -b $tmp/jar$1 -X PUT -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:$1/api/bots/$bot/code
  curl -sf -X POST http://127.0.0.1:$1/custom/$bot/seed >/dev/null
  echo $bot
}
BA=$(setup $PA a); BB=$(setup $PB b)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
run() { local pid=$1; shift; local c0=$(cpu $pid)
  wrk -t2 -c32 -d"$D" --latency "$@" > $tmp/wrk.out; local c1=$(cpu $pid)
  awk -v c=$((c1-c0)) -v hz=$(getconf CLK_TCK) '/50%/{p=$2} /requests in/{n=$1} /Requests\/sec/{r=$2} END{printf "%s req/s p50 %s cpu/req %.1f us\n", r, p, c*1e6/hz/n}' $tmp/wrk.out; }
nproc; uptime
for i in $(seq $ROUNDS); do
  echo "round $i $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "bare $(run $PBARE "http://127.0.0.1:$BARE/?n=1")"
  echo "healthz-base $(run $PIDA "http://127.0.0.1:$PA/healthz")"
  echo "healthz-new $(run $PIDB "http://127.0.0.1:$PB/healthz")"
  echo "ping-base $(run $PIDA "http://127.0.0.1:$PA/custom/$BA/ping?n=1")"
  echo "ping-new $(run $PIDB "http://127.0.0.1:$PB/custom/$BB/ping?n=1")"
  echo "item-bare $(PATH_PREFIX="/item?bot=$BB&id=i" IDS=100 run $PBARE -s scripts/bench/custom.lua "http://127.0.0.1:$BARE")"
  echo "item-base $(PATH_PREFIX="/custom/$BA/item?id=i" IDS=100 run $PIDA -s scripts/bench/custom.lua "http://127.0.0.1:$PA")"
  echo "item-new $(PATH_PREFIX="/custom/$BB/item?id=i" IDS=100 run $PIDB -s scripts/bench/custom.lua "http://127.0.0.1:$PB")"
done
