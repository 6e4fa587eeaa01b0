//! The one way a list of keys reaches SQL: bound as ONE parameter, encoded for the backend.

use std::io::Write as _;
use std::marker::PhantomData;

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Bool, HasSqlType, SingleValue, SqlType, Text};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel::QueryResult;

use super::backend;
use crate::db::conn::MultiBackend;
use crate::db::{Backend, DbConn};

/// The SQL type of a bound list of `ST` values: `text[]` / `bigint[]` on PostgreSQL, a JSON array
/// in a text parameter on SQLite.
pub struct KeyList<ST>(PhantomData<ST>);

impl<ST> KeyList<ST> {
    fn new() -> KeyList<ST> {
        KeyList(PhantomData)
    }
}

impl<ST> QueryId for KeyList<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> SqlType for KeyList<ST> {
    type IsNull = diesel::sql_types::is_nullable::NotNull;
}

impl<ST: 'static> SingleValue for KeyList<ST> {}

impl<ST: 'static> HasSqlType<KeyList<ST>> for Pg
where
    Pg: HasSqlType<Array<ST>>,
{
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        <Pg as HasSqlType<Array<ST>>>::metadata(lookup)
    }
}

impl<ST: 'static> HasSqlType<KeyList<ST>> for Sqlite {
    fn metadata(_: &mut ()) -> SqliteType {
        SqliteType::Text
    }
}

impl<ST: 'static> HasSqlType<KeyList<ST>> for MultiBackend
where
    Pg: HasSqlType<KeyList<ST>>,
{
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<KeyList<ST>>(lookup)
    }
}

/// A list of keys (serials, GTINs, statuses, row ids) bound as ONE statement parameter however
/// long it is: binding a parameter per key costs diesel an AST node and a bind each (a quarter of
/// a 100 000-serial request when profiled) and runs into bind limits. Encoded once, for the
/// backend of the connection it was made for: PostgreSQL's binary array format (the query reads
/// it with `= ANY($n)` / `unnest($n)`), or a JSON array for SQLite (`json_each($n)`).
pub struct Keys<ST> {
    backend: Backend,
    encoded: Vec<u8>,
    _type: PhantomData<ST>,
}

impl<ST> Clone for Keys<ST> {
    fn clone(&self) -> Keys<ST> {
        Keys {
            backend: self.backend,
            encoded: self.encoded.clone(),
            _type: PhantomData,
        }
    }
}

impl<ST> std::fmt::Debug for Keys<ST> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("backend", &self.backend)
            .field("bytes", &self.encoded.len())
            .finish()
    }
}

/// Element OIDs of PostgreSQL's array format.
const PG_TEXT_OID: u32 = 25;
const PG_INT8_OID: u32 = 20;

impl<ST> Keys<ST> {
    fn encode<T>(
        backend: Backend,
        keys: impl IntoIterator<Item = T>,
        pg_oid: u32,
        pg_element: impl Fn(&T, &mut Vec<u8>),
        json_element: impl Fn(&T, &mut Vec<u8>),
    ) -> Keys<ST> {
        let mut out = Vec::with_capacity(64);
        match backend {
            Backend::Postgres => {
                // One dimension, no NULLs, the element type, the length (patched below), base 1.
                out.extend_from_slice(&1i32.to_be_bytes());
                out.extend_from_slice(&0i32.to_be_bytes());
                out.extend_from_slice(&pg_oid.to_be_bytes());
                out.extend_from_slice(&0i32.to_be_bytes());
                out.extend_from_slice(&1i32.to_be_bytes());
                let mut n: i32 = 0;
                for key in keys {
                    pg_element(&key, &mut out);
                    n += 1;
                }
                out[12..16].copy_from_slice(&n.to_be_bytes());
            }
            Backend::Sqlite => {
                out.push(b'[');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json_element(&key, &mut out);
                }
                out.push(b']');
            }
        }
        Keys {
            backend,
            encoded: out,
            _type: PhantomData,
        }
    }

    /// `column` is one of the keys, the keys being parameter `$n` of a hand-written statement.
    ///
    /// Number the parameters of a hand-written statement in the order they first appear in its
    /// text: SQLite treats `$n` as a name and gives each name the next index when it first meets
    /// it, while the binds are positional.
    pub fn sql_contains(&self, column: &str, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Backend::Postgres => format!("{column} = ANY(${n})"),
        }
    }

    /// The keys as a table of one column, `value`, the keys being parameter `$n` of a
    /// hand-written statement: `SELECT value FROM {rows}`.
    pub fn sql_rows(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!("json_each(${n})"),
            Backend::Postgres => format!("unnest(${n}) AS value"),
        }
    }

    /// `id` is the row of one of the keys among product `$p`'s serials, the keys being `$n`: the
    /// condition of an update of packs named by serial. On PostgreSQL the ids are looked up first,
    /// one probe of the unique (product_id, serial_number) index per key, in an `ARRAY(…)`
    /// sub-select the planner computes once, and the update then reads the rows by primary key.
    /// Written as `id IN (SELECT … serial_number = ANY(…))` the planner, without statistics after
    /// a bulk commissioning, drove the update from the partial `items_pending` index instead —
    /// every pending pack of the database for each request (529 ms against 39 ms for 1 000 keys
    /// among 400 000 pending packs; docs/benchmarks.md). SQLite's planner takes the unique index
    /// for the plain sub-select.
    pub fn sql_ids_of_serials(&self, p: usize, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!(
                "id IN (SELECT id FROM items WHERE product_id = ${p} AND serial_number IN \
                 (SELECT value FROM json_each(${n})))"
            ),
            Backend::Postgres => format!(
                "id = ANY(ARRAY(SELECT i.id FROM unnest(${n}) AS k(s) CROSS JOIN LATERAL \
                 (SELECT id FROM items WHERE product_id = ${p} AND serial_number = k.s) i))"
            ),
        }
    }

    /// `column = code`, written on PostgreSQL so that no partial index whose predicate is
    /// `column = code` can be combined into the plan (`column + 0 = code`): with the ids already
    /// known, reading them by primary key is the plan, whatever the statistics say.
    pub fn sql_code_is(&self, column: &str, code: i16) -> String {
        match self.backend {
            Backend::Sqlite => format!("{column} = {code}"),
            Backend::Postgres => format!("{column} + 0 = {code}"),
        }
    }

    /// `column` is one of the values `query` returns (a sub-select of ids computed in the same
    /// statement, e.g. a recursive walk): on PostgreSQL an `ARRAY(…)` the planner computes once,
    /// then a primary-key probe per id, whatever the statistics say — the plain `IN (…)` is
    /// planned as a hash join against a scan of the table or of a partial index, every pending
    /// pack of the database (docs/benchmarks.md). SQLite probes by rowid for the plain form.
    pub fn sql_in_query(&self, column: &str, query: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("{column} IN ({query})"),
            Backend::Postgres => format!("{column} = ANY(ARRAY({query}))"),
        }
    }

    /// `column` is one of the keys, as a query-builder filter.
    pub fn contains<C>(self, column: C) -> InKeys<C, ST> {
        InKeys { column, keys: self }
    }
}

