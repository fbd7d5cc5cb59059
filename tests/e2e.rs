//! End to end, as Lambda runs the function: the real binary under the Runtime Interface
//! Emulator against the local Connect endpoint, for every event in `events/` and every
//! action of the example rules.

mod emulator;

use connect_local::contacts::Contact;
use connect_local::fixtures::{event, event_names, workspace};
use connect_local::Served;
use emulator::{endpoint, Lambda};
use serde_json::Value;

fn operations(served: &[Served]) -> Vec<&str> {
    served.iter().map(|s| s.operation.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_is_updated_and_transferred_once_even_when_invoked_twice() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let task = event("task.json");
    let answer = lambda.invoke(&task).await;
    assert_eq!(answer["status"], "ok", "{answer}\n{}", lambda.output());
    assert_eq!(answer["transferred"], "true");
    assert_eq!(
        answer["applied"],
        "UpdateContactAttributes,UpdateContact,TransferContact"
    );

    let served = endpoint.served();
    let mut calls = operations(&served);
    calls[..2].sort();
    assert_eq!(
        calls,
        [
            "UpdateContact",
            "UpdateContactAttributes",
            "TransferContact"
        ],
        "the transfer comes last"
    );
    assert!(served.iter().all(|s| s.status == 200), "{served:#?}");
    let transfer = &served[2].input;
    assert_eq!(transfer["QueueId"], "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    assert_eq!(
        transfer["ContactFlowId"],
        "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
    );
    assert_eq!(transfer["ClientToken"].as_str().unwrap().len(), 64);

    let contact = endpoint.contact_of(&task).unwrap();
    assert_eq!(contact.attributes["routedBy"], "connect-rules");
    assert_eq!(
        contact.attributes["caseId"], "CASE-2024/0815",
        "existing attributes are kept"
    );
    assert_eq!(
        contact.references["case"].value,
        "https://crm.example.com/cases/CASE-2024%2F0815"
    );
    assert_eq!(contact.references["case"].kind, "URL");
    assert_eq!(contact.name.as_deref(), Some("[URGENT] Refund request"));
    assert_eq!(contact.transfers.len(), 1);

    let again = lambda.invoke(&task).await;
    assert_eq!(again["status"], "ok", "{again}");
    assert_eq!(
        again["transferred"], "true",
        "the repeated transfer is reported as done"
    );
    let contact = endpoint.contact_of(&task).unwrap();
    assert_eq!(
        contact.transfers.len(),
        1,
        "Connect's retry did not transfer twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_in_events_is_answered_with_the_calls_its_rules_demand() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let expected: [(&str, &[&str]); 6] = [
        (
            "customer-queue.json",
            &["StartTaskContact", "UpdateContactRoutingData"],
        ),
        ("voice.json", &["UpdateContactAttributes"]),
        ("chat.json", &["UpdateContact", "UpdateContactAttributes"]),
        (
            "task.json",
            &[
                "TransferContact",
                "UpdateContact",
                "UpdateContactAttributes",
            ],
        ),
        ("email.json", &["TransferContact", "UpdateContact"]),
        (
            "escalated-email.json",
            &[
                "StartTaskContact",
                "UpdateContact",
                "UpdateContactRoutingData",
            ],
        ),
    ];
    assert_eq!(expected.len(), event_names().len(), "every event is here");
    for (name, operations_expected) in expected {
        endpoint.clear_served();
        let answer = lambda.invoke(&event(name)).await;
        assert_eq!(
            answer["status"],
            "ok",
            "{name}: {answer}\n{}",
            lambda.output()
        );
        assert!(
            answer.as_object().unwrap().values().all(Value::is_string),
            "{name}: a flat string map"
        );
        let served = endpoint.served();
        let mut made = operations(&served);
        made.sort();
        assert_eq!(made, operations_expected, "{name}");
        assert!(
            served.iter().all(|s| s.status == 200),
            "{name}: {served:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_voice_contact_is_never_transferred() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let mut voice = event("voice.json");
    // The task rule set on a voice contact: its transfer must be refused, not attempted.
    voice["Details"]["Parameters"]["ruleSet"] = "tasks".into();
    voice["Details"]["ContactData"]["Attributes"]["region"] = "EMEA".into();
    voice["Details"]["Parameters"]["agentId"] = "agent-7".into();
    let answer = lambda.invoke(&voice).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert_eq!(answer["transferred"], "false");
    assert!(answer["transferRefused"]
        .as_str()
        .unwrap()
        .contains("a VOICE contact cannot be transferred"));
    assert!(!operations(&endpoint.served()).contains(&"TransferContact"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_makes_no_call() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[("DRY_RUN", "true")]);
    for name in event_names() {
        let answer = lambda.invoke(&event(&name)).await;
        assert_eq!(answer["dryRun"], "true", "{name}: {answer}");
        assert_eq!(answer["applied"], "");
    }
    assert_eq!(endpoint.served(), []);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rules_file_error_fails_the_cold_start_with_its_report() {
    let endpoint = endpoint().await;
    let rules = workspace().join("tests/data/five-mistakes.yaml");
    let lambda = Lambda::start(&endpoint, &[("RULES_FILE", rules.to_str().unwrap())]);
    let (_, body) = lambda.invoke_raw(&event("task.json")).await;
    assert!(
        !body.contains("\"status\""),
        "no answer comes from a function that did not start: {body}"
    );
    let output = lambda.output();
    assert!(output.contains("Runtime.ExitError"), "{output}");
    assert!(
        output.contains("connect-rules: cold start failed:"),
        "{output}"
    );
    for line in [7, 11, 14, 21, 25] {
        assert!(
            output.contains(&format!("five-mistakes.yaml:{line}: ")),
            "line {line} in:\n{output}"
        );
    }
    assert!(output.contains("five-mistakes.yaml: 5 problems"));
    assert_eq!(endpoint.served(), []);
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_never_hold_endpoint_addresses_or_attribute_values() {
    let endpoint = endpoint().await;
    let secrets = [
        "+15555550100",
        "+15555550199",
        "ana.customer@example.com",
        "Welcome back, Ana",
        "CASE-2024/0815",
        "Jorge",
        // What tasks are made of: their names, descriptions and references.
        "Call back Ana",
        "Formal complaint",
        "Escalated as complaint",
        "AC-10442",
        "crm.example.com",
    ];
    for level in ["DEBUG", "INFO", "WARN", "ERROR"] {
        for format in ["JSON", "Text"] {
            let lambda = Lambda::start(
                &endpoint,
                &[
                    ("AWS_LAMBDA_LOG_LEVEL", level),
                    ("AWS_LAMBDA_LOG_FORMAT", format),
                ],
            );
            for name in event_names() {
                lambda.invoke(&event(&name)).await;
            }
            let output = lambda.output();
            if level == "DEBUG" || level == "INFO" {
                assert!(
                    output.contains("urgent-refund"),
                    "{level} {format}: one summary line per invocation:\n{output}"
                );
            }
            for secret in secrets {
                assert!(
                    !output.contains(secret),
                    "{level} {format}: `{secret}` is in the logs:\n{output}"
                );
            }
        }
    }
}

/// Waits out the end of a minute: a task scheduled `after_minutes` is timed from the start of
/// the current minute, so invocations meant to send identical requests stay inside one.
fn within_one_minute() {
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second >= 45 {
        std::thread::sleep(std::time::Duration::from_secs(61 - second));
    }
}

/// The tasks this endpoint started whose request linked them to `contact_id`.
fn tasks_for(
    endpoint: &connect_local::LocalConnect,
    event: &Value,
    contact_id: &str,
) -> Vec<Contact> {
    let instance = Contact::from_event(event).instance_id;
    endpoint
        .contacts(&instance)
        .into_iter()
        .filter(|c| {
            c.task
                .as_ref()
                .is_some_and(|t| t.linked_contacts().any(|id| id == contact_id))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalated_email_gets_one_review_task_one_priority_and_one_expiry_however_often_it_is_invoked(
) {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let email = event("escalated-email.json");
    let email_id = Contact::from_event(&email).contact_id;
    within_one_minute();
    let first = lambda.invoke(&email).await;
    assert_eq!(first["status"], "ok", "{first}\n{}", lambda.output());
    assert_eq!(first["route"], "escalated");
    assert_eq!(
        first["applied"],
        "UpdateContact,UpdateContactRoutingData,StartTaskContact:case-review"
    );
    for _ in 0..3 {
        assert_eq!(
            lambda.invoke(&email).await,
            first,
            "Connect's re-invocation"
        );
    }

    let tasks = tasks_for(&endpoint, &email, &email_id);
    assert_eq!(tasks.len(), 1, "one task: {tasks:#?}");
    let task = &tasks[0];
    assert_eq!(first["task_case-review"], task.contact_id.as_str());
    let start = task.task.as_ref().unwrap();
    assert_eq!(
        start.task_template_id.as_deref(),
        Some("4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d")
    );
    assert_eq!(start.related_contact_id.as_deref(), Some(email_id.as_str()));
    assert_eq!(
        task.name.as_deref(),
        Some("Review: Formal complaint about order 7781")
    );
    assert_eq!(
        task.attributes["escalation"], "complaint",
        "copied from the related email"
    );
    assert_eq!(
        task.references["email"].value,
        format!("https://crm.example.com/emails/{email_id}")
    );
    assert_eq!(task.expiry_minutes, Some(4320));
    let minutes_ahead = (start.scheduled_time.unwrap() as u64).saturating_sub(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    ) / 60;
    assert!((238..=240).contains(&minutes_ahead), "{minutes_ahead}");

    let contact = endpoint.contact_of(&email).unwrap();
    assert_eq!(contact.queue_priority, Some(2), "from escalationPriority");
    assert_eq!(
        contact.expiry_minutes,
        Some(4320),
        "from the block's expiryMinutes"
    );
    assert_eq!(
        contact.queue_time_adjustment_seconds, 0,
        "no age is ever adjusted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_waiting_in_the_queue_gets_a_priority_and_a_linked_callback_task() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let call = event("customer-queue.json");
    let call_id = Contact::from_event(&call).contact_id;
    let answer = lambda.invoke(&call).await;
    assert_eq!(answer["status"], "ok", "{answer}\n{}", lambda.output());
    assert_eq!(answer["route"], "callback");
    assert_eq!(endpoint.contact_of(&call).unwrap().queue_priority, Some(1));
    let tasks = tasks_for(&endpoint, &call, &call_id);
    assert_eq!(tasks.len(), 1);
    let (task, start) = (&tasks[0], tasks[0].task.as_ref().unwrap());
    assert_eq!(answer["task_callback"], task.contact_id.as_str());
    assert_eq!(start.previous_contact_id.as_deref(), Some(call_id.as_str()));
    assert_eq!(
        start.contact_flow_id.as_deref(),
        Some("9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a")
    );
    assert_eq!(task.name.as_deref(), Some("Call back Ana"));
    assert_eq!(task.attributes["reason"], "callback");
    assert_eq!(task.references["account"].value, "AC-10442");
    assert_eq!(task.expiry_minutes, None, "the rule sets none");
}

#[tokio::test(flavor = "multi_thread")]
async fn expiry_and_routing_are_refused_where_connect_does_not_take_them() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    // An escalated chat: Connect documents expiry for tasks and emails only.
    let mut chat = event("escalated-email.json");
    chat["Details"]["ContactData"]["Channel"] = "CHAT".into();
    chat["Details"]["ContactData"]["ContactId"] = "escalated-chat".into();
    chat["Details"]["ContactData"]["InitialContactId"] = "escalated-chat".into();
    endpoint.put_contact(Contact::from_event(&chat));
    let answer = lambda.invoke(&chat).await;
    assert_eq!(answer["status"], "ok", "{answer}\n{}", lambda.output());
    assert!(
        answer["expiryRefused"].as_str().unwrap().contains("CHAT"),
        "{answer}"
    );
    assert!(!operations(&endpoint.served()).contains(&"UpdateContact"));
    assert_eq!(endpoint.contact_of(&chat).unwrap().queue_priority, Some(2));

    // The same call before it is queued: no priority to set.
    endpoint.clear_served();
    let mut unqueued = event("customer-queue.json");
    unqueued["Details"]["ContactData"]["Queue"] = Value::Null;
    endpoint.put_contact(Contact::from_event(&unqueued));
    let answer = lambda.invoke(&unqueued).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert!(
        answer["routingRefused"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{answer}"
    );
    assert_eq!(operations(&endpoint.served()), ["StartTaskContact"]);
    assert_eq!(endpoint.contact_of(&unqueued).unwrap().queue_priority, None);
}
