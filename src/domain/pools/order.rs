//! Packaging order lifecycle (PRODUCT.md §1, §3.3; POOLS.md): `open` → (`assign_serials`)
//! `pending_release` → (`release`) `in_progress` ⇄ (`suspend` / `resume`) `suspended` →
//! (`finish`) `finished`, and `start`, the bypass `open` → `in_progress` for lines that bring their
//! own serials. `finished` is final. Every other transition is refused.

text_enum! {
    /// Status of a packaging order. The strings are part of the API contract.
    pub enum OrderStatus {
        Open => "open",
        PendingRelease => "pending_release",
        InProgress => "in_progress",
        Suspended => "suspended",
        Finished => "finished",
    }
}

text_enum! {
    /// What a line or ERP asks of an order; each is one `PATCH /packaging_order/<action>`.
    pub enum OrderAction {
        AssignSerials => "assign_serials",
        Release => "release",
        Start => "start",
        Suspend => "suspend",
        Resume => "resume",
        Finish => "finish",
    }
}

impl OrderStatus {
    /// True while the line may commission packs against the order.
    pub fn accepts_commissioning(self) -> bool {
        self == OrderStatus::InProgress
    }
}

impl OrderAction {
    /// The status the action leads to from `from`, or `None` when the action is not allowed there.
    /// A suspended order may be finished too: a batch can end while its line is stopped, and
    /// finishing is what returns the unused serials.
    pub fn from(self, from: OrderStatus) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, from) {
            (A::AssignSerials, S::Open) => Some(S::PendingRelease),
            (A::Release, S::PendingRelease) => Some(S::InProgress),
            (A::Start, S::Open) => Some(S::InProgress),
            (A::Suspend, S::InProgress) => Some(S::Suspended),
            (A::Resume, S::Suspended) => Some(S::InProgress),
            (A::Finish, S::InProgress | S::Suspended) => Some(S::Finished),
            _ => None,
        }
    }

    /// The statuses the action is allowed from, for an error message that says what would work.
    pub fn allowed_from(self) -> Vec<OrderStatus> {
        OrderStatus::ALL
            .iter()
            .copied()
            .filter(|&s| self.from(s).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, written out by hand from PRODUCT.md: (action, from, to).
    const ALLOWED: &[(&str, &str, &str)] = &[
        ("assign_serials", "open", "pending_release"),
        ("release", "pending_release", "in_progress"),
        ("start", "open", "in_progress"),
        ("suspend", "in_progress", "suspended"),
        ("resume", "suspended", "in_progress"),
        ("finish", "in_progress", "finished"),
        ("finish", "suspended", "finished"),
    ];

    #[test]
    fn exactly_the_documented_transitions_exist() {
        let mut seen = 0;
        for &action in OrderAction::ALL {
            for &from in OrderStatus::ALL {
                let expected = ALLOWED
                    .iter()
                    .find(|(a, f, _)| *a == action.as_str() && *f == from.as_str())
                    .map(|(_, _, to)| OrderStatus::parse(to).unwrap());
                assert_eq!(action.from(from), expected, "{action} from {from}");
                seen += usize::from(expected.is_some());
            }
        }
        assert_eq!(seen, ALLOWED.len());
    }

    #[test]
    fn finished_is_final() {
        for &action in OrderAction::ALL {
            assert_eq!(action.from(OrderStatus::Finished), None, "{action}");
        }
    }

    #[test]
    fn only_an_order_in_progress_takes_commissioning() {
        let takes: Vec<_> = OrderStatus::ALL
            .iter()
            .filter(|s| s.accepts_commissioning())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(takes, ["in_progress"]);
    }

    #[test]
    fn allowed_from_lists_the_sources() {
        assert_eq!(
            OrderAction::Finish.allowed_from(),
            [OrderStatus::InProgress, OrderStatus::Suspended]
        );
        assert_eq!(OrderAction::Start.allowed_from(), [OrderStatus::Open]);
    }

    #[test]
    fn strings_round_trip() {
        for &s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        for &a in OrderAction::ALL {
            assert_eq!(OrderAction::parse(a.as_str()), Some(a));
        }
    }
}
