//! Pure domain logic: no I/O, no database, no HTTP.

/// An enum whose values have one text form each, part of the API contract (a status, a reason,
/// an action, a role): `ALL`, `as_str`, `parse`, `Display` and serde as that text. Storage maps
/// the same text (`db::types`), so the API, the database and the audit trail cannot disagree.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value of a text form, if it is one.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} {text:?}",
                        stringify!($name)
                    ))
                })
            }
        }
    };
}
pub(crate) use text_enum;

pub mod actor;
pub mod aggregation;
pub mod audit;
pub mod audit_payload;
pub mod checkpoint;
pub mod epcis;
pub mod gs1;
pub mod lifecycle;
pub mod partnership;
pub mod pools;
pub mod problems;
pub mod trade_item;
