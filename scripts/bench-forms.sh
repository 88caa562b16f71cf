#!/usr/bin/env bash
# Electronic forms at scale (issue 15): submissions with the 30-field sample form (samples::FORM_30)
# against submissions without a form, interleaved on one generated database, then the form's
# submission page. Builds the release binary, generates the dossiers, serves, measures, and prints
# the medians of the rounds with the ratio form / no form.
# Usage: scripts/bench-forms.sh
# Settings: COUNT (dossiers to generate, default 1000000), DATA_DIR (a data folder: reused, not
# regenerated, if it has demo-accounts.txt, and kept; default a throwaway folder; each run adds
# its submissions, about 400,000, so delete it to measure at COUNT again), ROUNDS (3),
# RUN_SECONDS (per run, 20), RATE (the steady offer, 1000/s), SATURATE (the offer beyond capacity,
# 4000/s), PAGE_RATE (200/s), BIN (default target/release/motcua; NO_BUILD=1 skips the build).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-1000000}
rounds=${ROUNDS:-3} secs=${RUN_SECONDS:-20}
rate=${RATE:-1000} saturate=${SATURATE:-4000} page_rate=${PAGE_RATE:-200}
bin=${BIN:-target/release/motcua}
port=18194
base=http://127.0.0.1:$port
results=$(mktemp)
pid=
if [ -n "${DATA_DIR:-}" ]; then data=$DATA_DIR keep=1; else data=$(mktemp -d) keep=; fi
trap '[ -n "$pid" ] && kill -INT $pid 2>/dev/null; wait 2>/dev/null || true
      rm -f "$results"; [ -z "$keep" ] && rm -rf "$data"' EXIT

[ -n "${NO_BUILD:-}" ] || nice cargo build --release -p motcua --quiet
if [ -f "$data/demo-accounts.txt" ]; then
  echo "== reusing $data; publishing the samples it may lack"
  "$bin" --data-dir "$data" generate dossiers --count 0 >/dev/null
else
  echo "== generating $count dossiers in $data"
  "$bin" --data-dir "$data" generate dossiers --count "$count" --batch 50000 | tail -1
fi

"$bin" --data-dir "$data" serve --addr 127.0.0.1:$port --no-demo >"$data/bench-forms-serve.log" 2>&1 &
pid=$!
until curl -sf -o /dev/null $base/healthz; do sleep 0.1; done
B() { "$bin" --data-dir "$data" bench --base $base "$@"; }

# Warm-up, not counted: the prepared form, the code lists and the communes are read once.
B --scenario submit-form --rate 50 --count 100 >/dev/null
B --scenario form-page --rate 50 --count 100 >/dev/null

run() { # phase scenario rate
  local before after line
  before=$(awk '{print $14 + $15}' /proc/$pid/stat)
  line=$(B --scenario "$2" --rate "$3" --count $(($3 * secs)) --max-seconds "$secs")
  after=$(awk '{print $14 + $15}' /proc/$pid/stat)
  # Server CPU (user + system clock ticks of 10 ms, one sign-in included) per answered request.
  line="$line; server CPU $(awk -v t=$((after - before)) -v n="$(awk '{print $5}' <<<"$line")" \
    'BEGIN { printf "%.2f", n ? t * 10 / n : 0 }') ms/request"
  echo "$1 $line"
  awk -v p="$1" -v s="$2" '{ for (i = 1; i <= NF; i++) { if ($i == "errors") e = $(i+1);
      if ($i == "ok/s;") ok = $(i-1); if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1);
      if ($i == "CPU") cpu = $(i+1) }
      print p, s, ok, p50, p99, cpu, e }' <<<"$line" >>"$results"
  sleep 2
}

echo "== load $(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds of $secs s each"
for r in $(seq "$rounds"); do
  # The order alternates, so drift (the database growing, the neighbours' load) falls on both.
  if [ $((r % 2)) = 1 ]; then pair="submit submit-form"; else pair="submit-form submit"; fi
  for s in $pair; do run steady "$s" "$rate"; done
  for s in $pair; do run saturated "$s" "$saturate"; done
  run page form-page "$page_rate"
done

echo "== medians of $rounds rounds (ok/s, p50 ms, p99 ms, server CPU ms/request, errors in all)"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for key in "steady submit" "steady submit-form" "saturated submit" "saturated submit-form" \
  "page form-page"; do
  rows=$(grep "^$key " "$results")
  printf '%-22s %8s ok/s  p50 %7s  p99 %7s  cpu %6s  errors %s\n' "$key" \
    "$(awk '{print $3}' <<<"$rows" | median)" "$(awk '{print $4}' <<<"$rows" | median)" \
    "$(awk '{print $5}' <<<"$rows" | median)" "$(awk '{print $6}' <<<"$rows" | median)" \
    "$(awk '{ e += $7 } END { print e }' <<<"$rows")"
done
ratio() { # phase column
  local a b
  a=$(grep "^$1 submit-form " "$results" | awk -v c="$2" '{print $c}' | median)
  b=$(grep "^$1 submit " "$results" | awk -v c="$2" '{print $c}' | median)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b ? a / b : 0 }'
}
echo "form / no form: steady p99 $(ratio steady 5), saturated throughput $(ratio saturated 3)," \
  "server CPU per submission $(ratio steady 6) (steady), $(ratio saturated 6) (saturated)"
errors=$(awk '{ e += $7 } END { print e + 0 }' "$results")
[ "$errors" = 0 ] || { echo "!! $errors requests failed: see $data/bench-forms-serve.log"; keep=1; exit 1; }
