//! Faults to inject: what the next calls of an operation meet instead of a plain answer.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// A fault to inject into the next `count` calls of an operation (`*`: any operation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Fault {
    pub operation: String,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    /// For `latency`: how long to wait before answering.
    #[serde(default)]
    pub latency_ms: u64,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 ThrottlingException, nothing applied.
    Throttle,
    /// 500 InternalServiceException, nothing applied.
    ServerError,
    /// Waits `latency_ms`, then serves the call.
    Latency,
    /// Closes the connection without an answer, nothing applied.
    DropBefore,
    /// Applies the call, then closes the connection without an answer.
    DropAfter,
}

/// The faults queued, in the order they were injected.
#[derive(Debug, Default)]
pub struct Faults(VecDeque<Fault>);

impl Faults {
    pub fn push(&mut self, fault: Fault) {
        self.0.push_back(fault);
    }

    /// The first fault queued for `operation` (or for any), counted down by one call.
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        let index = self
            .0
            .iter()
            .position(|f| f.operation == operation || f.operation == "*")?;
        let fault = self.0[index].clone();
        self.0[index].count -= 1;
        if self.0[index].count == 0 {
            self.0.remove(index);
        }
        Some(fault)
    }
}
