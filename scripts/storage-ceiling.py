#!/usr/bin/env python3
"""The raw storage ceiling of an online submission on SQLite.

    scripts/storage-ceiling.py DATABASE [COUNT]

Writes, for each of COUNT submissions, exactly the rows motcua's submission writes (the
dossier, copied from the newest submitted one with a new code; its audit event, chained by
SHA-256; its idempotency key; the agency's daily sequence), 64 submissions per transaction,
with motcua's durability (WAL, synchronous=FULL), straight through SQLite's C library: no
HTTP, JSON, sign-in, validation or Rust store code. The triggers on `dossiers` (the desks'
open counts) fire as they do for motcua. Run it on a COPY of a benchmark database: it adds
COUNT dossiers under a day far in the future. Prints one line in `motcua bench`'s format.
"""
import hashlib
import sqlite3
import sys
import time
import uuid

BATCH = 64


def main():
    db = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30000
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA busy_timeout=5000")
    columns = [r[1] for r in con.execute("PRAGMA table_info(dossiers)")]
    template = dict(
        zip(
            columns,
            con.execute(
                f"SELECT {', '.join(columns)} FROM dossiers WHERE state = 'submitted' "
                "ORDER BY submitted_at DESC LIMIT 1"
            ).fetchone(),
        )
    )
    agency = template["receiving_agency"]
    day = "2099-12-31"
    insert_dossier = (
        f"INSERT INTO dossiers ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    run = uuid.uuid4().hex
    latencies = []
    written = 0
    started = time.perf_counter()
    while written < count:
        n = min(BATCH, count - written)
        began = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        seq, prev = con.execute(
            "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash"
        ).fetchone()
        last = con.execute(
            "INSERT INTO dossier_sequences (agency_code, day, last) VALUES (?, ?, ?) "
            "ON CONFLICT (agency_code, day) DO UPDATE SET last = last + excluded.last "
            "RETURNING last",
            (agency, day, n),
        ).fetchone()[0]
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        dossiers, events, keys = [], [], []
        for i in range(n):
            code = f"{agency}-991231-{last - n + i + 1:06d}"
            row = dict(template, code=code, submitted_at=now, updated_at=now)
            dossiers.append(tuple(row[c] for c in columns))
            key = f"{run}-{written + i}"
            keys.append(("congdan", key, hashlib.sha256(key.encode()).hexdigest(), code, now))
            seq += 1
            detail = '{"channel":"online"}'
            digest = hashlib.sha256(
                f"{seq}|{now}|congdan|submit|{code}|{detail}|{prev}".encode()
            ).hexdigest()
            events.append(
                (seq, now, "congdan", "citizen", None, "submit", code, detail, prev, digest)
            )
            prev = digest
        con.executemany(insert_dossier, dossiers)
        con.executemany(
            "INSERT INTO idempotency_keys "
            "(principal, idem_key, request_hash, dossier_code, created_at) VALUES (?, ?, ?, ?, ?)",
            keys,
        )
        con.executemany(
            "INSERT INTO audit_events (seq, at, actor, actor_role, agency_code, action, "
            "subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        con.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
        con.execute("COMMIT")
        latencies.append((time.perf_counter() - began) * 1000)
        written += n
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[round(p / 100 * (len(latencies) - 1))]

    print(
        f"Raw: sent {written} ok {written} errors 0 in {seconds:.1f}s → "
        f"{written / seconds:.0f} ok/s; latency ms p50 {pct(50):.2f} p90 {pct(90):.2f} "
        f"p95 {pct(95):.2f} p99 {pct(99):.2f} p99.9 {pct(99.9):.2f} max {latencies[-1]:.2f}"
    )


if __name__ == "__main__":
    main()
