# Helpers shared by bench/run and bench/profile-user (sourced, not run): the same free port, the
# same bounded waits, and the same command lines for txrt and the floor, so that a profile
# measures the server the benchmark measures.

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; false on timeout.
wait_until() {
  local limit=$(($1 * 10)) i
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# txrt_command BIN PORT REDIS_PORT PREFIX THREADS: sets `cmd` to txrt as the benchmark runs it.
# send-queue-bytes 8 MiB (default 1 MiB): past saturation a lagging client should show as
# latency, as it does with socket.io (which has no bound), not as a slow-consumer drop.
txrt_command() {
  cmd=("$1" --listen "127.0.0.1:$2" --threads "$5" --redis "redis://127.0.0.1:$3" --auth redis
    --prefix "$4" --send-queue-bytes 8388608 --log-level warn)
}

# floor_command BIN PORT REDIS_PORT PREFIX THREADS: sets `cmd` to the floor as the benchmark runs it.
floor_command() {
  cmd=("$1" --listen "127.0.0.1:$2" --redis "redis://127.0.0.1:$3" --prefix "$4" --threads "$5")
}
