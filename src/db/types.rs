//! How the domain's value types are stored: each status and reason as its contract string, read
//! back strictly (an unknown string is an error, not a guess). The ids map themselves (`ids`).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

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

stored_as_text!(Status, PartnershipStatus, DecommissionReason);

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
