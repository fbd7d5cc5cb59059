//! The busiest hour: thousands of concurrent invocations of mixed channels through the
//! handler, its real SDK client talking HTTP to the local Connect endpoint, with throttling
//! injected. Every contact must end in exactly the state its rules demand.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use connect_local::contacts::Contact;
use connect_local::{Fault, FaultKind};
use connect_rules::rules::RuleBook;
use serde_json::Value;

mod support;

const CONTACTS_PER_CHANNEL: usize = 500;
const CONCURRENCY: usize = 64;
/// A contact whose answer was `status=error` is invoked again, as a flow's retry would.
const MAX_TRIES: usize = 6;

fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contact_ends_as_its_rules_demand_under_load_and_throttling() {
    let endpoint = Arc::new(support::local_connect().await);
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/rules.yaml");
    let function =
        Arc::new(support::function_against(&endpoint, RuleBook::load(&rules).unwrap()).await);

    let mut events = Vec::new();
    for name in ["voice.json", "chat.json", "task.json", "email.json"] {
        let template = event(name);
        for index in 0..CONTACTS_PER_CHANNEL {
            let mut event = template.clone();
            let data = &mut event["Details"]["ContactData"];
            let id = format!("{}-{index}", data["ContactId"].as_str().unwrap());
            data["ContactId"] = id.clone().into();
            data["InitialContactId"] = id.clone().into();
            endpoint.put_contact(Contact {
                instance_id: "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa".into(),
                contact_id: id,
                channel: data["Channel"].as_str().unwrap().into(),
                active: true,
                attributes: serde_json::from_value(data["Attributes"].clone()).unwrap(),
                ..Contact::default()
            });
            events.push(event);
        }
    }
    // Bursts of throttling across every operation, as an account over its quota sees.
    for _ in 0..40 {
        endpoint.inject(Fault {
            operation: "*".into(),
            kind: FaultKind::Throttle,
            count: 5,
            latency_ms: 0,
        });
        endpoint.inject(Fault {
            operation: "*".into(),
            kind: FaultKind::Latency,
            count: 20,
            latency_ms: 5,
        });
    }

    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::new();
    for event in events.clone() {
        let (function, semaphore) = (function.clone(), semaphore.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire().await.unwrap();
            for attempt in 1..=MAX_TRIES {
                let invocation = function.invoke(event.clone(), None).await;
                if invocation.answer["status"] != "error" {
                    return (attempt, invocation.answer);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("still failing after {MAX_TRIES} tries")
        }));
    }
    let mut retried = 0;
    for task in tasks {
        let (attempts, answer) = task.await.unwrap();
        retried += usize::from(attempts > 1);
        assert_eq!(answer["status"], "ok", "{answer:?}");
    }
    let served = endpoint.served();
    let throttled = served.iter().filter(|s| s.status == 429).count();
    assert!(throttled >= 150, "the throttling was served: {throttled}");
    println!(
        "{} invocations, {} requests, {throttled} throttled, {retried} invocations retried",
        events.len(),
        served.len()
    );

    for event in &events {
        let data = &event["Details"]["ContactData"];
        let contact = endpoint
            .contact(
                "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
                data["ContactId"].as_str().unwrap(),
            )
            .unwrap();
        match data["Channel"].as_str().unwrap() {
            "VOICE" => {
                assert_eq!(contact.attributes["greeting"], "Welcome back, Ana");
                assert_eq!(contact.attributes["priority"], "1");
                assert!(contact.transfers.is_empty());
            }
            "CHAT" => {
                assert_eq!(contact.attributes["promptLanguage"], "es");
                assert!(contact.attributes.contains_key("rulesCheckedAt"));
                assert_eq!(
                    contact.references["crmSearch"].value,
                    "https://crm.example.com/search?name=Jorge"
                );
                assert!(contact.transfers.is_empty());
            }
            "TASK" => {
                assert_eq!(contact.attributes["routedBy"], "connect-rules");
                assert_eq!(contact.references.len(), 3);
                assert_eq!(contact.name.as_deref(), Some("[URGENT] Refund request"));
                assert_eq!(
                    contact.transfers.len(),
                    1,
                    "exactly one transfer: {contact:?}"
                );
            }
            "EMAIL" => {
                assert_eq!(contact.references["replyTo"].value, "billing@example.com");
                assert_eq!(
                    contact.transfers.len(),
                    1,
                    "exactly one transfer: {contact:?}"
                );
            }
            other => panic!("unexpected channel {other}"),
        }
    }
}
