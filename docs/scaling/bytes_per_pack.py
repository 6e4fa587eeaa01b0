#!/usr/bin/env python3
"""Bytes per pack after the lifecycle of issue 11, measured through the public API.

100 000 packs with random 20-character serials are commissioned in one request, aggregated in
cases of 100 (1 000 requests), the cases put on pallets of 50 (20 requests) and every pallet
released. Then the database is compacted (SQLite `VACUUM`, PostgreSQL `VACUUM FULL`) and every
table and index is measured (SQLite `dbstat`, PostgreSQL `pg_relation_size` of each relation and
its TOAST). Prints one JSON document.

    python3 docs/scaling/bytes_per_pack.py --bin target/release/serialhub --db sqlite
    python3 docs/scaling/bytes_per_pack.py --bin target/release/serialhub --db postgres \
        --pg postgres://postgres@127.0.0.1:5432/postgres

It creates its own database (a file under /tmp, or `serialhub_bytes_<pid>` on PostgreSQL) and
removes it afterwards.
"""

import argparse
import json
import os
import random
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time

import requests

GCP = "4012345"
GTIN = "04012345111118"
PACKS, CASE, PALLET = 100_000, 100, 50
# GS1 AI (21) allows CSET 82; a printed 20-character serial of digits and capitals is typical.
ALPHABET = string.ascii_uppercase + string.digits


def check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def sscc(reference: int) -> str:
    body = "0" + GCP + f"{reference:09d}"
    return body + check_digit(body)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout


def run(binary: str, db_url: str) -> None:
    created = subprocess.run([binary, "tenant", "create", "--name", "Bytes", "--gcp", GCP,
                              "--database-url", db_url], check=True, capture_output=True,
                             text=True)
    tenant = json.loads(created.stdout)
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}",
                               "--database-url", db_url], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        s = requests.Session()

        def call(method, path, body, ok=(200, 201)):
            r = s.request(method, base + path, json=body, timeout=600)
            if r.status_code not in ok:
                sys.exit(f"{method} {path}: {r.status_code} {r.text[:500]}")
            return r.json()

        token = call("POST", "/v1/api_auth", {"api_key": tenant["api_key"],
                                               "api_secret": tenant["api_secret"]})["token"]
        s.headers["x-access-token"] = token
        channel = call("POST", "/v1/tenant/channels", {"name": "line", "type": "shopfloor",
                                                        "source": "manufacturer_v2_api"})
        call("POST", "/v1/tenant/products", {"product_code": GTIN, "product_code_schema": "GTIN",
                                              "name": "Bytesprofen"})
        s.headers["x-channel-key"] = channel["channel_key"]
        rng = random.Random(11)
        serials = list({"".join(rng.choices(ALPHABET, k=20)) for _ in range(PACKS + 100)})[:PACKS]
        mv2 = "/v1/manufacturer/v2/api"
        call("POST", mv2 + "/serials/commission", {
            "product_code": GTIN, "product_code_schema": "GTIN", "batch": "B1",
            "expiry_date": "281200", "serial_numbers": serials})
        cases = []
        for c in range(PACKS // CASE):
            case = sscc(1 + c)
            kids = [{"product_code": GTIN, "product_code_schema": "GTIN", "serial_number": x}
                    for x in serials[c * CASE:(c + 1) * CASE]]
            call("POST", mv2 + "/aggregate/container", {"parent": case, "child_trade_items": kids})
            cases.append(case)
        pallets = []
        for p in range(len(cases) // PALLET):
            pallet = sscc(900_000 + p)
            call("POST", mv2 + "/aggregate/containers",
                 {"parent": pallet, "child_containers": cases[p * PALLET:(p + 1) * PALLET]})
            pallets.append(pallet)
        del s.headers["x-channel-key"]
        released = call("POST", "/v1/commissioning/release_to_market", {"ssccs": pallets})
        assert released["released"] == PACKS, released
    finally:
        server.terminate()
        server.wait()


def measure_sqlite(path: str, compact: bool) -> dict:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if compact:
        con.execute("VACUUM")
    rows = con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    return {"total": page_size * pages, "relations": {n: b for n, b in rows}}


def measure_postgres(url: str, compact: bool) -> dict:
    psql(url, "VACUUM FULL ANALYZE" if compact else "VACUUM")
    out = psql(url, """
        SELECT c.relname, pg_relation_size(c.oid)
               + COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')
        ORDER BY 2 DESC""")
    rel = {}
    for line in out.strip().splitlines():
        name, size = line.rsplit("|", 1)
        rel[name] = int(size)
    total = int(psql(url, "SELECT pg_database_size(current_database())").strip())
    return {"total": sum(rel.values()), "database_size": total, "relations": rel}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    a = ap.parse_args()
    if a.db == "sqlite":
        d = tempfile.mkdtemp(prefix="serialhub_bytes_")
        path = os.path.join(d, "bytes.db")
        run(a.bin, "sqlite://" + path)
        before = measure_sqlite(path, False)["total"]
        m = measure_sqlite(path, True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        os.rmdir(d)
    else:
        name = f"serialhub_bytes_{os.getpid()}"
        psql(a.pg, f"CREATE DATABASE {name}")
        url = a.pg.rsplit("/", 1)[0] + "/" + name
        try:
            run(a.bin, url)
            before = measure_postgres(url, False)["total"]
            m = measure_postgres(url, True)
        finally:
            psql(a.pg, f"DROP DATABASE {name}")
    m["per_pack_before_compaction"] = round(before / PACKS, 1)
    m["per_pack"] = round(m["total"] / PACKS, 1)
    m["relations_per_pack"] = {k: round(v / PACKS, 1) for k, v in m["relations"].items()}
    del m["relations"]
    print(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
