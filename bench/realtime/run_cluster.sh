#!/usr/bin/env bash
# Realtime fan-out across two nodes through Redis (docs/operations.md, "Multi-node"), in one run:
#   Stagecast: two nodes on one SQLite file and one redis-server (bus.url), the room's clients
#   spread over both, the sender on node A, so that half of every delivery crosses Redis;
#   Socket.IO: two Node processes with @socket.io/redis-adapter on the same redis-server, the
#   same spread. Both driven by the same load generator (loadgen.cpp --port2): deliveries per
#   second, p50/p99 latency, both servers' CPU; then the ratios (compare.mjs).
#
#   bench/realtime/run_cluster.sh              # 10,000 clients, rates 20,100 msg/s, 8 s each
#   CLIENTS=2000 RATES=20 bench/realtime/run_cluster.sh
#
# Environment: CLIENTS, RATES, STEP_SECONDS, IO_THREADS (per Stagecast node; 1 = one core each,
# as each Node process), BENCH_BIN.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CLIENTS="${CLIENTS:-10000}"
RATES="${RATES:-20,100}"
STEP_SECONDS="${STEP_SECONDS:-8}"
IO_THREADS="${IO_THREADS:-1}"
BIN="${BENCH_BIN:-$ROOT/build/src/app/stagecast}"

# shellcheck source=common.sh
source "$HERE/common.sh"
ensure_fd_limit "$CLIENTS"
[[ -x "$BIN" ]] || { echo "build Stagecast first (ninja -C build stagecast)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 1; }
(cd "$HERE" && [[ -d node_modules/@socket.io/redis-adapter ]] || npm ci --no-audit --no-fund)
build_loadgen "$HERE"

OUT="$HERE/results/cluster-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
json_field() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[process.argv[2]])' "$1" "$2"; }

REDIS_PORT="$(free_port)"
mkdir -p "$WORK/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$WORK/redis" \
  >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

# Runs the load generator against the pair of servers; stops them after.
drive() {
  local target="$1" port_a="$2" port_b="$3" pid_a="$4" pid_b="$5" room="$6" token="$7" note="$8"
  local result="$OUT/$target.jsonl"
  "$HERE/loadgen" --target="$target" --port="$port_a" --port2="$port_b" --room="$room" \
    --sender-token="$token" --clients="$CLIENTS" --senders=1 --rates="$RATES" \
    --step-seconds="$STEP_SECONDS" --idle-seconds=2 --server-pid="$pid_a" --server-pid2="$pid_b" \
    >"$result"
  printf '{"note":"%s"}\n' "$note" >>"$result"
  kill "$pid_a" "$pid_b"
  wait "$pid_a" "$pid_b" 2>/dev/null || true
}

echo "== Stagecast, two nodes ($CLIENTS clients, rates $RATES msg/s, io threads $IO_THREADS each)"
node_args=(--rtmp.port=0 --webrtc.enabled=false --auth.admin_api_key=bench-admin-key-0123456789
  --auth.jwt_secret=bench-cluster-jwt-secret-0123456789abcdef
  --auth.playback_secret=bench-cluster-playback-secret-0123456789ab
  --auth.argon2_ops_limit=1 --auth.argon2_mem_limit_kib=8 --store.url="sqlite://$WORK/shared.db"
  --bus.url="$REDIS_URL" --threads.io="$IO_THREADS" --streams.max_viewers=$((CLIENTS + 100))
  --chat.rate_limit_messages=1000000000 --realtime.events_per_second=1000000
  --realtime.events_burst=1000000 --realtime.auth_timeout_ms=300000 --http.access_log=false
  --log.level=warn --record.enabled=false --transcode.enabled=false)
for n in a b; do
  "$BIN" "${node_args[@]}" --http.port=0 --node.id="bench-$n" --server.data_dir="$WORK/node-$n" \
    --ports-file="$WORK/node-$n.ports" >"$OUT/stagecast-$n.log" 2>&1 &
  PIDS+=($!)
  eval "pid_$n=$!"
  wait_for_file "$WORK/node-$n.ports" "$!" || { cat "$OUT/stagecast-$n.log"; exit 1; }
done
port_a="$(json_field "$WORK/node-a.ports" http)"
port_b="$(json_field "$WORK/node-b.ports" http)"
setup="$(node "$HERE/setup_stagecast.mjs" "http://127.0.0.1:$port_a" bench-admin-key-0123456789)"
stream="$(node -e 'console.log(JSON.parse(process.argv[1]).streamId)' "$setup")"
token="$(node -e 'console.log(JSON.parse(process.argv[1]).token)' "$setup")"
drive stagecast "$port_a" "$port_b" "$pid_a" "$pid_b" "$stream" "$token" \
  "two C++ nodes, io threads $IO_THREADS each, Redis bus"

echo "== Socket.IO $(node -p 'require(process.argv[1] + "/node_modules/socket.io/package.json").version' "$HERE") + @socket.io/redis-adapter, two processes"
for n in a b; do
  REDIS_URL="$REDIS_URL" node "$HERE/socketio_server.mjs" 0 "$WORK/sio-$n.ports" >"$OUT/socketio-$n.log" 2>&1 &
  PIDS+=($!)
  eval "pid_$n=$!"
  wait_for_file "$WORK/sio-$n.ports" "$!" || { cat "$OUT/socketio-$n.log"; exit 1; }
done
drive socketio "$(json_field "$WORK/sio-a.ports" port)" "$(json_field "$WORK/sio-b.ports" port)" \
  "$pid_a" "$pid_b" bench "" "Node $(node --version), two processes, redis-adapter"

node "$HERE/compare.mjs" "$OUT/stagecast.jsonl" "$OUT/socketio.jsonl" | tee "$OUT/summary.txt"
echo "results in $OUT"
