#!/usr/bin/env bash
# The whole benchmark set on a fresh database, written as one Markdown table (BENCHMARKS.md).
#
#   scripts/bench-all.sh [DATA_DIR]
#
# DATA_DIR: where the database is generated (default: a new folder under /tmp); reused as it
# is when it already holds a generated database, so a second run skips the generation.
# Settings (environment):
#   COUNT=1000000         dossiers generated
#   MOTCUA_DATABASE_URL   PostgreSQL instead of SQLite (an empty database, or one this script
#                         generated before)
#   ROUNDS=3              rounds of the storage ceiling next to the server's saturation
#   PROFILE=1             perf-record the server during the first saturation round
#   OUT=bench-all.md      where the table goes (also printed)
# Needs curl and jq; perf for PROFILE. The load harness and the server share the machine, so
# quote medians and ratios from one run, with the load average the table records.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in curl jq; do
  command -v $tool >/dev/null || { echo "bench-all needs $tool" >&2; exit 1; }
done
COUNT=${COUNT:-1000000}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-bench-all.md}
data=${1:-$(mktemp -d /tmp/motcua-bench.XXXXXX)}
mkdir -p "$data"
port=${PORT:-18290}
base=http://127.0.0.1:$port
bin=target/release/motcua
cargo build --release --quiet -p motcua
pid=
stop() { [ -n "$pid" ] && { kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; pid=; }
trap stop EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
backend=$([ -n "${MOTCUA_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $(load) |"); printf '%s | %s | %s | %s\n' "$1" "$2" "$3" "$4" >&2; }
# The server's CPU time so far, in clock ticks (user + system).
ticks() { [ -n "$pid" ] && awk '{ print $14 + $15 }' "/proc/$pid/stat" || echo 0; }
hz=$(getconf CLK_TCK)

if [ ! -f "$data/.generated-$COUNT" ]; then
  started=$(date +%s)
  "$bin" --data-dir "$data" generate dossiers --count "$COUNT" --batch 50000 >&2
  secs=$(( $(date +%s) - started ))
  touch "$data/.generated-$COUNT"
  row "generate $COUNT dossiers" "$secs s ($(( COUNT / (secs > 0 ? secs : 1) ))/s)" "–" "–"
fi

serve() {
  MOTCUA_LOOKUP_MAX_FAILURES=1000000 "$bin" --data-dir "$data" serve --addr 127.0.0.1:$port \
    >"$data/serve.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$base/healthz"; do sleep 0.05; done
}

# One line of the harness (or of storage-ceiling.py) as a row: answered rate, percentiles and
# the server's CPU per answer since `before` (ticks).
record() {
  local label=$1 offered=$2 line=$3 before=$4
  echo "$line" >&2
  local ok errors okps p50 p99 cpu="–"
  ok=$(sed -E 's/.* ok ([0-9]+) errors.*/\1/' <<<"$line")
  errors=$(sed -E 's/.* errors ([0-9]+) .*/\1/' <<<"$line")
  okps=$(sed -E 's/.*→ ([0-9]+) ok\/s.*/\1/' <<<"$line")
  p50=$(sed -E 's/.* p50 ([0-9.]+) .*/\1/' <<<"$line")
  p99=$(sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<<"$line")
  [ -n "$pid" ] && [ "$ok" -gt 0 ] && cpu=$(awk -v t="$(( $(ticks) - before ))" -v hz="$hz" -v n="$ok" 'BEGIN { printf "%.2f ms", 1000 * t / hz / n }')
  row "$label" "$offered → $okps/s ($ok ok, $errors errors)" "$p50 / $p99 ms" "$cpu"
  last_okps=$okps
}

# One load run of the harness.
bench() {
  local label=$1 scenario=$2 rate=$3 count=$4; shift 4
  local before line offered="$rate/s offered"
  [ "$rate" = 0 ] && offered="closed loop"
  before=$(ticks)
  line=$("$bin" --data-dir "$data" bench --base "$base" --scenario "$scenario" \
    --rate "$rate" --count "$count" "$@" | tail -1)
  record "$label" "$offered" "$line" "$before"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The storage ceilings and the server's saturation, alternately on the same database: the
# raw rows (SQLite only, on a copy, through SQLite's C library), the store's submission code
# (no server), and the server loaded over HTTP.
stop
raw_copy=
if [ "$backend" = SQLite ]; then
  raw_copy="$data/raw-ceiling.sqlite3"
  cp "$data/motcua.sqlite3" "$raw_copy"
  [ -f "$data/motcua.sqlite3-wal" ] && cp "$data/motcua.sqlite3-wal" "$raw_copy-wal"
fi
raws=() ceilings=() saturations=()
for round in $(seq 1 "$ROUNDS"); do
  stop
  if [ -n "$raw_copy" ]; then
    record "raw rows: SQLite's C library, 64 per transaction (round $round)" "closed loop" \
      "$(python3 scripts/storage-ceiling.py "$raw_copy" 30000 | tail -1)" 0
    raws+=("$last_okps")
  fi
  bench "the store's submission code alone, 64 per transaction (round $round)" ceiling 0 30000
  ceilings+=("$last_okps")
  serve
  if [ "$round" = 1 ] && [ -n "${PROFILE:-}" ]; then
    perf record -F 499 -g -p "$pid" -o "$data/perf.data" -- sleep 12 >/dev/null 2>&1 &
    perf_pid=$!
  fi
  bench "submit over HTTP, saturated (round $round)" submit 6000 40000
  saturations+=("$last_okps")
  if [ -n "${perf_pid:-}" ]; then
    wait "$perf_pid" || true
    perf report -i "$data/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null \
      | grep -E '^ +[0-9]' | head -40 >"$data/profile.txt" || true
    echo "profile of the server at saturation: $data/profile.txt" >&2
    perf_pid=
  fi
done
[ -n "$raw_copy" ] && rm -f "$raw_copy" "$raw_copy-wal" "$raw_copy-shm"
ratio() { awk -v s="$1" -v c="$2" 'BEGIN { printf "%.0f %%", 100 * s / c }'; }
saturation=$(printf '%s\n' "${saturations[@]}" | median)
ceiling=$(printf '%s\n' "${ceilings[@]}" | median)
row "**submissions: saturation / the store's code alone (medians of $ROUNDS)**" \
  "$saturation / $ceiling = $(ratio "$saturation" "$ceiling")" "–" "–"
if [ -n "$raw_copy" ]; then
  raw=$(printf '%s\n' "${raws[@]}" | median)
  row "**submissions: saturation / raw rows (medians of $ROUNDS)**" \
    "$saturation / $raw = $(ratio "$saturation" "$raw")" "–" "–"
fi

bench "submit" submit 1000 20000
bench "submit" submit 2000 30000
bench "lookup (officer API, whole dossier)" lookup 500 15000 --user quantri.tinh
bench "public lookup with the check digits (1 in 20 mistyped → 404)" public-lookup 500 15000 --anonymous

# The desk the submissions went to, with the backlog they left.
password=$(awk '$1 == "motcua.dongkinh" { print $2 }' "$data/demo-accounts.txt")
token=$(curl -sf "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"motcua.dongkinh\",\"password\":\"$password\"}" | jq -r .token)
open_total=$(curl -sf -H "authorization: Bearer $token" "$base/api/v1/dossiers?per_page=1" | jq .total)
bench "officer queue, first page (Đông Kinh desk, $open_total open)" queue 200 6000
bench "open dossiers per desk (/api/v1/dossiers/counts)" counts 200 6000
bench "the /work page: the same queue (25 a page) and the counts, rendered" work-page 200 6000
bench "province queue, status=processing (administrator)" queue 20 600 --user quantri.tinh --query status=processing

# A deep page of that queue (half way down), by place (keyset) and by number (offset).
cursor= pages=0
deep=$(( open_total / 200 / 2 ))
while [ "$pages" -lt "$deep" ]; do
  page=$(curl -sf -H "authorization: Bearer $token" "$base/api/v1/dossiers?per_page=200${cursor:+&after=$cursor}")
  cursor=$(jq -r '.next_cursor // empty' <<<"$page")
  [ -z "$cursor" ] && break
  pages=$((pages + 1))
done
if [ -n "$cursor" ]; then
  at=$(( pages * 200 ))
  bench "officer queue, page after $at dossiers, by place (after=)" queue 200 6000 --query "after=$cursor"
  bench "officer queue, page after $at dossiers, by number (page=)" queue 200 2000 --query "page=$(( pages * 4 + 1 ))"
fi
stop

{
  echo "$backend, $COUNT dossiers generated, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, release build of $(git rev-parse --short HEAD); the server's CPU time (user + system) per answered request; load average (1 min) at the end of each row. The ceiling runs with no server (its CPU is not counted)."
  echo
  echo "| measurement | rate | p50 / p99 | server CPU per answer | load |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT"
