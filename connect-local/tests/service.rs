//! The local endpoint, driven by the real SDK client over real HTTP: every documented rule
//! accepts the good request and rejects the bad one, as Connect does.

mod common;

use std::collections::HashMap;

use aws_sdk_connect::types::{Reference, ReferenceType};
use common::{client, code, endpoint, INSTANCE};
use connect_local::{Fault, FaultKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn attributes_are_merged_and_an_empty_value_removes_one() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let write = |pairs: &[(&str, &str)]| {
        let attributes: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        connect
            .update_contact_attributes()
            .instance_id(INSTANCE)
            .initial_contact_id("task")
            .set_attributes(Some(attributes))
            .send()
    };
    write(&[("a", "1"), ("b", "2")]).await.unwrap();
    write(&[("b", ""), ("c-d_3", "3")]).await.unwrap();
    let stored = endpoint.contact(INSTANCE, "task").unwrap().attributes;
    assert_eq!(
        stored,
        [("a".into(), "1".into()), ("c-d_3".into(), "3".into())].into()
    );
    let read = connect
        .get_contact_attributes()
        .instance_id(INSTANCE)
        .initial_contact_id("task")
        .send()
        .await
        .unwrap();
    assert_eq!(read.attributes().unwrap().len(), 2);
}

#[tokio::test]
async fn attribute_keys_take_letters_digits_dash_underscore() {
    let endpoint = endpoint().await;
    let error = client(&endpoint)
        .update_contact_attributes()
        .instance_id(INSTANCE)
        .initial_contact_id("task")
        .attributes("bad key", "v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(error), "InvalidParameterException");
}

#[tokio::test]
async fn attributes_are_held_to_32768_bytes_in_all() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let send = |value: String| {
        connect
            .update_contact_attributes()
            .instance_id(INSTANCE)
            .initial_contact_id("task")
            .attributes("k", value)
            .send()
    };
    send("x".repeat(32_767)).await.unwrap();
    assert_eq!(
        code(send("x".repeat(32_768)).await.unwrap_err()),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn unknown_contacts_are_not_found() {
    let endpoint = endpoint().await;
    let error = client(&endpoint)
        .update_contact_attributes()
        .instance_id(INSTANCE)
        .initial_contact_id("nobody")
        .attributes("a", "1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(error), "ResourceNotFoundException");
}

#[tokio::test]
async fn the_model_holds_lengths_and_required_members() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let long_name = connect
        .update_contact()
        .instance_id(INSTANCE)
        .contact_id("task")
        .name("n".repeat(1025))
        .send();
    assert_eq!(
        code(long_name.await.unwrap_err()),
        "InvalidParameterException"
    );
    let long_instance = connect
        .update_contact()
        .instance_id("i".repeat(101))
        .contact_id("task")
        .name("n")
        .send();
    assert_eq!(
        code(long_instance.await.unwrap_err()),
        "InvalidParameterException"
    );
    let no_attributes = connect
        .update_contact_attributes()
        .instance_id(INSTANCE)
        .initial_contact_id("task")
        .send();
    assert_eq!(
        code(no_attributes.await.unwrap_err()),
        "InvalidParameterException"
    );
    let served = endpoint.served();
    assert!(served.iter().all(|s| s.status == 400), "{served:?}");
}

#[tokio::test]
async fn update_contact_needs_a_field_and_holds_references_to_4096_bytes() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let nothing = connect
        .update_contact()
        .instance_id(INSTANCE)
        .contact_id("task")
        .send();
    assert_eq!(code(nothing.await.unwrap_err()), "InvalidRequestException");
    let reference = |value: String| {
        Reference::builder()
            .r#type(ReferenceType::String)
            .value(value)
            .build()
            .unwrap()
    };
    let fits = connect
        .update_contact()
        .instance_id(INSTANCE)
        .contact_id("task")
        .references("r", reference("x".repeat(4_095)));
    fits.send().await.unwrap();
    let over = connect
        .update_contact()
        .instance_id(INSTANCE)
        .contact_id("task")
        .references("s", reference("y".into()));
    assert_eq!(
        code(over.send().await.unwrap_err()),
        "InvalidParameterException"
    );
    let stored = endpoint.contact(INSTANCE, "task").unwrap();
    assert_eq!(stored.references.len(), 1);
}

#[tokio::test]
async fn only_active_task_and_email_contacts_are_transferred() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let transfer = |contact: &str| {
        connect
            .transfer_contact()
            .instance_id(INSTANCE)
            .contact_id(contact)
            .queue_id("q")
            .contact_flow_id("f")
            .send()
    };
    transfer("task").await.unwrap();
    transfer("email").await.unwrap();
    assert_eq!(
        code(transfer("voice").await.unwrap_err()),
        "InvalidRequestException"
    );
    assert_eq!(
        code(transfer("done").await.unwrap_err()),
        "InvalidRequestException"
    );
    assert_eq!(
        endpoint.contact(INSTANCE, "task").unwrap().transfers.len(),
        1
    );
}

