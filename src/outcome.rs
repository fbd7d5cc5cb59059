//! What executing a plan did: which calls were applied, which failed and why.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    UpdateContactAttributes,
    UpdateContact,
    TransferContact,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::UpdateContactAttributes => "UpdateContactAttributes",
            Operation::UpdateContact => "UpdateContact",
            Operation::TransferContact => "TransferContact",
        })
    }
}

/// One call that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub operation: Operation,
    /// Connect's error code (`ThrottlingException`, ...) or ours (`Timeout`, ...).
    pub code: String,
    pub message: String,
}

/// How one call went, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    pub operation: Operation,
    pub succeeded: bool,
    pub latency: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub applied: Vec<Operation>,
    pub failures: Vec<Failure>,
    /// Planned calls not made because an earlier one failed.
    pub not_attempted: Vec<Operation>,
    pub calls: Vec<CallReport>,
    pub dry_run: bool,
}

impl Outcome {
    /// The outcome of calling nothing: what `DRY_RUN` and the offline `invoke` report.
    pub fn dry_run() -> Self {
        Outcome {
            dry_run: true,
            ..Outcome::default()
        }
    }

    pub fn transferred(&self) -> bool {
        self.applied.contains(&Operation::TransferContact)
    }

    /// Every planned call that did not take effect.
    pub fn not_applied(&self) -> Vec<Operation> {
        self.failures
            .iter()
            .map(|f| f.operation)
            .chain(self.not_attempted.iter().copied())
            .collect()
    }
}
