//! StartTaskContact, UpdateContactRoutingData and contact expiry, driven by the real SDK
//! client: the rules Connect documents for each, and ClientToken idempotency for tasks.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_connect::primitives::DateTime;
use aws_sdk_connect::types::{Reference, ReferenceType, SegmentAttributeValue};
use common::{client, code, endpoint, INSTANCE};
use connect_local::contacts::MAX_CHAIN;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn expiry(minutes: i32) -> SegmentAttributeValue {
    let duration = SegmentAttributeValue::builder()
        .value_integer(minutes)
        .build();
    SegmentAttributeValue::builder()
        .value_map("ExpiryDuration", duration)
        .build()
}

fn reference(kind: ReferenceType, value: &str) -> Reference {
    Reference::builder()
        .r#type(kind)
        .value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_task_is_a_new_contact_with_what_the_request_gave_it() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let at = now() + 3600;
    let created = connect
        .start_task_contact()
        .instance_id(INSTANCE)
        .name("Call back")
        .description("asked for a call back")
        .task_template_id("template-1")
        .previous_contact_id("voice")
        .attributes("reason", "callback")
        .references(
            "crm",
            reference(ReferenceType::Url, "https://crm.example.com/1"),
        )
        .scheduled_time(DateTime::from_secs(at))
        .segment_attributes("connect:ContactExpiry", expiry(2880))
        .send()
        .await
        .unwrap();
    let id = created.contact_id().unwrap();
    let task = endpoint.contact(INSTANCE, id).unwrap();
    assert_eq!((task.channel.as_str(), task.active), ("TASK", true));
    assert_eq!(task.name.as_deref(), Some("Call back"));
    assert_eq!(task.attributes["reason"], "callback");
    assert_eq!(task.references["crm"].kind, "URL");
    assert_eq!(task.expiry_minutes, Some(2880));
    let start = task.task.unwrap();
    assert_eq!(start.task_template_id.as_deref(), Some("template-1"));
    assert_eq!(start.previous_contact_id.as_deref(), Some("voice"));
    assert_eq!(start.scheduled_time, Some(at as f64));
    assert_eq!(
        endpoint.contacts(INSTANCE).len(),
        6,
        "five seeded and the task"
    );
}

#[tokio::test]
async fn a_task_runs_by_exactly_one_of_flow_quick_connect_and_template() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let none = connect.start_task_contact().instance_id(INSTANCE).name("t");
    assert_eq!(
        code(none.send().await.unwrap_err()),
        "InvalidRequestException"
    );
    let two = connect
        .start_task_contact()
        .instance_id(INSTANCE)
        .name("t")
        .contact_flow_id("flow-1")
        .quick_connect_id("qc-1");
    assert_eq!(
        code(two.send().await.unwrap_err()),
        "InvalidRequestException"
    );
    let one = connect
        .start_task_contact()
        .instance_id(INSTANCE)
        .name("t")
        .quick_connect_id("qc-1");
    assert!(one.send().await.is_ok());
}

#[tokio::test]
async fn a_task_takes_no_attachment_and_no_schedule_in_the_past_or_past_six_days() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let task = || {
        connect
            .start_task_contact()
            .instance_id(INSTANCE)
            .name("t")
            .contact_flow_id("flow-1")
    };
    let attachment = task().references("a", reference(ReferenceType::Attachment, "x"));
    assert_eq!(
        code(attachment.send().await.unwrap_err()),
        "InvalidParameterException"
    );
    for at in [now() - 60, now() + 6 * 24 * 3600 + 60] {
        let scheduled = task().scheduled_time(DateTime::from_secs(at));
        assert_eq!(
            code(scheduled.send().await.unwrap_err()),
            "InvalidParameterException"
        );
    }
    let in_range = task().scheduled_time(DateTime::from_secs(now() + 6 * 24 * 3600 - 60));
    assert!(in_range.send().await.is_ok());
    assert_eq!(
        endpoint.contacts(INSTANCE).len(),
        6,
        "only the good one was made"
    );
}

