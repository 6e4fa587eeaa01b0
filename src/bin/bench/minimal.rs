//! The minimal raw baseline: the least database work any correct implementation of the same
//! logical operation must do, on a schema of its own in a database of its own (a second SQLite
//! file; a second PostgreSQL database `bench_min_*` on the same server). It is the yardstick of
//! issue 11: not "the rows serialhub writes, without HTTP" (that is the same-rows baseline,
//! `baseline.rs`) but "the rows anyone must write".
//!
//! - packs: `(product, serial)` primary key (the invariant "a serial is unique per GTIN"; SQLite
//!   `WITHOUT ROWID`), a status code, the parent container, the commissioning audit row that
//!   carries batch and expiry; a partial index on the parent, which release needs to find them;
//! - containers: integer key, unique SSCC, parent, status;
//! - one audit row per request: the request's payload (every serial it names) hashed into a chain
//!   whose head is one locked row.
//!
//! Commissioning is one bulk `INSERT … SELECT` from one bound array; aggregation one `INSERT` of
//! the parent and one conditional `UPDATE` of the children by their natural key (row count must be
//! n); release one recursive `UPDATE` of the containers and one `UPDATE` of the packs in them.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Binary, Text};
use serde_json::json;
use serialhub::db::{self, DbConn, DbPool};
use sha2::{Digest, Sha256};

use crate::env::{Db, GTIN};

/// Status codes: 0 pending, 2 released (written literally in the SQL below).
const SQLITE_SCHEMA: &str = "
CREATE TABLE m_containers (id INTEGER PRIMARY KEY, sscc TEXT NOT NULL UNIQUE,
    parent INTEGER REFERENCES m_containers (id), status INTEGER NOT NULL);
CREATE TABLE m_audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    payload TEXT NOT NULL, hash BLOB NOT NULL);
CREATE TABLE m_head (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
INSERT INTO m_head VALUES (1, x'');
CREATE TABLE m_packs (product INTEGER NOT NULL, serial TEXT NOT NULL, status INTEGER NOT NULL,
    parent INTEGER REFERENCES m_containers (id), commission INTEGER NOT NULL,
    PRIMARY KEY (product, serial)) WITHOUT ROWID;
CREATE INDEX m_packs_parent ON m_packs (parent) WHERE parent IS NOT NULL;
";

const PG_SCHEMA: &str = "
CREATE TABLE m_containers (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sscc TEXT NOT NULL UNIQUE, parent BIGINT REFERENCES m_containers (id),
    status SMALLINT NOT NULL);
CREATE TABLE m_audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(), payload TEXT NOT NULL, hash BYTEA NOT NULL);
CREATE TABLE m_head (id INT PRIMARY KEY, hash BYTEA NOT NULL);
INSERT INTO m_head VALUES (1, '');
CREATE TABLE m_packs (product INT NOT NULL, serial TEXT NOT NULL, status SMALLINT NOT NULL,
    parent BIGINT, commission BIGINT NOT NULL, PRIMARY KEY (product, serial));
CREATE INDEX m_packs_parent ON m_packs (parent) WHERE parent IS NOT NULL;
";

#[derive(Clone)]
pub struct Minimal {
    pub pool: DbPool,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = Binary)]
    hash: Vec<u8>,
}

fn keys_json(keys: &[String]) -> String {
    serde_json::to_string(keys).expect("strings serialise")
}

/// Fails the transaction (rolled back) when a conditional write touched the wrong number of rows.
fn expect(touched: usize, wanted: usize) -> QueryResult<()> {
    if touched == wanted {
        Ok(())
    } else {
        Err(DieselError::QueryBuilderError(
            format!("minimal baseline: {touched} rows changed, {wanted} expected").into(),
        ))
    }
}

