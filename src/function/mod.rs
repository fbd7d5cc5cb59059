//! One invocation, end to end: parse the event, plan, execute, answer, log one line.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use tracing::Instrument;

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::time::Instant;

use crate::answer::{self, Answer, Status};
use crate::contact::Contact;
use crate::error::InvocationError;
use crate::event::{EventError, FlowEvent};
use crate::execute::Connect;
use crate::metrics::{Counted, Metrics};
use crate::outcome::Outcome;
use crate::plan::{self, Plan};
use crate::rules::{OnError, RuleBook};

/// Time kept back from the budget for answering and for Lambda to hand the answer on.
const ANSWER_MARGIN: Duration = Duration::from_millis(250);

/// The function as it lives between invocations: checked rules, unless this is a dry run a
/// Connect client built once, and under Lambda its metrics.
pub struct Function {
    book: RuleBook,
    connect: Option<Connect>,
    metrics: Option<Arc<Metrics>>,
}

/// An event as the function is given it.
#[derive(Debug)]
enum Payload {
    /// The runtime's text, read straight into the event's types.
    Json(Box<RawValue>),
    /// A value already read: the CLI's and test cases' events.
    Value(Value),
}

/// An event that could not be read, and the contact it names for the log line.
struct Unread {
    error: EventError,
    contact_id: String,
}

impl Payload {
    fn read(self) -> Result<FlowEvent, Unread> {
        match self {
            Payload::Json(text) => FlowEvent::from_json(text.get()).map_err(|error| Unread {
                contact_id: contact_id(&serde_json::from_str(text.get()).unwrap_or_default()),
                error,
            }),
            Payload::Value(value) => {
                let contact_id = contact_id(&value);
                FlowEvent::from_value(value).map_err(|error| Unread { error, contact_id })
            }
        }
    }
}

fn contact_id(payload: &Value) -> String {
    payload
        .pointer("/Details/ContactData/ContactId")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned()
}

/// What one invocation planned and answered.
#[derive(Debug)]
pub struct Invocation {
    pub plan: Option<Plan>,
    pub status: Status,
    pub answer: Answer,
    /// What the answer reports as `errorCode` and `errorMessage`, if anything failed.
    pub error: Option<InvocationError>,
    /// What its log line and metrics need beside the above; none after a panic, which is
    /// logged where it is caught.
    report: Option<Report>,
}

#[derive(Debug)]
struct Report {
    contact_id: String,
    /// What was called; none when no plan could be made.
    outcome: Option<Outcome>,
    /// From the event's arrival to the answer.
    duration: Duration,
    /// The time the invocation had: the block's timeout or the Lambda deadline.
    budget: Duration,
}

impl Function {
    /// `connect: None` is a dry run: plans are made and logged, nothing is called.
    pub fn new(book: RuleBook, connect: Option<Connect>) -> Self {
        Function {
            book,
            connect,
            metrics: None,
        }
    }

    /// The function writing its metrics after each invocation's log line.
    pub fn with_metrics(self, metrics: Option<Metrics>) -> Self {
        let metrics = metrics.map(Arc::new);
        Function { metrics, ..self }
    }

    /// The Lambda handler: answers the flow, or raises when the rules file says so.
    pub async fn handle(&self, event: LambdaEvent<Box<RawValue>>) -> Result<Answer, Diagnostic> {
        let (payload, context) = event.into_parts();
        let mut invocation = answering_panics(self.run(
            Payload::Json(payload),
            Some(context.deadline()),
            SystemTime::now(),
        ))
        .await;
        let answered = match (&invocation.error, self.book.settings.on_error) {
            (Some(error), OnError::Raise) => Err(Diagnostic::from(error)),
            _ => Ok(std::mem::take(&mut invocation.answer)),
        };
        // The caller waits for the answer, not for the log line and the metrics: they are
        // written once the runtime has posted the answer (the task yields first, so that the
        // runtime's connection sends it), and before it asks for the next event, so Lambda
        // still counts them in this invocation.
        let metrics = self.metrics.clone();
        tokio::spawn(
            async move {
                tokio::task::yield_now().await;
                invocation.report(metrics.as_deref());
            }
            .in_current_span(),
        );
        answered
    }

    /// Runs one event through the pipeline, finishing inside the block's timeout and the
    /// Lambda deadline, whichever comes first.
    pub async fn invoke(&self, payload: Value, lambda_deadline: Option<SystemTime>) -> Invocation {
        self.invoke_at(payload, lambda_deadline, SystemTime::now())
            .await
    }

    /// `invoke`, with the rules seeing `now` as the time (a test case's moment); the
    /// invocation's log line and metrics are written before it returns.
    pub async fn invoke_at(
        &self,
        payload: Value,
        lambda_deadline: Option<SystemTime>,
        now: SystemTime,
    ) -> Invocation {
        let invocation = self
            .run(Payload::Value(payload), lambda_deadline, now)
            .await;
        invocation.report(self.metrics.as_deref());
        invocation
    }

