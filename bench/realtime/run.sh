#!/usr/bin/env bash
# Realtime benchmark, end to end: Stagecast's /ws against a Socket.IO server doing the same room
# broadcast, both driven by the same load generator (loadgen.cpp) in one run:
#   N WebSocket clients in one room on loopback + 1 sender posting at steady rates (steps);
#   deliveries per second, p50/p99 delivery latency, server CPU per step, memory per idle
#   connection (RSS delta / connections); then the ratios (compare.mjs).
#
#   bench/realtime/run.sh                   # 10,000 clients, rates 10,50,200 msg/s, 10 s each
#   CLIENTS=2000 RATES=20 bench/realtime/run.sh
#
# Environment: CLIENTS, RATES (msg/s, comma-separated steps), STEP_SECONDS, IO_THREADS (Stagecast
# I/O threads; 1 = the same single core as Node), BENCH_BIN (default build/src/app/stagecast,
# built when missing), BATCH (true|false: Stagecast's realtime.batch_events).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CLIENTS="${CLIENTS:-10000}"
RATES="${RATES:-10,50,200}"
STEP_SECONDS="${STEP_SECONDS:-10}"
IO_THREADS="${IO_THREADS:-1}"
BATCH="${BATCH:-true}"
BIN="${BENCH_BIN:-$ROOT/build/src/app/stagecast}"

# shellcheck source=common.sh
source "$HERE/common.sh"
ensure_fd_limit "$CLIENTS"

if [[ ! -x "$BIN" ]]; then
  cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ninja -C "$ROOT/build" -j2 stagecast
fi
(cd "$HERE" && [[ -d node_modules/socket.io ]] || npm ci --no-audit --no-fund)
build_loadgen "$HERE"

OUT="$HERE/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Runs the load generator against the server SERVER_PID; appends the memory figures.
drive() {
  local target="$1" port="$2" room="$3" token="$4" note="$5"
  local result="$OUT/$target.jsonl" ready="$WORK/$target.ready"
  sleep 1
  local before
  before="$(rss_kb "$SERVER_PID")"
  "$HERE/loadgen" --target="$target" --port="$port" --room="$room" --sender-token="$token" \
    --clients="$CLIENTS" --senders=1 --rates="$RATES" --step-seconds="$STEP_SECONDS" \
    --idle-seconds=4 --ready-file="$ready" --server-pid="$SERVER_PID" >"$result" &
  local gen=$!
  if ! wait_for_file "$ready" "$gen"; then
    wait "$gen" || true
    echo "$target: the clients did not all join" >&2
    cat "$result" >&2
    exit 1
  fi
  sleep 3  # idle: every client joined, nothing sent yet
  local after
  after="$(rss_kb "$SERVER_PID")"
  wait "$gen"
  printf '{"rss_before_kb":%s,"rss_after_kb":%s,"note":"%s"}\n' "$before" "$after" "$note" >>"$result"
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo "== Stagecast ($CLIENTS clients, rates $RATES msg/s, io threads $IO_THREADS, batch $BATCH)"
"$BIN" --http.port=0 --rtmp.port=0 --server.data_dir="$WORK/stagecast" \
  --ports-file="$WORK/stagecast.ports" --auth.admin_api_key=bench-admin-key \
  --auth.argon2_ops_limit=1 --auth.argon2_mem_limit_kib=8 \
  --threads.io="$IO_THREADS" --streams.max_viewers=$((CLIENTS + 100)) \
  --chat.rate_limit_messages=1000000000 --realtime.events_per_second=1000000 \
  --realtime.events_burst=1000000 --realtime.auth_timeout_ms=300000 \
  --realtime.batch_events="$BATCH" --http.access_log=false --log.level=warn \
  >"$OUT/stagecast.log" 2>&1 &
SERVER_PID=$!
wait_for_file "$WORK/stagecast.ports" "$SERVER_PID" || { cat "$OUT/stagecast.log"; exit 1; }
port="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).http)' "$WORK/stagecast.ports")"
setup="$(node "$HERE/setup_stagecast.mjs" "http://127.0.0.1:$port" bench-admin-key)"
stream="$(node -e 'console.log(JSON.parse(process.argv[1]).streamId)' "$setup")"
token="$(node -e 'console.log(JSON.parse(process.argv[1]).token)' "$setup")"
drive stagecast "$port" "$stream" "$token" "C++ /ws, io threads $IO_THREADS, batch $BATCH"

echo "== Socket.IO $(node -p 'require(process.argv[1] + "/node_modules/socket.io/package.json").version' "$HERE")"
node "$HERE/socketio_server.mjs" 0 "$WORK/socketio.ports" >"$OUT/socketio.log" 2>&1 &
SERVER_PID=$!
wait_for_file "$WORK/socketio.ports" "$SERVER_PID" || { cat "$OUT/socketio.log"; exit 1; }
port="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).port)' "$WORK/socketio.ports")"
drive socketio "$port" bench "" "Node $(node --version), one process"

node "$HERE/compare.mjs" "$OUT/stagecast.jsonl" "$OUT/socketio.jsonl" | tee "$OUT/summary.txt"
echo "results in $OUT"
