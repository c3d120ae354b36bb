#!/usr/bin/env bash
# Load run for webhook ingestion (issue 4), recorded in docs/BENCHMARKS.md.
# Starts the fake Bot API and botdeck on a throwaway PostgreSQL database,
# connects a bot, then drives POST /tg/{botId} with wrk at concurrency 40
# (Telegram's default max_connections), next to two baselines measured in
# the same run on the same server: GET /healthz (middleware, no database)
# and a forged-secret POST (middleware + one bot lookup, nothing stored).
#
#   scripts/bench/ingest.sh [duration, default 30s]
#
# With REPLY=1 the bot gets a keyword reply ("hello") that every update of
# the run matches, so each one is answered: the answering hook's full path
# (users' states, use counts, outbox rows) runs inside processing.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-30s}
PORT=${PORT:-18280}; FAKE=$((PORT + 1))
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
go build -o bin/botdeck ./cmd/botdeck && go build -o bin/fakebotapi ./cmd/fakebotapi

. scripts/bench/lib.sh
bench_db
bench_fake $FAKE
bench_botdeck $PORT $FAKE

token=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"bench_bot","firstName":"Bench"}' \
  http://127.0.0.1:$FAKE/_fake/bots | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["token"])')
curl -s -c $tmp/jar -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' \
  http://127.0.0.1:$PORT/api/auth/signup >/dev/null
export BOT_ID=$(curl -s -b $tmp/jar -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
  http://127.0.0.1:$PORT/api/bots | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
if [ -n "${REPLY:-}" ]; then
  psql -h 127.0.0.1 -U postgres -d $db -qc "INSERT INTO replies (id, bot_id, position, spec, enabled, created_at, updated_at)
    VALUES ('rpl_bench', '$BOT_ID', 1, '{\"id\":\"rpl_bench\",\"trigger\":{\"kind\":\"keyword\",\"keywords\":[\"hello\"]},\"text\":\"Hi {first_name}!\",\"parseMode\":null,\"showInMenu\":false,\"description\":\"\",\"groups\":false,\"enabled\":true}', true, now(), now());
    UPDATE bots SET replies_version = replies_version + 1 WHERE id = '$BOT_ID'"
fi
export SECRET=$(curl -s "http://127.0.0.1:$FAKE/_fake/bots/state?botToken=$token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["webhookSecret"])')

echo "== machine"; nproc; lscpu | grep 'Model name'; psql -h 127.0.0.1 -U postgres -Atc 'show server_version'
echo "== baseline: GET /healthz"
wrk -t2 -c40 -d"$DURATION" --latency http://127.0.0.1:$PORT/healthz | grep -E 'Requests/sec|50%|99%|Non-2xx'
echo "== baseline: POST /tg/{botId} with a forged secret (401, nothing stored)"
SECRET=forged wrk -t2 -c40 -d"$DURATION" --latency -s scripts/bench/ingest.lua http://127.0.0.1:$PORT | grep -E 'Requests/sec|50%|99%|Non-2xx'
echo "== ingest: POST /tg/{botId}, distinct updates, 1 in 5 from a new user"
wrk -t2 -c40 -d"$DURATION" --latency -s scripts/bench/ingest.lua http://127.0.0.1:$PORT | grep -E 'Requests/sec|50%|75%|90%|99%|Non-2xx|requests in'
sleep 3
echo "== after the run"
psql -h 127.0.0.1 -U postgres -d $db -Atc "select 'stored', count(*) from updates union all select 'unprocessed', count(*) from updates where processed_at is null union all select 'users', count(*) from bot_users union all select 'answers queued', count(*) from outbox union all select 'reply uses', coalesce(sum(uses), 0) from replies"
