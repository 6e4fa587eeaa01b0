//! Problems with a request, each with where it is: the `details` of an error answer. Plain data,
//! so the domain can report every offending input without knowing how the answer is sent.

use serde::Serialize;

/// One offending input: where it is in the request (a JSON path such as
/// `child_trade_items[3].serial_number`, or a header name) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub problem: String,
}

impl Detail {
    /// A problem at `path`.
    pub fn at(path: impl Into<String>, problem: impl Into<String>) -> Detail {
        Detail {
            path: Some(path.into()),
            problem: problem.into(),
        }
    }
}

/// Collects problems with their JSON paths while parsing, so that every one is reported at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Detail>);

impl Problems {
    /// Records a problem at `path`.
    pub fn push(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.0.push(Detail::at(path, problem));
    }

    /// Runs a GS1 parser, recording its message at `path` on failure.
    pub fn check<T, E: ToString>(
        &mut self,
        path: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        self.check_with(|| path.into(), parsed)
    }

    /// `check` with the path built only on failure (a 10 000-child request has 50 000 paths that
    /// are never shown when everything is fine).
    pub fn check_with<T, E: ToString>(
        &mut self,
        path: impl FnOnce() -> String,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(path(), e.to_string());
                None
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
