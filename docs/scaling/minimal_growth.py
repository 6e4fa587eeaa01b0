#!/usr/bin/env python3
"""How the least possible commissioning slows down as the database grows (issue 11, growth cell).

The service's growth cell compares commissioning 100 000 random serials on an empty database with
the same request once 10 000 000 packs are stored. This script asks the same question of the
minimal baseline's schema alone (src/bin/bench/minimal.rs: one table whose primary key is
`(product, serial)`, the invariant "a serial is unique per GTIN, forever"), with no service, no
audit trail and no other index: whatever it loses with volume, no data model can avoid while it
enforces uniqueness with a B-tree over random serials.

    python3 docs/scaling/minimal_growth.py --db sqlite
    python3 docs/scaling/minimal_growth.py --db postgres --pg postgres://postgres@127.0.0.1:5432/postgres
    python3 docs/scaling/minimal_growth.py --db postgres --sorted   # each batch in key order

Serials: 20 characters drawn uniformly from digits and capitals, for the bulk load and the timed
inserts alike, so that the timed keys land on random leaves of the whole index. (Until
2026-12-01 the load wrote hex digits: in bytewise order every timed key that starts with a letter
beyond F then fell into one gap of the loaded keys, and the "full" inserts were mostly appends to
one region: 0.85 on PostgreSQL and 0.37 on SQLite were optimistic.) Each timed step inserts
100 000 fresh serials in one transaction (three times, the median counts).
SQLite runs with the pragmas
the service and the bench use (WAL, synchronous NORMAL, 64 MiB cache); PostgreSQL with the
server's settings. It creates its own database (a file under /tmp, or `minimal_growth_<pid>`) and
removes it afterwards. Prints one JSON document.
"""

import argparse
import json
import os
import random
import sqlite3
import statistics
import string
import subprocess
import tempfile
import time

ALPHABET = string.ascii_uppercase + string.digits
BATCH = 100_000


def serials(n):
    r = random.Random(os.urandom(16))
    return ["".join(r.choices(ALPHABET, k=20)) for _ in range(n)]


def sqlite_run(stored, sort):
    path = os.path.join(tempfile.mkdtemp(), "minimal.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;"
        "CREATE TABLE m_packs (product INTEGER NOT NULL, serial TEXT NOT NULL, status INTEGER,"
        " parent INTEGER, commission INTEGER, PRIMARY KEY (product, serial)) WITHOUT ROWID;"
    )

    def insert(keys):
        t = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO m_packs (product, serial, status, commission) VALUES (1, ?, 1, 1)",
            ((k,) for k in keys),
        )
        db.execute("COMMIT")
        return time.perf_counter() - t

    def load(n):
        # The timed inserts' kind of key (a rare duplicate is skipped).
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR IGNORE INTO m_packs (product, serial, status, commission) "
            "VALUES (1, ?, 1, 1)",
            ((k,) for k in serials(n)),
        )
        db.execute("COMMIT")

    out = measure(insert, load, stored, sort)
    db.close()
    os.remove(path)
    return out


def pg_run(url, stored, sort):
    name = f"minimal_growth_{os.getpid()}"
    psql(url, f"CREATE DATABASE {name}")
    db_url = url.rsplit("/", 1)[0] + "/" + name
    try:
        psql(db_url, "CREATE TABLE m_packs (product INT NOT NULL, serial TEXT NOT NULL, "
                     "status SMALLINT, parent BIGINT, commission BIGINT, "
                     "PRIMARY KEY (product, serial))")

        def load(n):
            # The timed inserts' kind of key, through COPY into a staging table (a rare
            # duplicate is skipped).
            rows = "".join(f"{k}\n" for k in serials(n))
            script = ("CREATE TEMP TABLE k (serial TEXT);\n"
                      "COPY k FROM STDIN;\n" + rows + "\\.\n"
                      "INSERT INTO m_packs (product, serial, status, commission) "
                      "SELECT 1, serial, 1, 1 FROM k ON CONFLICT DO NOTHING;\n")
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", db_url], input=script,
                           check=True, capture_output=True, text=True)

        return measure(lambda keys: psql_timed(db_url, keys), load, stored, sort)
    finally:
        psql(url, f"DROP DATABASE {name} WITH (FORCE)")


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                   check=True, capture_output=True)


def psql_timed(url, keys):
    """One transaction inserting `keys` from one bound list, timed by psql (the INSERT only)."""
    script = ("\\timing on\nINSERT INTO m_packs (product, serial, status, commission) "
              "SELECT 1, s, 1, 1 FROM unnest(string_to_array('" + ",".join(keys) + "', ',')) AS s;\n")
    out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=script,
                         check=True, capture_output=True, text=True).stdout
    ms = [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time:")]
    return ms[-1] / 1000.0


def measure(insert, load, stored, sort):
    def batch():
        # The service sorts a request's serials before it inserts them (workflows::commission).
        keys = serials(BATCH)
        return sorted(keys) if sort else keys

    empty = statistics.median(insert(batch()) for _ in range(3))
    loaded = 3 * BATCH
    t = time.perf_counter()
    while loaded < stored:
        n = min(1_000_000, stored - loaded)
        load(n)
        loaded += n
    load_s = time.perf_counter() - t
    full = statistics.median(insert(batch()) for _ in range(3))
    return {
        "stored": loaded,
        "insert_100000_empty_s": round(empty, 3),
        "insert_100000_full_s": round(full, 3),
        "throughput_full_over_empty": round(empty / full, 2),
        "bulk_load_s": round(load_s, 1),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--stored", type=int, default=10_000_000)
    ap.add_argument("--sorted", action="store_true",
                    help="insert each timed batch in key order, as the service does")
    a = ap.parse_args()
    if a.db == "sqlite":
        result = sqlite_run(a.stored, a.sorted)
    else:
        result = pg_run(a.pg, a.stored, a.sorted)
    print(json.dumps({"db": a.db, "sorted": a.sorted, **result}, indent=2))


if __name__ == "__main__":
    main()