impl Keys<Text> {
    /// Text keys for statements on `conn`.
    pub fn text<S: AsRef<str>>(conn: &DbConn, keys: impl IntoIterator<Item = S>) -> Keys<Text> {
        Keys::encode(
            backend(conn),
            keys,
            PG_TEXT_OID,
            |k, out| {
                let k = k.as_ref().as_bytes();
                out.extend_from_slice(&(k.len() as i32).to_be_bytes());
                out.extend_from_slice(k);
            },
            |k, out| serde_json::to_writer(out, k.as_ref()).expect("writing JSON to memory"),
        )
    }
}

impl Keys<BigInt> {
    /// Integer keys (row ids) for statements on `conn`.
    pub fn ids<I: Into<i64>>(conn: &DbConn, keys: impl IntoIterator<Item = I>) -> Keys<BigInt> {
        Keys::encode(
            backend(conn),
            keys.into_iter().map(Into::into),
            PG_INT8_OID,
            |k: &i64, out| {
                out.extend_from_slice(&8i32.to_be_bytes());
                out.extend_from_slice(&k.to_be_bytes());
            },
            |k, out| write!(out, "{k}").expect("writing to memory"),
        )
    }
}

fn wrong_backend() -> Box<dyn std::error::Error + Send + Sync> {
    "a key list was bound on a connection of the other backend".into()
}

impl<ST: 'static> ToSql<KeyList<ST>, Pg> for Keys<ST> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        if self.backend != Backend::Postgres {
            return Err(wrong_backend());
        }
        out.write_all(&self.encoded)?;
        Ok(IsNull::No)
    }
}

impl<ST: 'static> ToSql<KeyList<ST>, Sqlite> for Keys<ST> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if self.backend != Backend::Sqlite {
            return Err(wrong_backend());
        }
        // Valid UTF-8: built from `&str`s and digits by `encode`.
        out.set_value(std::str::from_utf8(&self.encoded)?);
        Ok(IsNull::No)
    }
}

impl<ST> ToSql<KeyList<ST>, MultiBackend> for Keys<ST>
where
    ST: Send + Sync + 'static,
    Pg: HasSqlType<KeyList<ST>>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((KeyList::<ST>::new(), self));
        Ok(IsNull::No)
    }
}

/// `column IN (the keys)` as a query-builder expression: see [`Keys::contains`].
#[derive(Debug)]
pub struct InKeys<C, ST> {
    column: C,
    keys: Keys<ST>,
}

impl<C, ST> Expression for InKeys<C, ST> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, ST, QS> AppearsOnTable<QS> for InKeys<C, ST> {}

impl<C: SelectableExpression<QS>, ST, QS> SelectableExpression<QS> for InKeys<C, ST> {}

impl<C: ValidGrouping<()>, ST> ValidGrouping<()> for InKeys<C, ST> {
    type IsAggregate = C::IsAggregate;
}

impl<C, ST> QueryId for InKeys<C, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, ST> QueryFragment<Sqlite> for InKeys<C, ST>
where
    C: QueryFragment<Sqlite>,
    ST: 'static,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<KeyList<ST>, _>(&self.keys)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, ST> QueryFragment<Pg> for InKeys<C, ST>
where
    C: QueryFragment<Pg>,
    ST: 'static,
    Pg: HasSqlType<KeyList<ST>>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<KeyList<ST>, _>(&self.keys)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C, ST> QueryFragment<MultiBackend> for InKeys<C, ST>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, out)
    }
}
