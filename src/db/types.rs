//! How the domain's value types are stored: a pack's or container's status as a small code (the
//! one mapping, [`status_code`]; strings only at the HTTP edge), the other statuses and reasons as
//! their contract strings, each read back strictly (an unknown value is an error, not a guess).
//! The ids map themselves (`ids`).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{SmallInt, Text};

use crate::domain::gs1::Gtin;
use crate::domain::lifecycle::{DecommissionReason, Status};
use crate::domain::partnership::PartnershipStatus;

macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$ty>::parse(&s).ok_or_else(|| {
                    format!("unknown {} {s:?} in the database", stringify!($ty)).into()
                })
            }
        }
    )*};
}

stored_as_text!(PartnershipStatus, DecommissionReason);

/// The stored code of a pack or container status; the CHECK constraints of the baseline
/// migration allow exactly these.
pub const fn status_code(s: Status) -> i16 {
    *stored_code(s)
}

const PENDING: i16 = 1;
const RELEASED: i16 = 2;
const DECOMMISSIONED: i16 = 3;

/// `'static` because diesel's output borrows the value it writes.
const fn stored_code(s: Status) -> &'static i16 {
    match s {
        Status::PendingCommissioningApproval => &PENDING,
        Status::Released => &RELEASED,
        Status::Decommissioned => &DECOMMISSIONED,
    }
}

/// The status a stored code stands for.
pub fn status_of_code(code: i16) -> Option<Status> {
    [
        Status::PendingCommissioningApproval,
        Status::Released,
        Status::Decommissioned,
    ]
    .into_iter()
    .find(|s| status_code(*s) == code)
}

impl<DB: Backend> ToSql<SmallInt, DB> for Status
where
    i16: ToSql<SmallInt, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        stored_code(*self).to_sql(out)
    }
}

impl<DB: Backend> FromSql<SmallInt, DB> for Status
where
    i16: FromSql<SmallInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let code = i16::from_sql(bytes)?;
        status_of_code(code)
            .ok_or_else(|| format!("unknown status code {code} in the database").into())
    }
}

/// A GTIN column read back as the checked type (GTINs are stored as validated GTIN-14s).
impl<DB: Backend> FromSql<Text, DB> for Gtin
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Gtin::parse(&String::from_sql(bytes)?)?)
    }
}

impl<DB: Backend> Queryable<Text, DB> for Gtin
where
    Gtin: FromSql<Text, DB>,
{
    type Row = Gtin;

    fn build(row: Gtin) -> deserialize::Result<Gtin> {
        Ok(row)
    }
}