/// The chain: lock the head, hash the payload onto it, store the row and the new head.
fn audit(c: &mut DbConn, payload: &serde_json::Value) -> QueryResult<i64> {
    let payload = payload.to_string();
    let prev: Hash = match c {
        DbConn::Sqlite(l) => {
            diesel::sql_query("SELECT hash FROM m_head WHERE id = 1").get_result(l)?
        }
        DbConn::Pg(p) => {
            diesel::sql_query("SELECT hash FROM m_head WHERE id = 1 FOR UPDATE").get_result(p)?
        }
    };
    let mut h = Sha256::new();
    h.update(&prev.hash);
    h.update(payload.as_bytes());
    let hash = h.finalize().to_vec();
    let id: Id = match c {
        DbConn::Sqlite(l) => {
            diesel::sql_query("INSERT INTO m_audit (payload, hash) VALUES (?, ?) RETURNING id")
                .bind::<Text, _>(&payload)
                .bind::<Binary, _>(&hash)
                .get_result(l)?
        }
        DbConn::Pg(p) => {
            diesel::sql_query("INSERT INTO m_audit (payload, hash) VALUES ($1, $2) RETURNING id")
                .bind::<Text, _>(&payload)
                .bind::<Binary, _>(&hash)
                .get_result(p)?
        }
    };
    match c {
        DbConn::Sqlite(l) => diesel::sql_query("UPDATE m_head SET hash = ? WHERE id = 1")
            .bind::<Binary, _>(&hash)
            .execute(l)?,
        DbConn::Pg(p) => diesel::sql_query("UPDATE m_head SET hash = $1 WHERE id = 1")
            .bind::<Binary, _>(&hash)
            .execute(p)?,
    };
    Ok(id.id)
}

fn new_container(c: &mut DbConn, sscc: &str) -> QueryResult<i64> {
    let id: Id = match c {
        DbConn::Sqlite(l) => {
            diesel::sql_query("INSERT INTO m_containers (sscc, status) VALUES (?, 0) RETURNING id")
                .bind::<Text, _>(sscc)
                .get_result(l)?
        }
        DbConn::Pg(p) => {
            diesel::sql_query("INSERT INTO m_containers (sscc, status) VALUES ($1, 0) RETURNING id")
                .bind::<Text, _>(sscc)
                .get_result(p)?
        }
    };
    Ok(id.id)
}

impl Minimal {
    /// Creates the database and its schema. `dir` holds the SQLite file; on PostgreSQL a new
    /// database `bench_min_<pid>_<time>` is created (the caller drops it through `Env`).
    pub fn create(db: Db, url: &str) -> Result<Minimal, String> {
        let pool = db::build_pool(url, 16).map_err(|e| e.to_string())?;
        let mut c = pool.get().map_err(|e| e.to_string())?;
        let schema = match db {
            Db::Sqlite => SQLITE_SCHEMA,
            Db::Postgres => PG_SCHEMA,
        };
        c.batch_execute(schema).map_err(|e| e.to_string())?;
        drop(c);
        Ok(Minimal { pool })
    }

