//! A test case's inline contact as the flow event Connect would send: what the case gives,
//! and for the rest what a contact of its channel really carries.

use serde_json::{json, Map, Value};

use super::file::{ContactFile, EndpointFile, QueueFile};
use crate::template::Text;

const INSTANCE_ARN: &str =
    "arn:aws:connect:us-east-1:111122223333:instance/00000000-0000-4000-8000-00000000aaaa";
const CONTACT_ID: &str = "00000000-0000-4000-8000-00000000c001";

/// The event for `contact`; `channel` is already checked to be one Connect sends.
pub(super) fn event(contact: &ContactFile, channel: &str) -> Value {
    let text = |value: &Option<Text>| value.as_ref().map(|text| text.0.clone());
    let contact_id = text(&contact.contact_id).unwrap_or_else(|| CONTACT_ID.to_owned());
    let (customer, system, method) = defaults(channel);
    let mut data = json!({
        "Attributes": strings(contact.attributes.as_ref()),
        "Channel": channel,
        "ContactId": contact_id,
        "InitialContactId": text(&contact.initial_contact_id).unwrap_or_else(|| contact_id.clone()),
        "PreviousContactId": text(&contact.previous_contact_id).unwrap_or_else(|| contact_id.clone()),
        "RelatedContactId": text(&contact.related_contact_id),
        "InitiationMethod": text(&contact.initiation_method).unwrap_or_else(|| method.to_owned()),
        "InstanceARN": INSTANCE_ARN,
        "CustomerEndpoint": endpoint(contact.customer_endpoint.as_ref(), customer),
        "SystemEndpoint": endpoint(contact.system_endpoint.as_ref(), system),
        "Queue": contact.queue.as_ref().map(queue),
        "References": references(contact),
        "LanguageCode": text(&contact.language_code).unwrap_or_else(|| "en-US".to_owned()),
        "AwsRegion": "us-east-1",
    });
    for (key, value) in [
        ("Name", &contact.name),
        ("Description", &contact.description),
        ("CustomerId", &contact.customer_id),
    ] {
        if let Some(value) = text(value) {
            data[key] = value.into();
        }
    }
    json!({
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": data,
            "Parameters": strings(contact.parameters.as_ref()),
        },
    })
}

/// An endpoint's type and address.
type Endpoint = Option<(&'static str, &'static str)>;

/// The customer's and the system's endpoints and how the contact began, as Connect sends
/// them for each channel: a task or a chat has no endpoints and is started by the API.
fn defaults(channel: &str) -> (Endpoint, Endpoint, &'static str) {
    match channel {
        "TASK" => (None, None, "API"),
        "EMAIL" => (
            Some(("EMAIL_ADDRESS", "customer@example.com")),
            Some(("EMAIL_ADDRESS", "support@example.com")),
            "INBOUND",
        ),
        "CHAT" => (None, None, "API"),
        _ => (
            Some(("TELEPHONE_NUMBER", "+15555550100")),
            Some(("TELEPHONE_NUMBER", "+15555550199")),
            "INBOUND",
        ),
    }
}

fn endpoint(given: Option<&EndpointFile>, default: Endpoint) -> Value {
    let (kind, address) = default.unwrap_or_default();
    match given {
        Some(endpoint) => json!({
            "Type": endpoint.kind.as_ref().map_or(kind, |k| k.0.as_str()),
            "Address": endpoint.address.as_ref().map_or(address, |a| a.0.as_str()),
        }),
        None if default.is_some() => json!({"Type": kind, "Address": address}),
        None => Value::Null,
    }
}

fn queue(queue: &QueueFile) -> Value {
    let name = queue.name.as_ref().map_or("BasicQueue", |n| n.0.as_str());
    let arn =
        queue.arn.as_ref().map(|a| a.0.clone()).unwrap_or_else(|| {
            format!("{INSTANCE_ARN}/queue/00000000-0000-4000-8000-00000000b001")
        });
    json!({"Name": name, "ARN": arn})
}

fn references(contact: &ContactFile) -> Value {
    let references = contact.references.iter().flatten();
    Value::Object(
        references
            .map(|(name, reference)| {
                let value = json!({"Type": reference.kind.0, "Value": reference.value.0});
                (name.clone(), value)
            })
            .collect(),
    )
}

fn strings(map: Option<&std::collections::BTreeMap<String, Text>>) -> Value {
    let entries = map.into_iter().flatten();
    Value::Object(
        entries
            .map(|(key, value)| (key.clone(), Value::String(value.0.clone())))
            .collect::<Map<String, Value>>(),
    )
}
