#!/usr/bin/env bash
# HTTP throughput and memory of the release binary on loopback, with wrk (apt install wrk).
# Usage: scripts/bench-http.sh [seconds]   — starts its own server on a throwaway data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
port=18190
data=$(mktemp -d)
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
cargo build --release --quiet
bin=target/release/motcua
"$bin" --data-dir "$data" serve --addr 127.0.0.1:$port >/dev/null 2>&1 &   # first start seeds the demo
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.05; done
kill -INT $pid; wait $pid || true

for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$bin" --data-dir "$data" serve --addr 127.0.0.1:$port >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.002; done
  echo "start to ready (existing database), run $i: $(( ($(date +%s%N) - start) / 1000000 )) ms"
  [ $i -lt 5 ] && { kill -INT $pid; wait $pid || true; }
done
sleep 1
echo "RSS idle: $(grep VmRSS /proc/$pid/status | awk '{print $2, $3}')"
for path in /healthz /; do
  echo "--- wrk -t2 -c16 -d${secs}s $path"
  wrk -t2 -c16 -d"${secs}s" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|requests in|50%|99%'
done
echo "RSS after: $(grep VmRSS /proc/$pid/status | awk '{print $2, $3}'), requests to /: $(curl -s http://127.0.0.1:$port/metrics | grep 'route="/",status="200"' | awk '{print $2}')"
