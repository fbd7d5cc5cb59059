//! What executing a plan did: each call's result, in plan order, and the calls held back.

use std::time::Duration;

use crate::vocabulary::{code, Operation};

/// What a call that succeeded left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// StartTaskContact made the task `task` (its name in the rules file). `contact_id` is
    /// `None` when Connect said an earlier invocation had already made it with this token.
    TaskCreated {
        task: String,
        contact_id: Option<String>,
    },
}

/// Why a call did not succeed: Connect's answer, or what stood between us and one.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Connect answered with an error code (`ThrottlingException`, ...).
    #[error("{message}")]
    Connect { code: String, message: String },
    #[error("no answer from Connect within the flow block's time budget; the call may or may not have taken effect")]
    Timeout,
    /// No answer from the SDK: no connection, an unreadable response, a request it could
    /// not build. `code` is ours.
    #[error("{message}")]
    Sdk {
        code: &'static str,
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CallError {
    /// The `errorCode` the flow sees.
    pub fn code(&self) -> &str {
        match self {
            CallError::Connect { code, .. } => code,
            CallError::Timeout => code::TIMEOUT,
            CallError::Sdk { code, .. } => code,
        }
    }
}

/// How one call went.
#[derive(Debug)]
pub struct CallReport {
    pub operation: Operation,
    /// The operation, and a task's name: how the answer and the logs name the call.
    pub label: String,
    pub result: Result<Applied, CallError>,
    pub latency: Duration,
    /// Attempts Connect throttled, which the SDK retried while time was left.
    pub throttled: u32,
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Every call made, in plan order.
    pub calls: Vec<CallReport>,
    /// Labels of planned calls not made because one they wait for failed.
    pub not_attempted: Vec<String>,
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

    /// Labels of the calls that took effect.
    pub fn applied(&self) -> Vec<&str> {
        self.calls
            .iter()
            .filter(|call| call.result.is_ok())
            .map(|call| call.label.as_str())
            .collect()
    }

    /// The calls that failed, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &CallError)> {
        self.calls
            .iter()
            .filter_map(|call| call.result.as_ref().err().map(|e| (call.label.as_str(), e)))
    }

    pub fn transferred(&self) -> bool {
        self.calls
            .iter()
            .any(|call| call.operation == Operation::TransferContact && call.result.is_ok())
    }

    /// Every planned call that did not take effect.
    pub fn not_applied(&self) -> Vec<&str> {
        self.failures()
            .map(|(label, _)| label)
            .chain(self.not_attempted.iter().map(String::as_str))
            .collect()
    }

    /// Tasks made, by their name in the rules file, with their contact ids where known.
    pub fn tasks(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.calls.iter().filter_map(|call| match &call.result {
            Ok(Applied::TaskCreated { task, contact_id }) => {
                Some((task.as_str(), contact_id.as_deref()))
            }
            _ => None,
        })
    }
}
