# Shared set-up of the load runs (sourced by ingest.sh, replies.sh,
# custom.sh and custom_ab.sh): a throwaway PostgreSQL database, a temporary
# directory and the processes started, all removed on exit; the bare Go
# baseline; the fake Bot API; botdeck itself.
#
#   . "$(dirname "$0")/lib.sh"; bench_db; bench_fake $FAKE; bench_botdeck $PORT $FAKE [VAR=value…]

# bench_db creates $db and $tmp and removes them (and stops every process
# in pids) when the script exits.
bench_db() {
  db="botdeck_bench_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  tmp=$(mktemp -d)
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$tmp"
}

# bench_bare starts the bare Go baseline (scripts/bench/bare) on port $1,
# with its /item document read on the database URL $2 when given; its pid
# is bare_pid.
bench_bare() {
  go build -o bin/bare ./scripts/bench/bare
  bin/bare 127.0.0.1:$1 ${2:+"$2"} & pids+=($!); bare_pid=$!
}

# bench_fake starts the fake Bot API on port $1.
bench_fake() {
  bin/fakebotapi -addr 127.0.0.1:$1 >/dev/null & pids+=($!)
}

# bench_botdeck_run runs botdeck in the foreground (exec: its pid is the
# caller's $!) with the settings of bench_botdeck.
bench_botdeck_run() {
  local port=$1 fake=$2; shift 2
  exec env BOTDECK_ADDR=127.0.0.1:$port BOTDECK_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" \
    BOTDECK_SECRET_KEY_FILE=$tmp/key BOTDECK_TELEGRAM_API_URL=http://127.0.0.1:$fake \
    BOTDECK_PUBLIC_URL=http://127.0.0.1:$port BOTDECK_API_RATE_LIMIT=0 BOTDECK_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} "$@" \
    "${BOTDECK_BIN:-bin/botdeck}"
}

# bench_botdeck starts ${BOTDECK_BIN:-bin/botdeck} on port $1 against the
# fake on port $2 and $db, with any extra VAR=value settings after them,
# then waits until it is ready. Its pid is botdeck_pid; its log
# $tmp/botdeck.log, at level ${BENCH_LOG_LEVEL:-warn} (info: the default
# access log, a line per request), through a pipe when BENCH_LOG_PIPE=1 (as
# a terminal, a container's log driver or journald take it).
bench_botdeck() {
  local port=$1 fake=$2; shift 2
  if [ "${BENCH_LOG_PIPE:-}" = 1 ]; then
    bench_botdeck_run $port $fake "$@" > >(cat >"$tmp/botdeck.log") 2>&1 & pids+=($!); botdeck_pid=$!
  else
    bench_botdeck_run $port $fake "$@" >"$tmp/botdeck.log" 2>&1 & pids+=($!); botdeck_pid=$!
  fi
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && return; sleep 0.2; done
  echo "botdeck did not become ready; its log: $tmp/botdeck.log" >&2; return 1
}
