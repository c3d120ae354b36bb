#!/usr/bin/env bash
# Load run for answering replies (issue 12), recorded in docs/BENCHMARKS.md.
# Starts the fake Bot API and botdeck on a throwaway PostgreSQL database and
# runs bin/replyload (scripts/bench/replyload): a fixed rate of /start
# updates from distinct new users, spread over enough bots that none exceeds
# Telegram's 30 messages/s (each bot is capped there in the fake, so a
# faster sender gets 429s, which are counted). Same-run baseline: the same
# rate to bots without replies (ingest alone). Then a breakdown of the
# answers' path from the rows' timestamps.
#
#   scripts/bench/replies.sh [duration, default 20s] [rate, default 1000] [bots per group, default 50]
#
# BOTDECK_BIN runs another botdeck binary (one built from an earlier commit,
# for a before/after comparison); ONLY=baseline or ONLY=replies runs one pass;
# ANSWER=code has the bots' code answer instead of the starter reply.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20s} RATE=${2:-1000} BOTS=${3:-50}
PORT=${PORT:-18630}; FAKE=$((PORT + 1))
go build -o bin/botdeck ./cmd/botdeck && go build -o bin/fakebotapi ./cmd/fakebotapi && go build -o bin/replyload ./scripts/bench/replyload

. scripts/bench/lib.sh
bench_db
bench_fake $FAKE
bench_botdeck $PORT $FAKE

echo "== machine"; nproc; lscpu | grep 'Model name'; psql -h 127.0.0.1 -U postgres -Atc 'show server_version'; uptime
# CPU time (user + system, in clock ticks) of botdeck and of the PostgreSQL
# backends serving its database: per update it barely moves with what else
# the machine does, unlike the latencies.
ticks() { awk '{ s += $14 + $15 } END { print s + 0 }' "$@" 2>/dev/null; }
pg_stats() { psql -h 127.0.0.1 -U postgres -Atc "select pid from pg_stat_activity where datname = '$db'" | sed 's|.*|/proc/&/stat|'; }
commits() { psql -h 127.0.0.1 -U postgres -Atc "select xact_commit from pg_stat_database where datname = '$db'"; }
cpu_before=$(ticks /proc/$botdeck_pid/stat) pg_before=$(ticks $(pg_stats)) commits_before=$(commits)
bin/replyload -botdeck http://127.0.0.1:$PORT -fake http://127.0.0.1:$FAKE -bots "$BOTS" -rate "$RATE" -duration "$DURATION" ${ONLY:+-only $ONLY} ${ANSWER:+-answer $ANSWER}
uptime
updates=$(psql -h 127.0.0.1 -U postgres -d $db -Atc "select count(*) from updates")
awk -v b=$(($(ticks /proc/$botdeck_pid/stat) - cpu_before)) -v p=$(($(ticks $(pg_stats)) - pg_before)) -v n=$updates -v hz=$(getconf CLK_TCK) \
  -v c=$(($(commits) - commits_before)) 'BEGIN { printf "per update (all passes, %d updates): CPU botdeck %.0f us, PostgreSQL backends %.0f us; %.2f commits\n",
    n, b * 1e6 / hz / n, p * 1e6 / hz / n, c / n }'
if [ -n "${TABLES:-}" ]; then
  echo "== rows written and index/sequential scans per table"
  psql -h 127.0.0.1 -U postgres -d $db -c "select relname, n_tup_ins ins, n_tup_upd upd, n_tup_del del, idx_scan, seq_scan from pg_stat_user_tables
    where n_tup_ins + n_tup_upd + n_tup_del + coalesce(idx_scan, 0) > 0 order by n_tup_ins + n_tup_upd + coalesce(idx_scan, 0) desc limit 20"
fi
echo "== path of the answers, from the rows (ms: p50 / p99)"
psql -h 127.0.0.1 -U postgres -d $db -At -F ' ' -c "
  with a as (select extract(epoch from u.processed_at - u.received_at) * 1000 as processed,
                    extract(epoch from o.created_at - u.received_at) * 1000 as queued,
                    extract(epoch from o.sent_at - u.received_at) * 1000 as recorded
             from updates u join outbox o on o.bot_id = u.bot_id and o.chat_id = u.update_id)
  select 'stored → processed', round(percentile_cont(0.5) within group (order by processed)::numeric, 1), round(percentile_cont(0.99) within group (order by processed)::numeric, 1) from a
  union all select 'stored → answer queued', round(percentile_cont(0.5) within group (order by queued)::numeric, 1), round(percentile_cont(0.99) within group (order by queued)::numeric, 1) from a
  union all select 'stored → send recorded', round(percentile_cont(0.5) within group (order by recorded)::numeric, 1), round(percentile_cont(0.99) within group (order by recorded)::numeric, 1) from a"
psql -h 127.0.0.1 -U postgres -d $db -At -F ' ' -c "
  select 'baseline: stored → processed', round(percentile_cont(0.5) within group (order by ms)::numeric, 1), round(percentile_cont(0.99) within group (order by ms)::numeric, 1)
  from (select extract(epoch from processed_at - received_at) * 1000 as ms from updates u
        where not exists (select 1 from outbox o where o.bot_id = u.bot_id)) b"
psql -h 127.0.0.1 -U postgres -d $db -Atc "select 'unprocessed', count(*) from updates where processed_at is null union all select 'outbox ' || status, count(*) from outbox group by status"
if grep -qv '^$' "$tmp/botdeck.log"; then echo "== botdeck log (last lines)"; tail -5 "$tmp/botdeck.log"; fi
