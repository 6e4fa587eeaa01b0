//! Pack and container lifecycle (PRODUCT.md §1.1): statuses, decommission reasons, and which
//! transitions an action needs.

text_enum! {
    /// Status of a pack or container. The strings are part of the API contract; the database
    /// stores a small code (`db::types::status_code`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub enum Status {
        PendingCommissioningApproval => "pending_commissioning_approval",
        Released => "released",
        Decommissioned => "decommissioned",
    }
}

impl Status {
    /// The statuses a pack may be decommissioned from: a CMO only while pending, the brand owner
    /// also once released (see [`decommission_blocker`]).
    pub fn decommissionable(by_owner: bool) -> &'static [Status] {
        if by_owner {
            &[Status::PendingCommissioningApproval, Status::Released]
        } else {
            &[Status::PendingCommissioningApproval]
        }
    }

    /// Aggregation changes (aggregate, disaggregate) are only allowed while pending.
    pub fn allows_aggregation(self) -> bool {
        self == Status::PendingCommissioningApproval
    }
}

text_enum! {
    /// Why a pack was taken out of the supply chain. `destroyed` is final.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum DecommissionReason {
        Destroyed => "destroyed",
        Sampled => "sampled",
        Stolen => "stolen",
        Damaged => "damaged",
        Expired => "expired",
        Other => "other",
    }
}

/// Why a pack in `status` cannot be decommissioned, if it cannot. `by_owner` is true when the
/// caller owns the product (the MAH): once released, only the MAH may decommission.
pub fn decommission_blocker(status: Status, by_owner: bool) -> Option<&'static str> {
    match status {
        Status::PendingCommissioningApproval => None,
        Status::Released if by_owner => None,
        Status::Released => {
            Some("is released; only the marketing authorisation holder may decommission it")
        }
        Status::Decommissioned => Some("is already decommissioned"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Status::parse("pending"), None);
    }

    #[test]
    fn only_pending_allows_aggregation() {
        assert!(Status::PendingCommissioningApproval.allows_aggregation());
        assert!(!Status::Released.allows_aggregation());
        assert!(!Status::Decommissioned.allows_aggregation());
    }

    #[test]
    fn decommission_rules() {
        for by_owner in [true, false] {
            for &s in Status::ALL {
                assert_eq!(
                    Status::decommissionable(by_owner).contains(&s),
                    decommission_blocker(s, by_owner).is_none()
                );
            }
        }
        assert_eq!(
            decommission_blocker(Status::PendingCommissioningApproval, false),
            None
        );
        assert_eq!(decommission_blocker(Status::Released, true), None);
        assert!(decommission_blocker(Status::Released, false).is_some());
        assert!(decommission_blocker(Status::Decommissioned, true).is_some());
    }

    #[test]
    fn reasons_parse() {
        assert_eq!(
            DecommissionReason::parse("destroyed"),
            Some(DecommissionReason::Destroyed)
        );
        assert_eq!(DecommissionReason::parse("lost"), None);
        assert_eq!(DecommissionReason::ALL.len(), 6);
        for &r in DecommissionReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
