#!/usr/bin/env bash
# bench_smoke (ctest): a real redis-server and the real txrt (auth=redis) on free loopback ports,
# then `txrt-bench --smoke` three times (fanout, broadcast, fanout with compression): 200 sessions connect, authenticate and
# subscribe, events flow for a few seconds, and any failed session, lost or reordered event
# fails the test. Correctness
# only: no speed is asserted. Every wait is bounded; both servers are stopped by their PIDs.
#
# usage: bench/smoke.sh TXRT_BIN TXRT_BENCH_BIN [extra txrt-bench flags...]
set -euo pipefail

txrt_bin=${1:?usage: smoke.sh TXRT_BIN TXRT_BENCH_BIN}
bench_bin=${2:?usage: smoke.sh TXRT_BIN TXRT_BENCH_BIN}
shift 2

work=$(mktemp -d "${TMPDIR:-/tmp}/txrt-bench-smoke.XXXXXX")
redis_pid=
txrt_pid=

# Stops a child by PID: TERM, up to 5 s, then KILL.
stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_pid "$txrt_pid"
  stop_pid "$redis_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# True when something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nobody listens on (a race with other processes is possible; the start is checked).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    listening "$p" || { echo "$p"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

# HTTP status of GET $2 on 127.0.0.1:$1, or nothing.
http_status() {
  local line
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    IFS=' ' read -r -t 2 _ line _ <&3 && echo "$line"
  ) 2>/dev/null || true
}

# Waits up to 10 s for $2 (a command) to succeed, failing if process $1 exits first.
wait_for() {
  local pid=$1 what=$2
  shift 2
  for _ in $(seq 100); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "smoke: $what exited before it was ready" >&2; return 1; }
    sleep 0.1
  done
  echo "smoke: $what not ready within 10 s" >&2
  return 1
}

# redis-server cannot report a port it chose: a port found free may be taken before it binds
# (other tests run on this machine), so a start that fails is tried again on another port.
for attempt in 1 2 3 4 5; do
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  wait_for "$redis_pid" redis-server listening "$redis_port" && break
  ((attempt < 5)) || { cat "$work/redis.log" >&2; exit 1; }
done

# txrt listens on a port the kernel picks and logs it: no race.
"$txrt_bin" --listen "127.0.0.1:0" --threads 1 --auth redis \
  --redis "redis://127.0.0.1:$redis_port" --prefix "smoke:" --log-level info \
  >"$work/txrt.log" 2>&1 &
txrt_pid=$!
port_logged() {
  txrt_port=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$work/txrt.log" | head -n1)
  [[ -n "$txrt_port" ]]
}
wait_for "$txrt_pid" txrt port_logged || { cat "$work/txrt.log" >&2; exit 1; }
ready() { [[ "$(http_status "$txrt_port" /ready)" == 200 ]]; }
wait_for "$txrt_pid" txrt ready || { cat "$work/txrt.log" >&2; exit 1; }

# fanout: 200 sessions over 20 customers' rooms; broadcast: all 200 in one room; then fanout
# again with permessage-deflate (the server's default compression: 300-byte events are over the
# 256-byte threshold, so every event arrives compressed, the frame compressed once).
for round in "fanout" "broadcast" "fanout --compression"; do
  read -r workload round_flags <<<"$round"
  status=0
  # shellcheck disable=SC2086 # round_flags: zero or more flags
  timeout -k 5 45 "$bench_bin" --smoke --workload "$workload" --target "127.0.0.1:$txrt_port" \
    --redis "127.0.0.1:$redis_port" --prefix "smoke:" --server-pid "$txrt_pid" --json \
    $round_flags "$@" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "smoke: txrt-bench --workload $workload $round_flags exited with $status; server log:" >&2
    tail -n 50 "$work/txrt.log" >&2
    exit "$status"
  fi
done
