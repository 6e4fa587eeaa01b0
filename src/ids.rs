//! Typed identifiers: a product id cannot be passed where a tenant id is expected. Each type has
//! one representation — in Rust, in SQL (through diesel), in JSON — and it is defined here and
//! nowhere else: code elsewhere creates, compares, prints and stores ids without knowing what they
//! are made of. (To give the database integer keys and keep UUIDs at the edge, change the type
//! here and the columns in `db::schema`; the compiler then names every place that must follow.)

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};

/// An identifier named to the outside: a UUID, stored as text.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new, random identifier.
            pub fn generate() -> $name {
                $name(uuid::Uuid::new_v4().to_string())
            }

            /// An identifier in its text form, from outside the database (a path segment, a
            /// body field, the command line): it may name nothing, which the lookup that uses
            /// it finds out.
            pub fn from_text(raw: &str) -> $name {
                $name(raw.to_string())
            }

            /// An identifier a caller gives where only a UUID can name something (a filter
            /// parameter): its canonical text form, or `None` when `raw` is not a UUID.
            pub fn parse_uuid(raw: &str) -> Option<$name> {
                uuid::Uuid::parse_str(raw).ok().map(|u| $name(u.to_string()))
            }

            /// The text form, as shown to callers and hashed into audit events.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map($name)
            }
        }
    };
}

/// A row id that never leaves the service: an integer from the database.
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The database's integer.
            pub fn get(self) -> i64 {
                self.0
            }

            /// The id the database gave a row.
            pub fn from_db(id: i64) -> $name {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }
    };
}

uuid_id!(
    /// A tenant: a brand owner (MAH), a contract manufacturer (CMO), or both.
    TenantId
);
uuid_id!(
    /// An API key (not its public `api_key` value or its secret).
    ApiKeyId
);
uuid_id!(
    /// A channel: one integration endpoint of a tenant.
    ChannelId
);
uuid_id!(
    /// A product (trade item) a tenant registered.
    ProductId
);
uuid_id!(
    /// A partnership between a MAH and a CMO.
    PartnershipId
);
row_id!(
    /// A product's key inside the database (the product is named by its `ProductId` and GTIN).
    ProductKey
);
row_id!(
    /// One commissioning request: what its packs share.
    CommissionId
);
row_id!(
    /// A container (SSCC).
    ContainerId
);
row_id!(
    /// A pack (a commissioned serial of a product).
    ItemId
);
row_id!(
    /// A holder of pooled serials: a tenant's stock, what it took for its lines, or an order.
    HolderKey
);
row_id!(
    /// A packaging order's key inside the database (it is named by its uid and its `order_id`).
    OrderKey
);
uuid_id!(
    /// A packaging order's public id.
    OrderUid
);
