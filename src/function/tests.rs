use super::*;
use aws_sdk_connect::config::retry::RetryConfig;
use aws_sdk_connect::error::ErrorMetadata;
use aws_sdk_connect::operation::transfer_contact::{TransferContactError, TransferContactOutput};
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
