//! Connect misbehaving, end to end under the Runtime Interface Emulator: throttling, server
//! errors, a hung endpoint, answers lost after Connect applied a call. The caller always gets
//! an answer inside the block's timeout, and nothing is done twice.

mod emulator;

use std::time::{Duration, Instant};

use connect_local::fixtures::event;
use connect_local::{Fault, FaultKind, Served};
use emulator::{endpoint, Lambda};

fn fault(operation: &str, kind: FaultKind, count: u32, latency_ms: u64) -> Fault {
    Fault {
        operation: operation.into(),
        kind,
        count,
        latency_ms,
    }
}

fn statuses(served: &[Served], operation: &str) -> Vec<u16> {
    served
        .iter()
        .filter(|s| s.operation == operation)
        .map(|s| s.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_inside_the_budget() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("UpdateContactAttributes", FaultKind::Throttle, 2, 0));
    let answer = lambda.invoke(&event("task.json")).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert_eq!(
        statuses(&endpoint.served(), "UpdateContactAttributes"),
        [429, 429, 200]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_server_errors_are_answered_as_errors_with_what_was_applied() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("TransferContact", FaultKind::ServerError, 100, 0));
    let started = Instant::now();
    let answer = lambda.invoke(&event("task.json")).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "inside the block's 3 s"
    );
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["errorCode"], "InternalServiceException");
    assert_eq!(answer["applied"], "UpdateContactAttributes,UpdateContact");
    assert_eq!(answer["notApplied"], "TransferContact");
    assert_eq!(answer["transferred"], "false");
    assert_eq!(
        statuses(&endpoint.served(), "TransferContact"),
        [500, 500, 500],
        "3 attempts, no more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_connect_still_gets_the_caller_an_answer_in_time() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("UpdateContact", FaultKind::Latency, 100, 10_000));
    let started = Instant::now();
    let answer = lambda.invoke(&event("task.json")).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["applied"], "UpdateContactAttributes");
    assert_eq!(answer["notApplied"], "UpdateContact,TransferContact");
    assert_eq!(answer["errorCode"], "Timeout", "{answer}");
    // The function's own deadline ends the call, never the SDK's: one message, which says
    // what the flow needs to know.
    let message = answer["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("the call may or may not have taken effect"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_dropped_after_applying_then_retried_by_connect_happens_once() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let task = event("task.json");
    endpoint.inject(fault("TransferContact", FaultKind::DropAfter, 1, 0));
    lambda.invoke(&task).await;
    let answer = lambda.invoke(&task).await;
    assert_eq!(answer["transferred"], "true", "{answer}");
    let contact = endpoint.contact_of(&task).unwrap();
    assert_eq!(contact.transfers.len(), 1, "{:#?}", endpoint.served());
}

#[tokio::test(flavor = "multi_thread")]
async fn client_errors_are_not_retried() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let mut voice = event("voice.json");
    // A contact Connect does not know: 404, which no retry can fix.
    voice["Details"]["ContactData"]["ContactId"] = "unknown-contact".into();
    voice["Details"]["ContactData"]["InitialContactId"] = "unknown-contact".into();
    let answer = lambda.invoke(&voice).await;
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["errorCode"], "ResourceNotFoundException");
    assert_eq!(
        statuses(&endpoint.served(), "UpdateContactAttributes"),
        [404]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_made_but_its_answer_lost_then_retried_by_connect_is_made_once() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let call = event("customer-queue.json");
    let instance = connect_local::contacts::Contact::from_event(&call).instance_id;
    let before = endpoint.contacts(&instance).len();
    endpoint.inject(fault("StartTaskContact", FaultKind::DropAfter, 1, 0));
    let first = lambda.invoke(&call).await;
    let again = lambda.invoke(&call).await;
    assert_eq!(again["status"], "ok", "{again}");
    assert_eq!(
        endpoint.contacts(&instance).len(),
        before + 1,
        "one task: {first}\n{:#?}",
        endpoint.served()
    );
    let made = statuses(&endpoint.served(), "StartTaskContact");
    assert!(made.len() >= 2, "the request was sent again: {made:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_tasks_and_routing_are_retried_inside_the_budget() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    for operation in ["StartTaskContact", "UpdateContactRoutingData"] {
        endpoint.inject(fault(operation, FaultKind::Throttle, 2, 0));
    }
    let started = Instant::now();
    let answer = lambda.invoke(&event("escalated-email.json")).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "inside the block's 3 s"
    );
    assert_eq!(answer["status"], "ok", "{answer}");
    let served = endpoint.served();
    for operation in ["StartTaskContact", "UpdateContactRoutingData"] {
        assert_eq!(statuses(&served, operation), [429, 429, 200], "{operation}");
    }
}
