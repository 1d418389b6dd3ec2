#!/usr/bin/env bash
# Builds Stagecast and runs the whole test suite (unit, integration with real peers, fuzz seeds).
# SANITIZE=1 runs the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer: a
# second full build, so it is off by default to keep a 2-core CI run inside its time budget.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)

jobs=$(nproc)
status=0

# Line tables only (-g1): backtraces keep file:line, and the build takes about half the time of
# full debug info (Boost.Beast/Asio templates), which is most of a 2-core CI run.
# (scripts/run.sh configures build/ the same way, tests aside, so neither rebuilds the other's.)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DSTAGECAST_TESTS=ON >/dev/null
ninja -C build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600) || status=1

if [[ "${SANITIZE:-0}" == "1" ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
    -DSTAGECAST_SANITIZE=ON >/dev/null
  ninja -C build-asan -j"$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs" --timeout 900) || status=1
fi

if [[ -f tests/fuzz/CMakeLists.txt ]]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DSTAGECAST_FUZZ=ON -DSTAGECAST_TESTS=OFF >/dev/null
  ninja -C build-fuzz -j"$jobs" stagecast_fuzzers
  (cd build-fuzz && ctest --output-on-failure -L fuzz) || status=1
fi
exit $status
