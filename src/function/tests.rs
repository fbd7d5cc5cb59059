use super::*;
use aws_sdk_connect::config::retry::RetryConfig;
use aws_sdk_connect::error::ErrorMetadata;
use aws_sdk_connect::operation::start_task_contact::{
    StartTaskContactError, StartTaskContactOutput,
};
use aws_sdk_connect::operation::transfer_contact::{TransferContactError, TransferContactOutput};
use aws_sdk_connect::operation::update_contact::{UpdateContactError, UpdateContactOutput};
use aws_sdk_connect::operation::update_contact_attributes::UpdateContactAttributesOutput;
use aws_sdk_connect::operation::update_contact_routing_data::UpdateContactRoutingDataOutput;
use aws_sdk_connect::types::error::ThrottlingException;
use aws_sdk_connect::types::ReferenceType as SdkReferenceType;
use aws_sdk_connect::Client;
use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule as MockRule, RuleMode};
use connect_local::fixtures::{event, example_rules};

fn example_book() -> RuleBook {
    RuleBook::load(&example_rules()).unwrap()
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
                && references["case"].value() == "https://crm.example.com/cases/CASE-2024%2F0815"
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
    let transfer =
        mock!(Client::transfer_contact).then_output(|| TransferContactOutput::builder().build());
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

/// An event as the runtime hands it to the handler.
fn text(event: Value) -> Box<RawValue> {
    RawValue::from_string(event.to_string()).unwrap()
}

#[tokio::test]
async fn the_runtimes_text_is_answered_as_the_same_event_read_as_a_value() {
    let mut texts: Vec<String> = connect_local::fixtures::event_names()
        .iter()
        .map(|name| event(name).to_string())
        .collect();
    let task = event("task.json").to_string();
    texts.extend([
        r#"{"Details": {"ContactData": {"ContactId": 7}}}"#.to_owned(),
        r#"{"Details": {"ContactData": "x"}}"#.to_owned(),
        "[]".to_owned(),
        // A field given twice: the direct read refuses it, a `Value` keeps the last.
        format!(r#"{{"Details": {{"ContactData": {{}}}}, {}"#, &task[1..]),
    ]);
    let function = Function::new(example_book(), None);
    for text in texts {
        let context = lambda_runtime::Context::default();
        let payload = RawValue::from_string(text.clone()).unwrap();
        let answered = function
            .handle(LambdaEvent::new(payload, context))
            .await
            .unwrap();
        let value = serde_json::from_str(&text).unwrap();
        let expected = function.invoke(value, None).await.answer;
        assert_eq!(answered, expected, "{text}");
    }
}

#[tokio::test]
async fn raise_mode_turns_errors_into_function_errors() {
    let mut book = example_book();
    book.settings.on_error = OnError::Raise;
    let function = Function::new(book, None);
    let event = LambdaEvent::new(
        text(serde_json::json!({})),
        lambda_runtime::Context::default(),
    );
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
    let event = LambdaEvent::new(text(event("task.json")), lambda_runtime::Context::default());
    let error = function.handle(event).await.unwrap_err();
    assert_eq!(error.error_type, "AnswerTooLarge");
    assert!(
        error.error_message.starts_with("the answer took "),
        "{}",
        error.error_message
    );
}

const ESCALATED_EMAIL: &str = "3f9a2d71-6c4e-4b0a-8e5d-1c7b9a2f6e03";

fn expiry_ok() -> MockRule {
    mock!(Client::update_contact)
        .match_requests(|request| {
            let expiry = request
                .segment_attributes()
                .and_then(|s| s.get("connect:ContactExpiry"))
                .and_then(|e| e.value_map())
                .and_then(|m| m.get("ExpiryDuration"))
                .and_then(|d| d.value_integer());
            request.contact_id() == Some(ESCALATED_EMAIL) && expiry == Some(4320)
        })
        .then_output(|| UpdateContactOutput::builder().build())
}

fn routing_ok() -> MockRule {
    mock!(Client::update_contact_routing_data)
        .match_requests(|request| {
            request.contact_id() == Some(ESCALATED_EMAIL) && request.queue_priority() == Some(2)
        })
        .then_output(|| UpdateContactRoutingDataOutput::builder().build())
}

/// StartTaskContact for the review task, answered by `answer`.
fn review_task(
    answer: fn() -> MockResponse<StartTaskContactOutput, StartTaskContactError>,
) -> MockRule {
    mock!(Client::start_task_contact)
        .match_requests(|request| {
            request.task_template_id() == Some("4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d")
                && request.related_contact_id() == Some(ESCALATED_EMAIL)
                && request.previous_contact_id().is_none()
                && request
                    .client_token()
                    .is_some_and(|token| token.len() == 64)
                && request.scheduled_time().is_some()
        })
        .then_compute_response(move |_| answer())
}

/// The answer to the escalated email, Connect answering as `rules` say.
async fn escalated_email(rules: &[&MockRule]) -> Answer {
    let invocation = function(rules)
        .invoke(event("escalated-email.json"), None)
        .await;
    invocation.answer
}

#[tokio::test]
async fn an_escalated_email_answers_with_its_new_task_id() {
    let task = review_task(|| {
        MockResponse::Output(
            StartTaskContactOutput::builder()
                .contact_id("task-7")
                .build(),
        )
    });
    let (expiry, routing) = (expiry_ok(), routing_ok());
    let answer = escalated_email(&[&expiry, &routing, &task]).await;
    assert_eq!(answer["status"], "ok", "{answer:?}");
    assert_eq!(answer["task_case-review"], "task-7");
    assert_eq!(
        answer["applied"],
        "UpdateContact,UpdateContactRoutingData,StartTaskContact:case-review"
    );
    let calls = [&expiry, &routing, &task].map(|rule| rule.num_calls());
    assert_eq!(calls, [1, 1, 1]);
}

#[tokio::test]
async fn a_task_connect_already_made_for_this_token_is_not_an_error() {
    let task = review_task(|| {
        let meta = ErrorMetadata::builder()
            .code("IdempotencyException")
            .build();
        MockResponse::Error(StartTaskContactError::generic(meta))
    });
    let answer = escalated_email(&[&expiry_ok(), &routing_ok(), &task]).await;
    assert_eq!(answer["status"], "ok", "{answer:?}");
    assert_eq!(
        answer["task_case-review"], "",
        "made earlier: its id is not known"
    );
    assert!(answer["applied"].contains("StartTaskContact:case-review"));
}

#[tokio::test]
async fn a_failed_task_is_reported_and_holds_back_nothing_else() {
    let task = review_task(|| {
        let meta = ErrorMetadata::builder()
            .code("ServiceQuotaExceededException")
            .message("too many tasks")
            .build();
        MockResponse::Error(StartTaskContactError::generic(meta))
    });
    let answer = escalated_email(&[&expiry_ok(), &routing_ok(), &task]).await;
    assert_eq!(answer["status"], "error", "{answer:?}");
    assert_eq!(answer["errorCode"], "ServiceQuotaExceededException");
    assert_eq!(answer["applied"], "UpdateContact,UpdateContactRoutingData");
    assert_eq!(answer["notApplied"], "StartTaskContact:case-review");
    assert!(!answer.contains_key("task_case-review"));
}