#[tokio::test]
async fn a_transfer_names_a_queue_or_a_user_never_both() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let base = || {
        connect
            .transfer_contact()
            .instance_id(INSTANCE)
            .contact_id("task")
            .contact_flow_id("f")
    };
    assert_eq!(
        code(base().queue_id("q").user_id("u").send().await.unwrap_err()),
        "InvalidRequestException"
    );
    assert_eq!(
        code(base().send().await.unwrap_err()),
        "InvalidRequestException"
    );
    base().user_id("u").send().await.unwrap();
}

#[tokio::test]
async fn a_contact_is_transferred_at_most_11_times() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    for _ in 0..11 {
        connect
            .transfer_contact()
            .instance_id(INSTANCE)
            .contact_id("task")
            .queue_id("q")
            .contact_flow_id("f")
            .send()
            .await
            .unwrap();
    }
    let twelfth = connect
        .transfer_contact()
        .instance_id(INSTANCE)
        .contact_id("task")
        .queue_id("q")
        .contact_flow_id("f");
    assert_eq!(
        code(twelfth.send().await.unwrap_err()),
        "ServiceQuotaExceededException"
    );
}

#[tokio::test]
async fn a_client_token_transfers_once_and_binds_its_parameters() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let transfer = |queue: &str| {
        connect
            .transfer_contact()
            .instance_id(INSTANCE)
            .contact_id("task")
            .queue_id(queue)
            .contact_flow_id("f")
            .client_token("token-1")
            .send()
    };
    let first = transfer("q").await.unwrap();
    let again = transfer("q").await.unwrap();
    assert_eq!(first.contact_id(), again.contact_id());
    assert_eq!(
        endpoint.contact(INSTANCE, "task").unwrap().transfers.len(),
        1,
        "the same token transfers once"
    );
    assert_eq!(
        code(transfer("other-queue").await.unwrap_err()),
        "IdempotencyException"
    );
}

#[tokio::test]
async fn requests_must_be_signed_for_connect() {
    let endpoint = endpoint().await;
    let address = endpoint.url().trim_start_matches("http://").to_owned();
    let body = r#"{"InstanceId":"inst-1","InitialContactId":"task","Attributes":{"a":"1"}}"#;
    let request = format!(
        "POST /contact/attributes HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-amzn-errortype: invalidsignatureexception"),
        "{answer}"
    );
    assert!(endpoint
        .contact(INSTANCE, "task")
        .unwrap()
        .attributes
        .is_empty());

    assert!(connect_local::check_signature(Some(
        "AWS4-HMAC-SHA256 Credential=AKID/20261121/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    ))
    .is_err());
}

#[tokio::test]
async fn faults_are_injected_per_operation() {
    let endpoint = endpoint().await;
    let connect = client(&endpoint);
    let fault = |kind, count| Fault {
        operation: "UpdateContactAttributes".into(),
        kind,
        count,
        latency_ms: 0,
    };
    endpoint.inject(fault(FaultKind::Throttle, 1));
    endpoint.inject(fault(FaultKind::ServerError, 1));
    endpoint.inject(fault(FaultKind::DropAfter, 1));
    let write = || {
        connect
            .update_contact_attributes()
            .instance_id(INSTANCE)
            .initial_contact_id("task")
            .attributes("a", "1")
            .send()
    };
    assert_eq!(code(write().await.unwrap_err()), "ThrottlingException");
    assert_eq!(code(write().await.unwrap_err()), "InternalServiceException");
    assert!(write().await.is_err(), "the connection is dropped");
    assert_eq!(
        endpoint.contact(INSTANCE, "task").unwrap().attributes["a"],
        "1",
        "drop_after applied the call"
    );
    write().await.unwrap();
    let statuses: Vec<u16> = endpoint.served().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [429, 500, 200, 200]);

    endpoint.inject(Fault {
        operation: "*".into(),
        kind: FaultKind::Latency,
        count: 1,
        latency_ms: 150,
    });
    let started = std::time::Instant::now();
    write().await.unwrap();
    assert!(started.elapsed().as_millis() >= 150);
}
