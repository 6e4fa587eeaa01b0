//! The SSCC pool: the counters that hand out each serial reference once, and the SSCCs handed
//! out with their status. Every change is one conditional statement, so that concurrent requests
//! (and several instances on one PostgreSQL) cannot hand out, return or use one SSCC twice.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, SmallInt, Text, Timestamp};

use super::dialect::{self, KeyList, Keys};
use super::items::KEY_CHUNK;
use super::schema::sscc_pool;
use super::DbConn;
use crate::domain::pools::SsccPoolStatus;
use crate::ids::TenantId;

/// The stored code of a pool status; the CHECK constraint of the migration allows exactly these.
pub const fn status_code(s: SsccPoolStatus) -> i16 {
    match s {
        SsccPoolStatus::Available => 1,
        SsccPoolStatus::Assigned => 2,
        SsccPoolStatus::Used => 3,
    }
}

fn status_of_code(code: i16) -> Option<SsccPoolStatus> {
    SsccPoolStatus::ALL
        .iter()
        .copied()
        .find(|s| status_code(*s) == code)
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = BigInt)]
    next_reference: i64,
}

/// Reserves `count` new serial references of (`prefix`, `extension_digit`) and returns the first
/// of them, or `None` (and reserves nothing) when the counter would pass `capacity`. One
/// conditional `UPDATE … RETURNING` decides: on PostgreSQL the counter's row lock makes
/// concurrent requests take turns, each seeing the value the one before it left.
pub fn reserve_references(
    conn: &mut DbConn,
    prefix: &str,
    extension_digit: u8,
    count: u64,
    capacity: u64,
) -> QueryResult<Option<u64>> {
    let ext = i16::from(extension_digit);
    diesel::sql_query(
        "INSERT INTO sscc_counters (company_prefix, extension_digit, next_reference) \
         VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(prefix)
    .bind::<SmallInt, _>(ext)
    .execute(conn)?;
    // Both fit an i64: the capacity is at most 10^10, and a count at most the item limit.
    let (count, capacity) = (count as i64, capacity as i64);
    let next: Option<Next> = diesel::sql_query(
        "UPDATE sscc_counters SET next_reference = next_reference + $1 \
         WHERE company_prefix = $2 AND extension_digit = $3 AND next_reference <= $4 - $1 \
         RETURNING next_reference",
    )
    .bind::<BigInt, _>(count)
    .bind::<Text, _>(prefix)
    .bind::<SmallInt, _>(ext)
    .bind::<BigInt, _>(capacity)
    .get_result(conn)
    .optional()?;
    Ok(next.map(|n| (n.next_reference - count) as u64))
}

/// The next serial reference the counter of (`prefix`, `extension_digit`) would hand out.
pub fn next_reference(conn: &mut DbConn, prefix: &str, extension_digit: u8) -> QueryResult<u64> {
    use super::schema::sscc_counters as c;
    let next: Option<i64> = c::table
        .filter(c::company_prefix.eq(prefix))
        .filter(c::extension_digit.eq(i16::from(extension_digit)))
        .select(c::next_reference)
        .first(conn)
        .optional()?;
    Ok(next.unwrap_or(0) as u64)
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    sscc: String,
}

/// Hands out up to `limit` of the tenant's returned (`available`) SSCCs of this extension digit
/// and prefix, oldest first, marking them `assigned` in the same statement; returns them. On
/// PostgreSQL rows another request is taking are skipped, not waited for: it gets those, this
/// one others or new references.
pub fn take_available(
    conn: &mut DbConn,
    tenant: &TenantId,
    extension_digit: u8,
    prefix: &str,
    limit: u64,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let skip_locked = dialect::skip_locked(conn);
    let mut rows: Vec<Taken> = diesel::sql_query(format!(
        "UPDATE sscc_pool SET status = {assigned}, updated_at = $1 \
         WHERE status = {available} AND id IN (\
             SELECT id FROM sscc_pool \
             WHERE tenant_id = $2 AND extension_digit = $3 AND status = {available} \
             AND sscc LIKE $4 ORDER BY id LIMIT $5{skip_locked}) \
         RETURNING id, sscc",
        assigned = status_code(SsccPoolStatus::Assigned),
        available = status_code(SsccPoolStatus::Available),
    ))
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(tenant)
    .bind::<SmallInt, _>(i16::from(extension_digit))
    // The extension digit and the prefix open the SSCC; prefixes never extend one another.
    .bind::<Text, _>(format!("{extension_digit}{prefix}%"))
    .bind::<BigInt, _>(limit as i64)
    .load(conn)?;
    rows.sort_unstable_by_key(|r| r.id);
    Ok(rows.into_iter().map(|r| r.sscc).collect())
}

/// Records new SSCCs of the tenant as `assigned`, in one statement per [`KEY_CHUNK`]. A unique
/// violation (an SSCC stored already) fails the whole request.
pub fn insert_assigned(
    conn: &mut DbConn,
    tenant: &TenantId,
    extension_digit: u8,
    ssccs: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in ssccs.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        diesel::sql_query(format!(
            "INSERT INTO sscc_pool (tenant_id, sscc, extension_digit, status, requested_at, \
             updated_at) SELECT $1, value, $2, {}, $3, $3 FROM {}",
            status_code(SsccPoolStatus::Assigned),
            keys.sql_rows(4),
        ))
        .bind::<Text, _>(tenant)
        .bind::<SmallInt, _>(i16::from(extension_digit))
        .bind::<Timestamp, _>(now)
        .bind::<KeyList<Text>, _>(keys)
        .execute(conn)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = Text)]
    sscc: String,
    #[diesel(sql_type = SmallInt)]
    status: i16,
}

