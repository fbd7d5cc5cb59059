//! Words every layer shares: the Connect operations, the keys of the answer the flow reads and
//! the error codes it branches on. A leaf: it imports nothing of ours, so the rules checker,
//! the plan and the answer can all use it without reaching into one another.

use std::fmt;

/// The Connect operations the function calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    UpdateContactAttributes,
    UpdateContact,
    UpdateContactRoutingData,
    StartTaskContact,
    TransferContact,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::UpdateContactAttributes => "UpdateContactAttributes",
            Operation::UpdateContact => "UpdateContact",
            Operation::UpdateContactRoutingData => "UpdateContactRoutingData",
            Operation::StartTaskContact => "StartTaskContact",
            Operation::TransferContact => "TransferContact",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The keys the function answers itself.
pub mod key {
    pub const STATUS: &str = "status";
    pub const RULE_SET: &str = "ruleSet";
    pub const MATCHED_RULES: &str = "matchedRules";
    pub const TRANSFERRED: &str = "transferred";
    pub const APPLIED: &str = "applied";
    pub const NOT_APPLIED: &str = "notApplied";
    pub const ERROR_CODE: &str = "errorCode";
    pub const ERROR_MESSAGE: &str = "errorMessage";
    pub const TRANSFER_REFUSED: &str = "transferRefused";
    pub const SKIPPED_VALUES: &str = "skippedValues";
    pub const DRY_RUN: &str = "dryRun";
    /// Written only by files that set a contact expiry.
    pub const EXPIRY_REFUSED: &str = "expiryRefused";
    /// Written only by files that set a routing priority.
    pub const ROUTING_REFUSED: &str = "routingRefused";

    /// The key holding a created task's contact id: `task_` and the task's name.
    pub fn task(name: &str) -> String {
        format!("task_{name}")
    }
}

/// Keys every answer may hold, whatever the rules file says; `return` can never use them.
/// Actions that answer keys of their own (a task's id, a refusal) reserve those only in files
/// that use them, so no file that was valid before they existed becomes invalid.
pub const RESERVED_KEYS: [&str; 11] = [
    key::STATUS,
    key::RULE_SET,
    key::MATCHED_RULES,
    key::TRANSFERRED,
    key::APPLIED,
    key::NOT_APPLIED,
    key::ERROR_CODE,
    key::ERROR_MESSAGE,
    key::TRANSFER_REFUSED,
    key::SKIPPED_VALUES,
    key::DRY_RUN,
];

/// The `errorCode`s of our own; Connect's codes (`ThrottlingException`, ...) pass through.
pub mod code {
    pub const INVALID_EVENT: &str = "InvalidEvent";
    pub const NO_RULE_SET: &str = "NoRuleSet";
    pub const UNKNOWN_RULE_SET: &str = "UnknownRuleSet";
    pub const MISSING_VALUE: &str = "MissingValue";
    pub const INVALID_VALUE: &str = "InvalidValue";
    pub const CONFLICTING_TRANSFERS: &str = "ConflictingTransfers";
    pub const ATTRIBUTES_TOO_LARGE: &str = "AttributesTooLarge";
    pub const REFERENCES_TOO_LARGE: &str = "ReferencesTooLarge";
    pub const TIMEOUT: &str = "Timeout";
    pub const CONNECT_UNREACHABLE: &str = "ConnectUnreachable";
    pub const BAD_RESPONSE: &str = "BadResponse";
    pub const REQUEST_NOT_BUILT: &str = "RequestNotBuilt";
    pub const SDK_ERROR: &str = "SdkError";
    pub const SERVICE_ERROR: &str = "ServiceError";
    pub const ANSWER_TOO_LARGE: &str = "AnswerTooLarge";
    pub const INTERNAL_ERROR: &str = "InternalError";
    /// Connect's answer to a ClientToken it has seen with other parameters.
    pub const IDEMPOTENCY: &str = "IdempotencyException";
    /// Connect's answer to too many requests; the SDK retries it while time is left.
    pub const THROTTLING: &str = "ThrottlingException";
}
