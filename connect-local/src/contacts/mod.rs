//! Contact state and the service rules Connect documents beyond the API model: attribute
//! keys and sizes, reference sizes, which contacts can be transferred, updated, queued or
//! chained, and ClientToken idempotency.

mod task;
mod tokens;
mod transfer;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use task::{TaskStart, MAX_CHAIN};
pub use transfer::{Transfer, MAX_TRANSFERS};

pub const ATTRIBUTES_TOTAL_BYTES: usize = 32_768;
pub const REFERENCES_TOTAL_BYTES: usize = 4_096;
const UPDATABLE: [&str; 9] = [
    "Name",
    "Description",
    "References",
    "SegmentAttributes",
    "QueueInfo",
    "UserInfo",
    "CustomerEndpoint",
    "SystemEndpoint",
    "AdditionalRecipients",
];
/// The one segment attribute UpdateContact and StartTaskContact take from us.
const CONTACT_EXPIRY: &str = "connect:ContactExpiry";

/// A contact as the local endpoint holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Contact {
    pub instance_id: String,
    pub contact_id: String,
    pub channel: String,
    pub active: bool,
    pub attributes: BTreeMap<String, String>,
    pub references: BTreeMap<String, StoredReference>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub transfers: Vec<Transfer>,
    /// The queue the contact waits in; `None` before it is queued.
    pub queue_id: Option<String>,
    pub queue_priority: Option<i64>,
    pub queue_time_adjustment_seconds: i64,
    /// Minutes the contact stays active, once `connect:ContactExpiry` set it.
    pub expiry_minutes: Option<i64>,
    /// For a task this endpoint started: how.
    pub task: Option<TaskStart>,
}

impl Contact {
    /// The contact a flow event describes, as Connect holds it when it sends the event.
    pub fn from_event(event: &Value) -> Contact {
        let data = &event["Details"]["ContactData"];
        let last_segment = |arn: &Value| {
            arn.as_str()
                .and_then(|a| a.rsplit('/').next())
                .map(str::to_owned)
        };
        let references = data["References"].as_object().into_iter().flatten();
        Contact {
            instance_id: last_segment(&data["InstanceARN"]).unwrap_or_default(),
            contact_id: text(data, "ContactId").unwrap_or_default().to_owned(),
            channel: text(data, "Channel").unwrap_or_default().to_owned(),
            active: true,
            attributes: serde_json::from_value(data["Attributes"].clone()).unwrap_or_default(),
            references: references
                .map(|(name, r)| (name.clone(), StoredReference::from_request(r)))
                .collect(),
            name: text(data, "Name").map(str::to_owned),
            description: text(data, "Description").map(str::to_owned),
            queue_id: last_segment(&data["Queue"]["ARN"]),
            ..Contact::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredReference {
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: String,
}

impl StoredReference {
    fn from_request(reference: &Value) -> StoredReference {
        StoredReference {
            kind: text(reference, "Type").unwrap_or_default().to_owned(),
            value: text(reference, "Value").unwrap_or_default().to_owned(),
        }
    }
}

/// An error answer as Connect gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ServiceError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError {
            status,
            code,
            message: message.into(),
        }
    }

    fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestException", message)
    }

    fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterException", message)
    }
}

#[derive(Debug, Default)]
pub struct Contacts {
    contacts: HashMap<(String, String), Contact>,
    tokens: tokens::Tokens,
    /// Contacts this endpoint has started.
    created: u64,
}

fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

fn bytes<'a>(pairs: impl Iterator<Item = (&'a String, &'a str)>) -> usize {
    pairs.map(|(key, value)| key.len() + value.len()).sum()
}

/// `attributes` with the request's `Attributes` applied: an empty value removes one.
fn merged_attributes(
    mut attributes: BTreeMap<String, String>,
    input: &Value,
) -> Result<BTreeMap<String, String>, ServiceError> {
    for (key, value) in input["Attributes"].as_object().into_iter().flatten() {
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ServiceError::invalid_parameter(format!(
                "attribute key `{key}`: keys take only letters, digits, - and _"
            )));
        }
        match value.as_str().unwrap_or_default() {
            "" => attributes.remove(key),
            value => attributes.insert(key.clone(), value.to_owned()),
        };
    }
    let total = bytes(attributes.iter().map(|(k, v)| (k, v.as_str())));
    if total > ATTRIBUTES_TOTAL_BYTES {
        return Err(ServiceError::invalid_parameter(format!(
            "the contact's attributes would take {total} bytes; the limit is {ATTRIBUTES_TOTAL_BYTES}"
        )));
    }
    Ok(attributes)
}

/// `references` with the request's `References` added or replaced.
fn merged_references(
    mut references: BTreeMap<String, StoredReference>,
    input: &Value,
) -> Result<BTreeMap<String, StoredReference>, ServiceError> {
    for (name, reference) in input["References"].as_object().into_iter().flatten() {
        references.insert(name.clone(), StoredReference::from_request(reference));
    }
    let total = bytes(references.iter().map(|(name, r)| (name, r.value.as_str())));
    if total > REFERENCES_TOTAL_BYTES {
        return Err(ServiceError::invalid_parameter(format!(
            "the contact's references would take {total} bytes; the limit is {REFERENCES_TOTAL_BYTES}"
        )));
    }
    Ok(references)
}

