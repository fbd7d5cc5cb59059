//! The event a flow's "Invoke AWS Lambda function" block sends, parsed into our own types.
//!
//! `aws_lambda_events::connect::ConnectEvent` cannot parse task contacts (their endpoints are
//! null), so these types make every object optional and ignore fields they do not know.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The whole event, as Connect sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct FlowEvent {
    pub details: Details,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct Details {
    pub contact_data: ContactData,
    /// Block parameters. Values the designer typed are strings, but other JSON values are
    /// possible, so they are kept as text (`null` as absent).
    #[serde(default, deserialize_with = "parameters")]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct ContactData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub attributes: BTreeMap<String, String>,
    pub channel: Option<String>,
    pub contact_id: String,
    pub initial_contact_id: Option<String>,
    pub previous_contact_id: Option<String>,
    pub initiation_method: Option<String>,
    #[serde(rename = "InstanceARN")]
    pub instance_arn: String,
    pub customer_endpoint: Option<Endpoint>,
    pub system_endpoint: Option<Endpoint>,
    pub queue: Option<Queue>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub references: BTreeMap<String, Reference>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub customer_id: Option<String>,
    pub language_code: Option<String>,
    pub aws_region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct Endpoint {
    pub address: Option<String>,
    #[serde(rename = "Type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct Queue {
    #[serde(rename = "ARN")]
    pub arn: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", expecting = "an object")]
pub struct Reference {
    /// As sent: "URL" and "url" are both seen.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub value: Option<String>,
}

/// Why an event could not be read, with the path of the field at fault.
#[derive(Debug, thiserror::Error)]
#[error("the event is not a Connect flow event: {path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

impl FlowEvent {
    /// Parses an event, naming the field path on failure (`Details.ContactData.ContactId`).
    pub fn from_value(value: Value) -> Result<Self, EventError> {
        serde_path_to_error::deserialize(value).map_err(|error| EventError {
            path: match error.path().to_string() {
                path if path == "." => "(top level)".to_owned(),
                path => path,
            },
            message: without_values(&error.into_inner().to_string()),
        })
    }

    /// Parses an event from its JSON text straight into these types; only an event that
    /// fails is read again through a `Value`, for the messages `from_value` gives.
    pub fn from_json(text: &str) -> Result<Self, EventError> {
        serde_json::from_str(text).or_else(|_| Self::from_slice(text.as_bytes()))
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self, EventError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|error| EventError {
            path: format!("line {} column {}", error.line(), error.column()),
            message: error.to_string(),
        })?;
        Self::from_value(value)
    }
}

/// serde quotes the value it did not expect; in an event that can be a caller's number, so
/// only its kind is kept ("invalid type: string, expected a map").
fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((unexpected, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected"))
        {
            let kind = unexpected
                .split(['"', '`'])
                .next()
                .unwrap_or_default()
                .trim();
            return format!("{prefix}{kind}, expected{expected}");
        }
    }
    message.to_owned()
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn parameters<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: Option<BTreeMap<String, Value>> = Option::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::Null => return None,
                Value::String(text) => text,
                other => other.to_string(),
            };
            Some((key, text))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_local::fixtures::{event_bytes, event_names};

    fn fixture(name: &str) -> FlowEvent {
        FlowEvent::from_slice(&event_bytes(name)).unwrap()
    }

    #[test]
    fn parses_every_fixture_in_events() {
        let names = event_names();
        for name in &names {
            FlowEvent::from_slice(&event_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(
            names.len() >= 4,
            "expected an event per channel, found {names:?}"
        );
    }

    #[test]
    fn task_with_null_customer_endpoint_and_absent_system_endpoint() {
        let event = fixture("task.json");
        let contact = &event.details.contact_data;
        assert_eq!(contact.channel.as_deref(), Some("TASK"));
        assert!(contact.customer_endpoint.is_none());
        assert!(contact.system_endpoint.is_none());
        assert_eq!(
            contact.references["caseLink"].kind.as_deref(),
            Some("url"),
            "reference type casing is kept as sent"
        );
    }

    #[test]
    fn voice_event_reads_endpoints_queue_and_attributes() {
        let event = fixture("voice.json");
        let contact = &event.details.contact_data;
        assert_eq!(contact.channel.as_deref(), Some("VOICE"));
        let customer = contact.customer_endpoint.as_ref().unwrap();
        assert_eq!(customer.kind.as_deref(), Some("TELEPHONE_NUMBER"));
        assert!(customer.address.is_some());
        assert!(contact.attributes.contains_key("customerTier"));
    }

    #[test]
    fn text_read_directly_falls_back_to_a_value_for_what_only_a_value_reads() {
        let text = r#"{"Details": {"ContactData": {"ContactId": "first", "InstanceARN": "a/i"}},
                       "Details": {"ContactData": {"ContactId": "last", "InstanceARN": "a/i"}}}"#;
        assert!(serde_json::from_str::<FlowEvent>(text).is_err());
        let event = FlowEvent::from_json(text).unwrap();
        assert_eq!(event.details.contact_data.contact_id, "last");
        let error = FlowEvent::from_json(r#"{"Details": {"ContactData": 7}}"#).unwrap_err();
        assert_eq!(error.path, "Details.ContactData");
        let error = FlowEvent::from_json("{").unwrap_err();
        assert_eq!(error.path, "line 1 column 1");
    }

    #[test]
    fn nulls_everywhere_they_are_allowed() {
        let event = FlowEvent::from_value(serde_json::json!({
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": null, "Channel": "CHAT", "ContactId": "c-1",
                    "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i-1",
                    "CustomerEndpoint": null, "SystemEndpoint": null, "Queue": null,
                    "References": null, "MediaStreams": {"Customer": {"Audio": null}},
                    "SomethingNew": {"nested": [1, 2, 3]}
                },
                "Parameters": null
            }
        }))
        .unwrap();
        assert!(event.details.contact_data.attributes.is_empty());
        assert!(event.details.parameters.is_empty());
    }

    #[test]
    fn non_string_parameters_become_text() {
        let event = FlowEvent::from_value(serde_json::json!({
            "Details": {
                "ContactData": {
                    "ContactId": "c-1",
                    "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i-1"
                },
                "Parameters": {"count": 3, "flag": true, "gone": null, "obj": {"a": 1}, "text": "x"}
            }
        }))
        .unwrap();
        let parameters = &event.details.parameters;
        assert_eq!(parameters["count"], "3");
        assert_eq!(parameters["flag"], "true");
        assert_eq!(parameters["obj"], r#"{"a":1}"#);
        assert_eq!(parameters["text"], "x");
        assert!(!parameters.contains_key("gone"));
    }

    #[test]
    fn errors_name_the_field_path() {
        let error = FlowEvent::from_value(serde_json::json!({
            "Details": {"ContactData": {"ContactId": 42, "InstanceARN": "arn"}}
        }))
        .unwrap_err();
        assert_eq!(error.path, "Details.ContactData.ContactId");
        assert_eq!(
            error.to_string(),
            "the event is not a Connect flow event: Details.ContactData.ContactId: \
             invalid type: integer, expected a string"
        );
    }

    #[test]
    fn errors_never_quote_the_value_found() {
        let error = FlowEvent::from_value(serde_json::json!({
            "Details": {"ContactData": {
                "ContactId": "c", "InstanceARN": "arn",
                "CustomerEndpoint": {"Address": {"Number": "+15555550100"}}
            }}
        }))
        .unwrap_err();
        assert_eq!(error.path, "Details.ContactData.CustomerEndpoint.Address");
        assert_eq!(error.message, "invalid type: map, expected a string");
        let error = FlowEvent::from_value(serde_json::json!({
            "Details": {"ContactData": {"ContactId": "c", "InstanceARN": "arn", "Attributes": "+15555550100"}}
        }))
        .unwrap_err();
        assert_eq!(error.message, "invalid type: string, expected a map");
    }

    #[test]
    fn missing_required_field_is_named() {
        let error = FlowEvent::from_value(serde_json::json!({
            "Details": {"ContactData": {"InstanceARN": "arn"}}
        }))
        .unwrap_err();
        assert_eq!(error.path, "Details.ContactData");
        assert_eq!(error.message, "missing field `ContactId`");
    }

    #[test]
    fn body_that_is_not_json_names_the_position() {
        let error = FlowEvent::from_slice(b"{\"Details\": ").unwrap_err();
        assert!(error.path.starts_with("line 1 column"), "{}", error.path);
    }
}
