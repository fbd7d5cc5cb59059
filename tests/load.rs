//! The busiest hour: thousands of concurrent invocations of mixed channels through the
//! handler, its real SDK client talking HTTP to the local Connect endpoint, with throttling
//! injected. Every contact must end in exactly the state its rules demand.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use connect_local::contacts::Contact;
use connect_local::fixtures::{event, event_names, example_rules};
use connect_local::{Fault, FaultKind};
use connect_rules::rules::RuleBook;

mod support;

const CONTACTS_PER_EVENT: usize = 500;
const INSTANCE: &str = "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa";
const CONCURRENCY: usize = 64;
/// A contact whose answer was `status=error` is invoked again, as a flow's retry would.
const MAX_TRIES: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contact_ends_as_its_rules_demand_under_load_and_throttling() {
    let endpoint = Arc::new(support::local_connect().await);
    let book = RuleBook::load(&example_rules()).unwrap();
    let function = Arc::new(support::function_against(&endpoint, book).await);

    let mut events = Vec::new();
    for name in event_names() {
        let template = event(&name);
        for index in 0..CONTACTS_PER_EVENT {
            let mut event = template.clone();
            let data = &mut event["Details"]["ContactData"];
            let id = format!("{}-{index}", data["ContactId"].as_str().unwrap());
            data["ContactId"] = id.clone().into();
            data["InitialContactId"] = id.into();
            endpoint.put_contact(Contact::from_event(&event));
            events.push((name.clone(), event));
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
    let mut running = Vec::new();
    for (_, event) in events.clone() {
        let (function, semaphore) = (function.clone(), semaphore.clone());
        running.push(tokio::spawn(async move {
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
    for invocation in running {
        let (attempts, answer) = invocation.await.unwrap();
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

    let mut tasks: HashMap<String, usize> = HashMap::new();
    for task in endpoint
        .contacts(INSTANCE)
        .iter()
        .filter_map(|c| c.task.as_ref())
    {
        for contact_id in task.linked_contacts() {
            *tasks.entry(contact_id.to_owned()).or_default() += 1;
        }
    }
    for (name, event) in &events {
        let contact = endpoint.contact_of(event).unwrap();
        let tasks = tasks.get(&contact.contact_id).copied().unwrap_or_default();
        let follow_up = ["customer-queue.json", "escalated-email.json"];
        if !follow_up.contains(&name.as_str()) {
            assert_eq!(tasks, 0, "{name}: its rules make no task");
        }
        match name.as_str() {
            "voice.json" => {
                assert_eq!(contact.attributes["greeting"], "Welcome back, Ana");
                assert_eq!(contact.attributes["priority"], "1");
                assert!(contact.transfers.is_empty());
            }
            "chat.json" => {
                assert_eq!(contact.attributes["promptLanguage"], "es");
                assert!(contact.attributes.contains_key("rulesCheckedAt"));
                assert_eq!(
                    contact.references["crmSearch"].value,
                    "https://crm.example.com/search?name=Jorge"
                );
                assert!(contact.transfers.is_empty());
            }
            "task.json" => {
                assert_eq!(contact.attributes["routedBy"], "connect-rules");
                assert_eq!(contact.references.len(), 4, "its own and the rule's three");
                assert_eq!(contact.name.as_deref(), Some("[URGENT] Refund request"));
                assert_eq!(
                    contact.transfers.len(),
                    1,
                    "exactly one transfer: {contact:?}"
                );
            }
            "email.json" => {
                assert_eq!(contact.references["replyTo"].value, "billing@example.com");
                assert_eq!(
                    contact.transfers.len(),
                    1,
                    "exactly one transfer: {contact:?}"
                );
            }
            "customer-queue.json" => {
                assert_eq!(contact.queue_priority, Some(1));
                assert_eq!(tasks, 1, "exactly one callback task: {contact:?}");
            }
            "escalated-email.json" => {
                assert_eq!(contact.queue_priority, Some(2));
                assert_eq!(contact.expiry_minutes, Some(4320));
                assert_eq!(tasks, 1, "exactly one review task: {contact:?}");
            }
            other => panic!("no expectation for {other}"),
        }
    }
}
