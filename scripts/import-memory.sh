#!/usr/bin/env bash
# Peak memory of importing a hostile catalogue workbook: N procedure rows (default 1,000,000),
# every name a distinct text, so calamine's shared-strings table is as large as a package may
# declare. The import is refused with too_many_rows; this shows what refusing it costs.
# Usage: scripts/import-memory.sh [ROWS]   (builds the release binary and the generator first)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p motcua
cargo run --release -q -p motcua-exchange --example large_workbook -- "$rows" "$work/big.xlsx"
echo "workbook: $rows rows, $(du -h "$work/big.xlsx" | cut -f1)"
bin=target/release/motcua
"$bin" --data-dir "$work/data" migrate >/dev/null 2>&1 || true
/usr/bin/time -f 'peak RSS %M KiB, %e s, exit %x' \
  "$bin" --data-dir "$work/data" import procedures "$work/big.xlsx" \
  --decision 1/QĐ-UBND --decision-date 2025-06-30 --signer "Chủ tịch UBND tỉnh" --dry-run \
  2>&1 | tail -n 4 || true  # the import is refused (exit 2): that is the point