/// The expiry a request's `SegmentAttributes` sets, refusing any other segment attribute.
fn expiry_minutes(input: &Value) -> Result<Option<i64>, ServiceError> {
    let Some(segment) = input["SegmentAttributes"].as_object() else {
        return Ok(None);
    };
    if let Some(other) = segment.keys().find(|name| *name != CONTACT_EXPIRY) {
        return Err(ServiceError::invalid_parameter(format!(
            "segment attribute `{other}` cannot be set here; {CONTACT_EXPIRY} can"
        )));
    }
    let Some(expiry) = segment.get(CONTACT_EXPIRY) else {
        return Ok(None);
    };
    match expiry["ValueMap"]["ExpiryDuration"]["ValueInteger"].as_i64() {
        Some(minutes) if minutes >= 1 => Ok(Some(minutes)),
        _ => Err(ServiceError::invalid_parameter(format!(
            "{CONTACT_EXPIRY} needs ValueMap.ExpiryDuration.ValueInteger, a whole number of minutes from 1"
        ))),
    }
}

impl Contacts {
    pub fn put(&mut self, contact: Contact) {
        self.contacts.insert(
            (contact.instance_id.clone(), contact.contact_id.clone()),
            contact,
        );
    }

    pub fn get(&self, instance_id: &str, contact_id: &str) -> Option<&Contact> {
        self.contacts
            .get(&(instance_id.to_owned(), contact_id.to_owned()))
    }

    /// Every contact of an instance, tasks started here included, ordered by id.
    pub fn of_instance(&self, instance_id: &str) -> Vec<Contact> {
        let mut contacts: Vec<Contact> = (self.contacts.values())
            .filter(|c| c.instance_id == instance_id)
            .cloned()
            .collect();
        contacts.sort_by(|a, b| a.contact_id.cmp(&b.contact_id));
        contacts
    }

    fn find(&mut self, input: &Value, id_member: &str) -> Result<&mut Contact, ServiceError> {
        let instance = text(input, "InstanceId").unwrap_or_default().to_owned();
        self.find_in(&instance, text(input, id_member).unwrap_or_default())
    }

    fn find_in(&mut self, instance: &str, id: &str) -> Result<&mut Contact, ServiceError> {
        self.contacts
            .get_mut(&(instance.to_owned(), id.to_owned()))
            .ok_or_else(|| {
                ServiceError::new(
                    404,
                    "ResourceNotFoundException",
                    format!("no contact {id} in instance {instance}"),
                )
            })
    }

    /// Runs one operation whose input already conforms to the API model. A request with a
    /// ClientToken seen before is answered as it was then.
    pub fn apply(&mut self, operation: &str, input: &Value) -> Result<Value, ServiceError> {
        if let Some(replayed) = self.tokens.replay(operation, input) {
            return replayed;
        }
        let answer = match operation {
            "UpdateContactAttributes" => self.update_attributes(input),
            "UpdateContact" => self.update_contact(input),
            "UpdateContactRoutingData" => self.update_routing(input),
            "TransferContact" => self.transfer(input),
            "StartTaskContact" => self.start_task(input),
            "GetContactAttributes" => {
                let contact = self.find(input, "InitialContactId")?;
                Ok(json!({ "Attributes": contact.attributes }))
            }
            other => Err(ServiceError::new(
                404,
                "UnknownOperationException",
                format!("{other} is not served here"),
            )),
        }?;
        self.tokens.remember(operation, input, &answer);
        Ok(answer)
    }

    fn update_attributes(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let contact = self.find(input, "InitialContactId")?;
        contact.attributes = merged_attributes(contact.attributes.clone(), input)?;
        Ok(json!({}))
    }

    fn update_contact(&mut self, input: &Value) -> Result<Value, ServiceError> {
        if !UPDATABLE.iter().any(|member| input.get(*member).is_some()) {
            return Err(ServiceError::invalid_request(
                "UpdateContact needs at least one field to update",
            ));
        }
        let expiry = expiry_minutes(input)?;
        let contact = self.find(input, "ContactId")?;
        if expiry.is_some() && contact.channel != "TASK" && contact.channel != "EMAIL" {
            return Err(ServiceError::invalid_request(format!(
                "{CONTACT_EXPIRY} is for TASK and EMAIL contacts; this is {}",
                contact.channel
            )));
        }
        contact.references = merged_references(contact.references.clone(), input)?;
        if let Some(name) = text(input, "Name") {
            contact.name = Some(name.to_owned());
        }
        if let Some(description) = text(input, "Description") {
            contact.description = Some(description.to_owned());
        }
        if expiry.is_some() {
            contact.expiry_minutes = expiry;
        }
        Ok(json!({}))
    }

    /// UpdateContactRoutingData: only a contact waiting in a queue has a priority or an age
    /// to change.
    fn update_routing(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let contact = self.find(input, "ContactId")?;
        if !contact.active || contact.queue_id.is_none() {
            return Err(ServiceError::new(
                409,
                "ResourceConflictException",
                "the contact is not waiting in a queue",
            ));
        }
        if let Some(priority) = input["QueuePriority"].as_i64() {
            contact.queue_priority = Some(priority);
        }
        contact.queue_time_adjustment_seconds += input["QueueTimeAdjustmentSeconds"]
            .as_i64()
            .unwrap_or_default();
        Ok(json!({}))
    }
}
