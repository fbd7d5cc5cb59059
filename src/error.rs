//! Why an invocation failed: each layer's error kept whole, and the one code and message that
//! the flow's answer, a raised function error and the log line all show.

use lambda_runtime::Diagnostic;

use crate::event::EventError;
use crate::limits::ANSWER_MAX_BYTES;
use crate::plan::PlanError;
use crate::vocabulary::code;

#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    #[error(transparent)]
    InvalidEvent(#[from] EventError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Calls failed. The code is the first failure's; the message names every failure and
    /// what was and was not applied (the calls' own errors stay in the outcome).
    #[error("{message}")]
    Calls { code: String, message: String },
    /// The `return` values would push the answer past what the flow reads, so they were
    /// dropped; `earlier` is a failure the answer reported already.
    #[error("{}the answer took {bytes} bytes, over the flow's {ANSWER_MAX_BYTES}; return values were dropped", earlier.as_ref().map(|e| format!("{}; ", e.flow_message())).unwrap_or_default())]
    AnswerTooLarge {
        bytes: usize,
        earlier: Option<Box<InvocationError>>,
    },
    /// A bug: the handler panicked.
    #[error("connect-rules failed unexpectedly ({reason}); which calls took effect is unknown")]
    Internal { reason: String },
}

impl InvocationError {
    /// The `errorCode` the flow sees, and the error type of a raised function error.
    pub fn code(&self) -> &str {
        match self {
            InvocationError::InvalidEvent(_) => code::INVALID_EVENT,
            InvocationError::Plan(error) => error.code(),
            InvocationError::Calls { code, .. } => code,
            InvocationError::AnswerTooLarge { .. } => code::ANSWER_TOO_LARGE,
            InvocationError::Internal { .. } => code::INTERNAL_ERROR,
        }
    }

    /// The `errorMessage` the flow sees: errors found before any call say so.
    pub fn flow_message(&self) -> String {
        match self {
            InvocationError::InvalidEvent(_) | InvocationError::Plan(_) => {
                format!("{self}; nothing was applied")
            }
            _ => self.to_string(),
        }
    }
}

impl From<&InvocationError> for Diagnostic {
    fn from(error: &InvocationError) -> Self {
        Diagnostic {
            error_type: error.code().to_owned(),
            error_message: error.flow_message(),
        }
    }
}
