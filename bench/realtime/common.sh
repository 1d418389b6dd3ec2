# Shared by run.sh and run_cluster.sh (sourced): the file descriptor limit for CLIENTS sockets
# per process, the load generator built when missing, and waiting for a server's ports file.

# Two processes with ~CLIENTS sockets each (plus the load generator's CLIENTS).
ensure_fd_limit() {
  local clients="$1" want=$(($1 * 2 + 1024))
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  if (( $(ulimit -n) < clients + 512 )); then
    echo "ulimit -n is $(ulimit -n): too low for $clients clients (raise the hard limit)" >&2
    exit 1
  fi
}

build_loadgen() {
  local here="$1"
  if [[ ! -x "$here/loadgen" || "$here/loadgen.cpp" -nt "$here/loadgen" ]]; then
    g++ -O2 -std=c++20 -Wall -Wextra "$here/loadgen.cpp" -o "$here/loadgen" -lpthread
  fi
}

# Waits (up to 60 s) for FILE to be written while PID lives.
wait_for_file() {
  local file="$1" pid="$2"
  for _ in $(seq 1 600); do
    [[ -s "$file" ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