    fn tx<T>(&self, f: impl Fn(&mut DbConn) -> QueryResult<T>) -> Result<T, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        db::write_tx(&mut conn, f).map_err(|e| format!("minimal baseline: {e}"))
    }

    /// Untimed, after setups: a raw client may keep its planner statistics fresh. The service's
    /// database gets no such help (see docs/benchmarks.md).
    pub fn analyze(&self) -> Result<(), String> {
        let mut c = self.pool.get().map_err(|e| e.to_string())?;
        if let DbConn::Pg(p) = &mut *c {
            diesel::sql_query("ANALYZE")
                .execute(p)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// One audit row, one bulk insert of every pack.
    pub fn commission(&self, serials: &[String]) -> Result<(), String> {
        let keys = keys_json(serials);
        self.tx(|c| {
            let event = audit(
                c,
                &json!({"action": "commission", "product_code": GTIN, "batch": crate::baseline::BATCH,
                        "expiry_date": crate::baseline::EXPIRY, "serial_numbers": serials}),
            )?;
            let n = match c {
                DbConn::Sqlite(l) => diesel::sql_query(
                    "INSERT INTO m_packs (product, serial, status, commission) \
                     SELECT 1, value, 0, ? FROM json_each(?)",
                )
                .bind::<BigInt, _>(event)
                .bind::<Text, _>(&keys)
                .execute(l)?,
                DbConn::Pg(p) => diesel::sql_query(
                    "INSERT INTO m_packs (product, serial, status, commission) \
                     SELECT 1, s, 0, $1 FROM unnest($2::text[]) AS s",
                )
                .bind::<BigInt, _>(event)
                .bind::<Array<Text>, _>(serials)
                .execute(p)?,
            };
            expect(n, serials.len())
        })
    }

    /// The parent, one conditional update of the children by (product, serial), one audit row.
    pub fn aggregate(&self, sscc: &str, serials: &[String]) -> Result<i64, String> {
        let keys = keys_json(serials);
        self.tx(|c| {
            let parent = new_container(c, sscc)?;
            let n = match c {
                DbConn::Sqlite(l) => diesel::sql_query(
                    "UPDATE m_packs SET parent = ? WHERE product = 1 \
                     AND serial IN (SELECT value FROM json_each(?)) \
                     AND parent IS NULL AND status = 0",
                )
                .bind::<BigInt, _>(parent)
                .bind::<Text, _>(&keys)
                .execute(l)?,
                DbConn::Pg(p) => diesel::sql_query(
                    "UPDATE m_packs SET parent = $1 WHERE product = 1 AND serial = ANY($2) \
                     AND parent IS NULL AND status = 0",
                )
                .bind::<BigInt, _>(parent)
                .bind::<Array<Text>, _>(serials)
                .execute(p)?,
            };
            expect(n, serials.len())?;
            audit(
                c,
                &json!({"action": "aggregate", "parent": sscc, "product_code": GTIN,
                        "children": serials}),
            )?;
            Ok(parent)
        })
    }

    /// Setup only (untimed): cases onto a pallet.
    pub fn palletise(&self, pallet: &str, cases: &[i64]) -> Result<(), String> {
        let ids = serde_json::to_string(cases).expect("ids serialise");
        self.tx(|c| {
            let parent = new_container(c, pallet)?;
            let n = match c {
                DbConn::Sqlite(l) => diesel::sql_query(
                    "UPDATE m_containers SET parent = ? \
                     WHERE id IN (SELECT value FROM json_each(?)) AND parent IS NULL",
                )
                .bind::<BigInt, _>(parent)
                .bind::<Text, _>(&ids)
                .execute(l)?,
                DbConn::Pg(p) => diesel::sql_query(
                    "UPDATE m_containers SET parent = $1 WHERE id = ANY($2) AND parent IS NULL",
                )
                .bind::<BigInt, _>(parent)
                .bind::<Array<BigInt>, _>(cases)
                .execute(p)?,
            };
            expect(n, cases.len())?;
            audit(
                c,
                &json!({"action": "aggregate", "parent": pallet, "children": cases}),
            )?;
            Ok(())
        })
    }

    /// The pallet and everything below it: one recursive update of the containers, one update of
    /// the packs in them, one audit row.
    pub fn release(&self, pallet: &str) -> Result<usize, String> {
        self.tx(|c| {
            let tree = "WITH RECURSIVE tree(id) AS ( \
                SELECT id FROM m_containers WHERE sscc = $1 AND status = 0 \
                UNION ALL SELECT m.id FROM m_containers m JOIN tree ON m.parent = tree.id) \
                UPDATE m_containers SET status = 2 WHERE id IN (SELECT id FROM tree) RETURNING id";
            let boxes: Vec<Id> = match c {
                DbConn::Sqlite(l) => diesel::sql_query(tree).bind::<Text, _>(pallet).load(l)?,
                DbConn::Pg(p) => diesel::sql_query(tree).bind::<Text, _>(pallet).load(p)?,
            };
            if boxes.is_empty() {
                return expect(0, 1).map(|_| 0);
            }
            let ids: Vec<i64> = boxes.iter().map(|b| b.id).collect();
            let n = match c {
                DbConn::Sqlite(l) => diesel::sql_query(
                    "UPDATE m_packs SET status = 2 \
                     WHERE parent IN (SELECT value FROM json_each(?)) AND status = 0",
                )
                .bind::<Text, _>(serde_json::to_string(&ids).expect("ids"))
                .execute(l)?,
                DbConn::Pg(p) => diesel::sql_query(
                    "UPDATE m_packs SET status = 2 WHERE parent = ANY($1) AND status = 0",
                )
                .bind::<Array<BigInt>, _>(&ids)
                .execute(p)?,
            };
            audit(
                c,
                &json!({"action": "release", "ssccs": [pallet], "released_packs": n,
                        "released_containers": ids.len()}),
            )?;
            Ok(n)
        })
    }
}

/// The SQLite file of the minimal baseline, beside the service's.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("minimal.db").display())
}
