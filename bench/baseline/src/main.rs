//! The floor connect-rules is measured against: a function written the plain way, by hand.
//! Its client comes from `aws_config`'s default loader and `Client::new`, with the SDK's
//! defaults; it makes the calls it is given, the updates together, then the transfer. Its
//! event is a plan's calls as `connect-rules invoke` prints them, so it has no rules, no
//! checks and no answer logic, and it shares no code with connect-rules.

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_connect::types::{Reference, ReferenceType};
use aws_sdk_connect::Client;
use futures_util::future::{try_join_all, BoxFuture, FutureExt};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use tokio::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let client = &client;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let started = Instant::now();
        let calls = &event.payload;
        let mut updates: Vec<BoxFuture<'_, Result<(), Error>>> = Vec::new();
        for (operation, call) in calls
            .as_object()
            .ok_or("the event is not an object of calls")?
        {
            match operation.as_str() {
                "UpdateContactAttributes" => updates.push(attributes(client, call).boxed()),
                "UpdateContact" => updates.push(contact(client, call).boxed()),
                "TransferContact" => {}
                other => return Err(format!("the baseline makes no {other} call").into()),
            }
        }
        let applied = updates.len();
        try_join_all(updates).await?;
        let transfers = match calls.get("TransferContact") {
            Some(call) => transfer(client, call).await.map(|()| 1)?,
            None => 0,
        };
        // How long the calls took as the SDK saw them, without the emulator and the runtime:
        // for a one-call plan, one Connect call's latency.
        let calls_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok::<Value, Error>(json!({ "applied": applied + transfers, "calls_ms": calls_ms }))
    }))
    .await
}

fn text<'a>(call: &'a Value, member: &str) -> Option<&'a str> {
    call.get(member).and_then(Value::as_str)
}

async fn attributes(client: &Client, call: &Value) -> Result<(), Error> {
    let attributes: HashMap<String, String> = call["Attributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect();
    client
        .update_contact_attributes()
        .set_instance_id(text(call, "InstanceId").map(str::to_owned))
        .set_initial_contact_id(text(call, "InitialContactId").map(str::to_owned))
        .set_attributes(Some(attributes))
        .send()
        .await?;
    Ok(())
}

async fn contact(client: &Client, call: &Value) -> Result<(), Error> {
    let mut references = HashMap::new();
    for (name, reference) in call["References"].as_object().into_iter().flatten() {
        let kind = ReferenceType::from(text(reference, "Type").unwrap_or_default());
        let value = text(reference, "Value").unwrap_or_default();
        references.insert(
            name.clone(),
            Reference::builder().r#type(kind).value(value).build()?,
        );
    }
    client
        .update_contact()
        .set_instance_id(text(call, "InstanceId").map(str::to_owned))
        .set_contact_id(text(call, "ContactId").map(str::to_owned))
        .set_name(text(call, "Name").map(str::to_owned))
        .set_description(text(call, "Description").map(str::to_owned))
        .set_references(Some(references).filter(|r| !r.is_empty()))
        .send()
        .await?;
    Ok(())
}

async fn transfer(client: &Client, call: &Value) -> Result<(), Error> {
    client
        .transfer_contact()
        .set_instance_id(text(call, "InstanceId").map(str::to_owned))
        .set_contact_id(text(call, "ContactId").map(str::to_owned))
        .set_queue_id(text(call, "QueueId").map(str::to_owned))
        .set_user_id(text(call, "UserId").map(str::to_owned))
        .set_contact_flow_id(text(call, "ContactFlowId").map(str::to_owned))
        .set_client_token(text(call, "ClientToken").map(str::to_owned))
        .send()
        .await?;
    Ok(())
}
