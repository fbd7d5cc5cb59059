//! One invocation, end to end: parse the event, plan, execute, answer, log one line.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tokio::time::Instant;

use crate::answer::{self, Answer, Status};
use crate::contact::Contact;
use crate::error::InvocationError;
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
    /// What the answer reports as `errorCode` and `errorMessage`, if anything failed.
    pub error: Option<InvocationError>,
}

impl Function {
    /// `connect: None` is a dry run: plans are made and logged, nothing is called.
    pub fn new(book: RuleBook, connect: Option<Connect>) -> Self {
        Function { book, connect }
    }

    /// The Lambda handler: answers the flow, or raises when the rules file says so.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Answer, Diagnostic> {
        let (payload, context) = event.into_parts();
        let invocation = answering_panics(self.invoke(payload, Some(context.deadline()))).await;
        match (&invocation.error, self.book.settings.on_error) {
            (Some(error), OnError::Raise) => Err(Diagnostic::from(error)),
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
        let plan = match self.plan(payload) {
            Ok(plan) => plan,
            Err(error) => {
                tracing::warn!(
                    contact_id,
                    status = "error",
                    error_code = error.code(),
                    error_message = error.flow_message(),
                    duration_ms = started.elapsed().as_millis() as u64,
                    "invocation"
                );
                return Invocation {
                    plan: None,
                    status: Status::Error,
                    answer: answer::from_error(&error),
                    error: Some(error),
                };
            }
        };
        let outcome = match &self.connect {
            Some(connect) => connect.execute(&plan.calls, deadline).await,
            None => Outcome::dry_run(),
        };
        let (status, answer, error) = answer::from_outcome(&plan, &outcome);
        log_invocation(
            &contact_id,
            &plan,
            &outcome,
            status,
            error.as_ref(),
            started,
        );
        Invocation {
            plan: Some(plan),
            status,
            answer,
            error,
        }
    }

    fn plan(&self, payload: Value) -> Result<Plan, InvocationError> {
        let event = FlowEvent::from_value(payload)?;
        let contact = Contact::new(event, SystemTime::now());
        Ok(plan::plan(&self.book, &contact)?)
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
    started: Instant,
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
        duration_ms = started.elapsed().as_millis() as u64,
        "invocation"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_connect::config::retry::RetryConfig;
    use aws_sdk_connect::error::ErrorMetadata;
    use aws_sdk_connect::operation::transfer_contact::{
        TransferContactError, TransferContactOutput,
    };
    use aws_sdk_connect::operation::update_contact::{UpdateContactError, UpdateContactOutput};
    use aws_sdk_connect::operation::update_contact_attributes::UpdateContactAttributesOutput;
    use aws_sdk_connect::types::error::ThrottlingException;
    use aws_sdk_connect::types::ReferenceType as SdkReferenceType;
    use aws_sdk_connect::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule as MockRule, RuleMode};

    fn example_book() -> RuleBook {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/rules.yaml");
        RuleBook::load(&path).unwrap()
    }

