//! One invocation, end to end: parse the event, plan, execute, answer, log one line.

use std::time::{Duration, SystemTime};

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tokio::time::Instant;

use crate::answer::{self, Answer, ErrorReport, Status};
use crate::contact::Contact;
use crate::event::FlowEvent;
use crate::execute::Connect;
use crate::outcome::Outcome;
use crate::plan::{self, Plan};
use crate::rules::{OnError, RuleBook};

/// Time kept back from the budget for answering and for Lambda to hand the answer on.
const ANSWER_MARGIN: Duration = Duration::from_millis(250);

/// The function as it lives between invocations: checked rules and, unless this is a dry
/// run, a Connect client built once.
pub struct Function {
    book: RuleBook,
    connect: Option<Connect>,
}

/// What one invocation planned and answered.
#[derive(Debug)]
pub struct Invocation {
    pub plan: Option<Plan>,
    pub status: Status,
    pub answer: Answer,
    pub error: Option<ErrorReport>,
}

impl Function {
    /// `connect: None` is a dry run: plans are made and logged, nothing is called.
    pub fn new(book: RuleBook, connect: Option<Connect>) -> Self {
        Function { book, connect }
    }

    pub fn book(&self) -> &RuleBook {
        &self.book
    }

    /// The Lambda handler: answers the flow, or raises when the rules file says so.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Answer, Diagnostic> {
        let (payload, context) = event.into_parts();
        let invocation = self.invoke(payload, Some(context.deadline())).await;
        match (&invocation.error, self.book.settings.on_error) {
            (Some(error), OnError::Raise) => Err(Diagnostic {
                error_type: error.code.clone(),
                error_message: invocation
                    .answer
                    .get("errorMessage")
                    .cloned()
                    .unwrap_or_default(),
            }),
            _ => Ok(invocation.answer),
        }
    }

    /// Runs one event through the pipeline, finishing inside the block's timeout and the
    /// Lambda deadline, whichever comes first.
    pub async fn invoke(&self, payload: Value, lambda_deadline: Option<SystemTime>) -> Invocation {
        let started = Instant::now();
        let deadline = self.deadline(started, lambda_deadline);
        let contact_id = payload
            .pointer("/Details/ContactData/ContactId")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let invocation = match self.plan(payload) {
            Err(error) => Invocation {
                plan: None,
                status: Status::Error,
                answer: answer::from_error(&error),
                error: Some(error),
            },
            Ok(plan) => {
                let outcome = match &self.connect {
                    Some(connect) => connect.execute(&plan.calls, deadline).await,
                    None => Outcome::dry_run(),
                };
                let (status, answer) = answer::from_outcome(&plan, &outcome);
                log_invocation(&contact_id, &plan, &outcome, status, started);
                Invocation {
                    error: answer::error_from_outcome(&outcome),
                    plan: Some(plan),
                    status,
                    answer,
                }
            }
        };
        if let Some(error) = invocation
            .error
            .as_ref()
            .filter(|_| invocation.plan.is_none())
        {
            tracing::warn!(
                contact_id,
                status = "error",
                error_code = error.code,
                error_message = error.message,
                duration_ms = started.elapsed().as_millis() as u64,
                "invocation"
            );
        }
        invocation
    }

    fn plan(&self, payload: Value) -> Result<Plan, ErrorReport> {
        let event = FlowEvent::from_value(payload).map_err(|error| ErrorReport {
            code: "InvalidEvent".to_owned(),
            message: error.to_string(),
        })?;
        let contact = Contact::new(event, SystemTime::now());
        plan::plan(&self.book, &contact).map_err(|error| ErrorReport {
            code: error.code().to_owned(),
            message: error.to_string(),
        })
    }

    fn deadline(&self, started: Instant, lambda_deadline: Option<SystemTime>) -> Instant {
        let mut budget = self.book.settings.block_timeout;
        if let Some(remaining) =
            lambda_deadline.and_then(|d| d.duration_since(SystemTime::now()).ok())
        {
            budget = budget.min(remaining);
        }
        started + budget.saturating_sub(ANSWER_MARGIN)
    }
}

/// The one line an invocation logs: what matched, what was called and how it went. It
/// names keys and operations, never values or endpoint addresses.
fn log_invocation(
    contact_id: &str,
    plan: &Plan,
    outcome: &Outcome,
    status: Status,
    started: Instant,
) {
    let calls = outcome
        .calls
        .iter()
        .map(|call| {
            let result = if call.succeeded { "ok" } else { "failed" };
            format!("{}:{result}:{}ms", call.operation, call.latency.as_millis())
        })
        .collect::<Vec<_>>()
        .join(",");
    let error = answer::error_from_outcome(outcome);
    tracing::info!(
        contact_id,
        rule_set = plan.rule_set,
        matched_rules = plan.matched_rules.join(","),
        status = status.as_str(),
        planned = plan.calls.summary(),
        calls,
        transferred = outcome.transferred(),
        dry_run = outcome.dry_run,
        error_code = error.as_ref().map(|e| e.code.as_str()),
        error_message = error.as_ref().map(|e| e.message.as_str()),
        duration_ms = started.elapsed().as_millis() as u64,
        "invocation"
    );
}