#[tokio::test]
async fn a_related_task_copies_attributes_and_a_chain_holds_twelve() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    connect
        .update_contact_attributes()
        .instance_id(INSTANCE)
        .initial_contact_id("voice")
        .attributes("tier", "gold")
        .send()
        .await
        .unwrap();
    let task = |link: &str| {
        let request = connect
            .start_task_contact()
            .instance_id(INSTANCE)
            .name("t")
            .contact_flow_id("flow-1");
        match link {
            "related" => request.related_contact_id("voice"),
            _ => request.previous_contact_id("voice"),
        }
    };
    let related = task("related").send().await.unwrap();
    let related = endpoint
        .contact(INSTANCE, related.contact_id().unwrap())
        .unwrap();
    assert_eq!(related.attributes["tier"], "gold");
    for _ in 0..MAX_CHAIN {
        task("previous").send().await.unwrap();
    }
    let error = task("previous").send().await.unwrap_err();
    assert_eq!(code(error), "ServiceQuotaExceededException");
    assert!(
        task("related").send().await.is_ok(),
        "related tasks have no limit"
    );
    let unknown = connect
        .start_task_contact()
        .instance_id(INSTANCE)
        .name("t")
        .contact_flow_id("flow-1")
        .previous_contact_id("nobody");
    assert_eq!(
        code(unknown.send().await.unwrap_err()),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn a_client_token_starts_one_task_and_binds_its_request() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let task = |name: &str| {
        connect
            .start_task_contact()
            .instance_id(INSTANCE)
            .name(name)
            .contact_flow_id("flow-1")
            .client_token("token-1")
    };
    let first = task("t").send().await.unwrap();
    let again = task("t").send().await.unwrap();
    assert_eq!(first.contact_id(), again.contact_id());
    assert_eq!(endpoint.contacts(INSTANCE).len(), 6);
    assert_eq!(
        code(task("other").send().await.unwrap_err()),
        "IdempotencyException"
    );
}

#[tokio::test]
async fn routing_priority_is_set_only_on_a_queued_contact() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let route = |contact: &str| {
        connect
            .update_contact_routing_data()
            .instance_id(INSTANCE)
            .contact_id(contact)
            .queue_priority(2)
    };
    route("queued").send().await.unwrap();
    assert_eq!(
        endpoint.contact(INSTANCE, "queued").unwrap().queue_priority,
        Some(2)
    );
    assert_eq!(
        code(route("voice").send().await.unwrap_err()),
        "ResourceConflictException"
    );
    assert_eq!(
        code(route("nobody").send().await.unwrap_err()),
        "ResourceNotFoundException"
    );
    let zero = connect
        .update_contact_routing_data()
        .instance_id(INSTANCE)
        .contact_id("queued")
        .queue_priority(0);
    assert_eq!(
        code(zero.send().await.unwrap_err()),
        "InvalidParameterException",
        "the model's minimum is 1"
    );
}

#[tokio::test]
async fn contact_expiry_is_set_on_tasks_and_emails_only() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let expire = |contact: &str, segment: &str, minutes: i32| {
        connect
            .update_contact()
            .instance_id(INSTANCE)
            .contact_id(contact)
            .segment_attributes(segment, expiry(minutes))
    };
    for contact in ["task", "email"] {
        expire(contact, "connect:ContactExpiry", 4320)
            .send()
            .await
            .unwrap();
        assert_eq!(
            endpoint.contact(INSTANCE, contact).unwrap().expiry_minutes,
            Some(4320)
        );
    }
    let voice = expire("voice", "connect:ContactExpiry", 60).send().await;
    assert_eq!(code(voice.unwrap_err()), "InvalidRequestException");
    let other = expire("task", "connect:Subtype", 60).send().await;
    assert_eq!(code(other.unwrap_err()), "InvalidParameterException");
    let zero = expire("task", "connect:ContactExpiry", 0).send().await;
    assert_eq!(code(zero.unwrap_err()), "InvalidParameterException");
}
