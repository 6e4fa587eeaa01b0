//! Partnership lifecycle (PRODUCT.md §3.2): the MAH invites a CMO (`pending`), the CMO accepts
//! (`active`), the MAH suspends and resumes it, and either may be ended for good.

text_enum! {
    /// Status of a partnership. The strings are part of the API contract.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum PartnershipStatus {
        Pending => "pending",
        Active => "active",
        Suspended => "suspended",
        Ended => "ended",
    }
}

impl PartnershipStatus {
    /// The statuses from which the MAH may move a partnership to `self` (`None`: it may not set
    /// this status at all): suspend and resume an active partnership, end any that has not ended.
    /// Setting the current status again is allowed and changes nothing.
    pub fn set_by_owner_from(self) -> Option<&'static [PartnershipStatus]> {
        use PartnershipStatus::*;
        match self {
            Suspended => Some(&[Active, Suspended]),
            Active => Some(&[Suspended, Active]),
            Ended => Some(&[Pending, Active, Suspended]),
            Pending => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for &s in PartnershipStatus::ALL {
            assert_eq!(PartnershipStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PartnershipStatus::parse("Active"), None);
    }

    #[test]
    fn the_owner_suspends_resumes_and_ends_but_never_makes_pending() {
        use PartnershipStatus::*;
        assert_eq!(Pending.set_by_owner_from(), None);
        assert!(Suspended.set_by_owner_from().unwrap().contains(&Active));
        assert!(!Suspended.set_by_owner_from().unwrap().contains(&Pending));
        assert!(Active.set_by_owner_from().unwrap().contains(&Suspended));
        assert!(!Active.set_by_owner_from().unwrap().contains(&Pending));
        assert!(!Ended.set_by_owner_from().unwrap().contains(&Ended));
    }
}