/// The status of each of `ssccs` that is in the tenant's pool, the rows locked until the
/// transaction ends (PostgreSQL), so that what is decided on them still holds when they are
/// written. SSCCs of other tenants' pools are left out, as if they did not exist.
pub fn statuses_for_update(
    conn: &mut DbConn,
    tenant: &TenantId,
    ssccs: &[&str],
) -> QueryResult<Vec<(String, SsccPoolStatus)>> {
    let lock = dialect::for_update(conn);
    let mut out = Vec::with_capacity(ssccs.len());
    for chunk in ssccs.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        let rows: Vec<Held> = diesel::sql_query(format!(
            "SELECT sscc, status FROM sscc_pool WHERE tenant_id = $1 AND {}{lock}",
            keys.sql_contains("sscc", 2)
        ))
        .bind::<Text, _>(tenant)
        .bind::<KeyList<Text>, _>(keys)
        .load(conn)?;
        for r in rows {
            let status = status_of_code(r.status).ok_or_else(|| unknown_code(r.status))?;
            out.push((r.sscc, status));
        }
    }
    Ok(out)
}

/// Moves the tenant's `ssccs` that are `from` to `to`; returns how many moved (the caller
/// compares it with what it checked).
pub fn move_status(
    conn: &mut DbConn,
    tenant: &TenantId,
    ssccs: &[&str],
    from: SsccPoolStatus,
    to: SsccPoolStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut moved = 0;
    for chunk in ssccs.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        moved += diesel::update(
            sscc_pool::table
                .filter(sscc_pool::tenant_id.eq(tenant))
                .filter(sscc_pool::status.eq(status_code(from)))
                .filter(keys.contains(sscc_pool::sscc)),
        )
        .set((
            sscc_pool::status.eq(status_code(to)),
            sscc_pool::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(moved)
}

/// Marks the SSCC `used` if it is `assigned` in any tenant's pool (a container is being created
/// on it); whether it did.
pub fn mark_used(conn: &mut DbConn, sscc: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        sscc_pool::table
            .filter(sscc_pool::sscc.eq(sscc))
            .filter(sscc_pool::status.eq(status_code(SsccPoolStatus::Assigned))),
    )
    .set((
        sscc_pool::status.eq(status_code(SsccPoolStatus::Used)),
        sscc_pool::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The pool status of the SSCC, whoever's pool it is in; `None` when it is in none.
pub fn status_of(conn: &mut DbConn, sscc: &str) -> QueryResult<Option<SsccPoolStatus>> {
    let code: Option<i16> = sscc_pool::table
        .filter(sscc_pool::sscc.eq(sscc))
        .select(sscc_pool::status)
        .first(conn)
        .optional()?;
    code.map(|c| status_of_code(c).ok_or_else(|| unknown_code(c)))
        .transpose()
}

fn unknown_code(code: i16) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("unknown SSCC pool status code {code} in the database").into(),
    )
}