    /// The invocation and what its report needs, written by neither: the caller decides
    /// when (`invoke_at` at once, `handle` after the answer has gone).
    async fn run(
        &self,
        payload: Payload,
        lambda_deadline: Option<SystemTime>,
        now: SystemTime,
    ) -> Invocation {
        let started = Instant::now();
        let budget = self.budget(lambda_deadline);
        let deadline = started + budget.saturating_sub(ANSWER_MARGIN);
        let (contact_id, planned) = match payload.read() {
            Ok(event) => {
                let contact_id = event.details.contact_data.contact_id.clone();
                (contact_id, self.plan(event, now))
            }
            Err(unread) => (unread.contact_id, Err(unread.error.into())),
        };
        let (plan, outcome) = match planned {
            Ok(plan) => {
                let outcome = match &self.connect {
                    Some(connect) => connect.execute(&plan.calls, deadline).await,
                    None => Outcome::dry_run(),
                };
                (plan, outcome)
            }
            Err(error) => {
                return Invocation {
                    plan: None,
                    status: Status::Error,
                    answer: answer::from_error(&error),
                    error: Some(error),
                    report: Some(Report {
                        contact_id,
                        outcome: None,
                        duration: started.elapsed(),
                        budget,
                    }),
                }
            }
        };
        let (status, answer, error) = answer::from_outcome(&plan, &outcome);
        Invocation {
            plan: Some(plan),
            status,
            answer,
            error,
            report: Some(Report {
                contact_id,
                outcome: Some(outcome),
                duration: started.elapsed(),
                budget,
            }),
        }
    }

    fn plan(&self, event: FlowEvent, now: SystemTime) -> Result<Plan, InvocationError> {
        let contact = Contact::new(event, now).in_calendar(self.book.settings.calendar.clone());
        Ok(plan::plan(&self.book, &contact)?)
    }

    /// The time an invocation has: the block's timeout, or what is left before the Lambda
    /// deadline when that is less.
    fn budget(&self, lambda_deadline: Option<SystemTime>) -> Duration {
        let mut budget = self.book.settings.block_timeout;
        if let Some(remaining) =
            lambda_deadline.and_then(|d| d.duration_since(SystemTime::now()).ok())
        {
            budget = budget.min(remaining);
        }
        budget
    }
}

/// A panic is a bug, but the caller still gets an answer the flow can branch on and the
/// process serves the next contact (the release profile keeps `panic = "unwind"`).
async fn answering_panics(invocation: impl Future<Output = Invocation>) -> Invocation {
    let panic = match AssertUnwindSafe(invocation).catch_unwind().await {
        Ok(invocation) => return invocation,
        Err(panic) => panic,
    };
    let reason = panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let error = InvocationError::Internal { reason };
    tracing::error!(
        error_code = error.code(),
        error_message = error.flow_message(),
        "invocation"
    );
    Invocation {
        plan: None,
        status: Status::Error,
        answer: answer::from_error(&error),
        error: Some(error),
        report: None,
    }
}

impl Invocation {
    /// Logs the invocation's one line and writes its metrics.
    fn report(&self, metrics: Option<&Metrics>) {
        let Some(report) = &self.report else { return };
        let error_code = self.error.as_ref().map(InvocationError::code);
        let counted = match (&self.plan, &report.outcome) {
            (Some(plan), Some(outcome)) => {
                log_invocation(
                    &report.contact_id,
                    plan,
                    outcome,
                    self.status,
                    self.error.as_ref(),
                    report.duration,
                );
                Counted {
                    rule_set: Some(&plan.rule_set),
                    matched_rules: &plan.matched_rules,
                    status: self.status,
                    error_code,
                    calls: &outcome.calls,
                    transferred: outcome.transferred(),
                    tasks: outcome.tasks().count(),
                    duration: report.duration,
                    budget: report.budget,
                }
            }
            _ => {
                tracing::warn!(
                    contact_id = report.contact_id,
                    status = "error",
                    error_code,
                    error_message = self.error.as_ref().map(|e| e.flow_message()),
                    duration_ms = report.duration.as_millis() as u64,
                    "invocation"
                );
                Counted {
                    rule_set: None,
                    matched_rules: &[],
                    status: Status::Error,
                    error_code,
                    calls: &[],
                    transferred: false,
                    tasks: 0,
                    duration: report.duration,
                    budget: report.budget,
                }
            }
        };
        if let Some(metrics) = metrics {
            metrics.write(&counted);
        }
    }
}

/// The one line an invocation logs: what matched, what was called and how it went. It
/// names keys and operations, never values or endpoint addresses.
fn log_invocation(
    contact_id: &str,
    plan: &Plan,
    outcome: &Outcome,
    status: Status,
    error: Option<&InvocationError>,
    duration: Duration,
) {
    let calls = outcome
        .calls
        .iter()
        .map(|call| {
            let result = if call.result.is_ok() { "ok" } else { "failed" };
            format!("{}:{result}:{}ms", call.label, call.latency.as_millis())
        })
        .collect::<Vec<_>>()
        .join(",");
    tracing::info!(
        contact_id,
        rule_set = plan.rule_set,
        matched_rules = plan.matched_rules.join(","),
        status = status.as_str(),
        planned = plan.calls.summary(),
        calls,
        transferred = outcome.transferred(),
        dry_run = outcome.dry_run,
        error_code = error.map(|e| e.code()),
        error_message = error.map(|e| e.flow_message()),
        duration_ms = duration.as_millis() as u64,
        "invocation"
    );
}

#[cfg(test)]
mod tests;
