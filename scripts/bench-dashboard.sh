#!/usr/bin/env bash
# The dashboard and the stats API on a generated database, cold then warm, with the server's
# CPU time per request. Build first (cargo build --release -p motcua) and generate the data:
#   target/release/motcua --data-dir DIR generate dossiers --count N --batch 50000
# Usage: scripts/bench-dashboard.sh DIR [AGENCY]   — AGENCY: a commune agency for its scorecard.
# Settings: RATE and COUNT (warm run), COLD_RATE and COLD_COUNT (the first seconds after start),
# BIN (the motcua binary, default target/release/motcua), ONLY (a regex of the runs to do).
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1
agency=${2:-000.01.40.H37}
bin=${BIN:-target/release/motcua}
port=18193
base=http://127.0.0.1:$port
rate=${RATE:-5} count=${COUNT:-100}
pid=
trap '[ -n "$pid" ] && kill -INT $pid 2>/dev/null; wait 2>/dev/null || true' EXIT

one() { # label scenario query
  [[ $1 =~ ${ONLY:-.} ]] || return 0
  "$bin" --data-dir "$data" serve --addr 127.0.0.1:$port --no-demo >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null $base/healthz; do sleep 0.05; done
  echo "== $1 [$2 ?$3] load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'cold  '
  "$bin" --data-dir "$data" bench --base $base --scenario "$2" --query "$3" \
    --rate "${COLD_RATE:-5}" --count "${COLD_COUNT:-25}"
  local before after
  before=$(awk '{print $14 + $15}' /proc/$pid/stat)
  printf 'warm  '
  "$bin" --data-dir "$data" bench --base $base --scenario "$2" --query "$3" \
    --rate "$rate" --count "$count"
  after=$(awk '{print $14 + $15}' /proc/$pid/stat)
  # Clock ticks (1/100 s) of user + system time; includes the harness's one sign-in.
  awk -v t=$((after - before)) -v n="$count" 'BEGIN { printf "   server CPU per warm request: %.1f ms\n", t * 10 / n }'
  kill -INT $pid; wait $pid || true; pid=
}

one dashboard-province dashboard "scope=province"
one dashboard-agency dashboard "scope=agency:$agency"
one quality-json quality ""
one quality-csv quality "format=csv"
one quality-agency-json quality "level=agency&code=$agency"
one agencies-json quality-agencies ""
one agencies-csv quality-agencies "format=csv"
one trend-json quality-trend ""
one trend-csv quality-trend "format=csv"
one readiness-json readiness ""
one readiness-csv readiness "format=csv"