    fn event(name: &str) -> Value {
        let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn function(rules: &[&MockRule]) -> Function {
        function_with(example_book(), rules)
    }

    fn function_with(book: RuleBook, rules: &[&MockRule]) -> Function {
        // One mocked answer per call: retries are the SDK's business, proven end to end.
        let client: Client = mock_client!(aws_sdk_connect, RuleMode::MatchAny, rules, |config| {
            config.retry_config(RetryConfig::disabled())
        });
        Function::new(book, Some(Connect::new(client, Duration::from_secs(3))))
    }

    fn attributes_ok() -> MockRule {
        mock!(Client::update_contact_attributes)
            .match_requests(|request| {
                request.instance_id() == Some("9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa")
                    && request.initial_contact_id() == Some("b2e4c7a0-51d3-4f0e-8c2a-9d6f1e3b7a55")
                    && request
                        .attributes()
                        .and_then(|a| a.get("routedBy"))
                        .map(String::as_str)
                        == Some("connect-rules")
            })
            .then_output(|| UpdateContactAttributesOutput::builder().build())
    }

    fn contact_ok() -> MockRule {
        mock!(Client::update_contact)
            .match_requests(|request| {
                let references = request.references().cloned().unwrap_or_default();
                request.contact_id() == Some("b2e4c7a0-51d3-4f0e-8c2a-9d6f1e3b7a55")
                    && request.name() == Some("[URGENT] Refund request")
                    && references["case"].r#type() == &SdkReferenceType::Url
                    && references["case"].value()
                        == "https://crm.example.com/cases/CASE-2024%2F0815"
                    && references["dueBy"].r#type() == &SdkReferenceType::Date
            })
            .then_output(|| UpdateContactOutput::builder().build())
    }

    fn transfer_ok() -> MockRule {
        mock!(Client::transfer_contact)
            .match_requests(|request| {
                request.queue_id() == Some("1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
                    && request.user_id().is_none()
                    && request.contact_flow_id() == Some("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
                    && request
                        .client_token()
                        .is_some_and(|token| token.len() == 64)
            })
            .then_output(|| TransferContactOutput::builder().build())
    }

    /// A throttling error as the SDK parses it from the wire, code and all.
    fn throttled<E>(make: fn(ThrottlingException) -> E) -> E {
        let meta = ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build();
        make(
            ThrottlingException::builder()
                .message("Rate exceeded")
                .meta(meta)
                .build(),
        )
    }

    #[tokio::test]
    async fn a_task_gets_its_attributes_references_and_transfer() {
        let (attributes, contact, transfer) = (attributes_ok(), contact_ok(), transfer_ok());
        let function = function(&[&attributes, &contact, &transfer]);
        let invocation = function.invoke(event("task.json"), None).await;
        assert_eq!(invocation.answer["status"], "ok", "{:?}", invocation.answer);
        assert_eq!(invocation.answer["transferred"], "true");
        assert_eq!(
            invocation.answer["applied"],
            "UpdateContactAttributes,UpdateContact,TransferContact"
        );
        assert_eq!(invocation.answer["route"], "refunds");
        assert_eq!(
            (
                attributes.num_calls(),
                contact.num_calls(),
                transfer.num_calls()
            ),
            (1, 1, 1)
        );
    }

    #[tokio::test]
    async fn a_failed_update_holds_back_the_transfer_and_is_reported() {
        let attributes = attributes_ok();
        let contact = mock!(Client::update_contact)
            .then_error(|| throttled(UpdateContactError::ThrottlingException));
        let transfer = transfer_ok();
        let function = function(&[&attributes, &contact, &transfer]);
        let invocation = function.invoke(event("task.json"), None).await;
        assert_eq!(invocation.status, Status::Error);
        assert_eq!(invocation.answer["errorCode"], "ThrottlingException");
        assert_eq!(invocation.answer["applied"], "UpdateContactAttributes");
        assert_eq!(
            invocation.answer["notApplied"],
            "UpdateContact,TransferContact"
        );
        assert_eq!(
            invocation.answer["errorMessage"],
            "UpdateContact failed: ThrottlingException: Rate exceeded; applied: UpdateContactAttributes; \
             not attempted: TransferContact"
        );
        assert_eq!(transfer.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_failed_transfer_reports_the_updates_that_were_applied() {
        let (attributes, contact) = (attributes_ok(), contact_ok());
        let transfer = mock!(Client::transfer_contact)
            .then_error(|| throttled(TransferContactError::ThrottlingException));
        let function = function(&[&attributes, &contact, &transfer]);
        let invocation = function.invoke(event("task.json"), None).await;
        assert_eq!(invocation.answer["status"], "error");
        assert_eq!(invocation.answer["transferred"], "false");
        assert_eq!(
            invocation.answer["applied"],
            "UpdateContactAttributes,UpdateContact"
        );
        assert_eq!(invocation.answer["notApplied"], "TransferContact");
    }

    #[tokio::test]
    async fn a_voice_contact_is_updated_and_never_transferred() {
        // The voice contact matches a rule that transfers: the update is made, the transfer
        // is refused without a call, and the answer says why.
        let book = RuleBook::from_source(
            "rule_sets:\n  inbound:\n    - id: route-all\n      actions:\n        \
             set_attributes: {greeting: hello}\n        \
             transfer: {queue_id: q-1, contact_flow_id: f-1}\n",
            "voice.yaml",
        )
        .unwrap();
        let attributes = mock!(Client::update_contact_attributes)
            .match_requests(|request| {
                request
                    .attributes()
                    .is_some_and(|a| a.get("greeting").is_some())
            })
            .then_output(|| UpdateContactAttributesOutput::builder().build());
        let transfer = mock!(Client::transfer_contact)
            .then_output(|| TransferContactOutput::builder().build());
        let function = function_with(book, &[&attributes, &transfer]);
        let invocation = function.invoke(event("voice.json"), None).await;
        assert_eq!(invocation.answer["status"], "ok", "{:?}", invocation.answer);
        assert_eq!(invocation.answer["matchedRules"], "route-all");
        assert_eq!(invocation.answer["transferred"], "false");
        assert_eq!(
            invocation.answer["transferRefused"],
            "rule `route-all`: a VOICE contact cannot be transferred; TransferContact takes TASK and EMAIL contacts only"
        );
        assert_eq!(attributes.num_calls(), 1);
        assert_eq!(transfer.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_dry_run_plans_and_calls_nothing() {
        let function = Function::new(example_book(), None);
        let invocation = function.invoke(event("task.json"), None).await;
        assert_eq!(invocation.answer["dryRun"], "true");
        assert_eq!(invocation.answer["applied"], "");
        assert!(invocation.plan.unwrap().calls.transfer().is_some());
    }

    #[tokio::test]
    async fn a_bad_event_gets_an_error_answer_naming_the_field() {
        let function = Function::new(example_book(), None);
        let invocation = function
            .invoke(serde_json::json!({"Details": {"ContactData": "x"}}), None)
            .await;
        assert_eq!(invocation.answer["errorCode"], "InvalidEvent");
        assert_eq!(
            invocation.answer["errorMessage"],
            "the event is not a Connect flow event: Details.ContactData: invalid type: string, \
             expected an object; nothing was applied"
        );
    }

    #[tokio::test]
    async fn a_panic_is_answered_as_an_error_and_does_not_claim_nothing_was_applied() {
        let invocation = answering_panics(async { panic!("boom") }).await;
        assert_eq!(invocation.answer["status"], "error");
        assert_eq!(invocation.answer["errorCode"], "InternalError");
        assert_eq!(
            invocation.answer["errorMessage"],
            "connect-rules failed unexpectedly (boom); which calls took effect is unknown"
        );
        let fine = answering_panics(async {
            Function::new(example_book(), None)
                .invoke(event("task.json"), None)
                .await
        });
        assert_eq!(fine.await.answer["status"], "ok");
    }

    #[tokio::test]
    async fn raise_mode_turns_errors_into_function_errors() {
        let mut book = example_book();
        book.settings.on_error = OnError::Raise;
        let function = Function::new(book, None);
        let event = LambdaEvent::new(serde_json::json!({}), lambda_runtime::Context::default());
        let error = function.handle(event).await.unwrap_err();
        assert_eq!(error.error_type, "InvalidEvent");
        assert!(error.error_message.starts_with(
            "the event is not a Connect flow event: (top level): missing field `Details`"
        ));
    }

    #[tokio::test]
    async fn raise_mode_raises_an_answer_too_large_for_the_flow() {
        let source = format!(
            "settings: {{on_error: raise}}\nrule_sets:\n  tasks:\n    - id: big\n      actions:\n        \
             return: {{blob: '{}'}}\n",
            "x".repeat(40_000)
        );
        let function = Function::new(RuleBook::from_source(&source, "big.yaml").unwrap(), None);
        let event = LambdaEvent::new(event("task.json"), lambda_runtime::Context::default());
        let error = function.handle(event).await.unwrap_err();
        assert_eq!(error.error_type, "AnswerTooLarge");
        assert!(
            error.error_message.starts_with("the answer took "),
            "{}",
            error.error_message
        );
    }
}
