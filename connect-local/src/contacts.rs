//! Contact state and the service rules Connect documents beyond the API model: attribute
//! keys and sizes, reference sizes, which contacts can be transferred, how often, and
//! ClientToken idempotency.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const ATTRIBUTES_TOTAL_BYTES: usize = 32_768;
pub const REFERENCES_TOTAL_BYTES: usize = 4_096;
pub const MAX_TRANSFERS: usize = 11;
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredReference {
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transfer {
    pub queue_id: Option<String>,
    pub user_id: Option<String>,
    pub contact_flow_id: String,
    pub client_token: Option<String>,
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
    /// (instance, ClientToken) → the transfer it made and the answer given.
    tokens: HashMap<(String, String), (Transfer, String)>,
}

fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

fn bytes<'a>(pairs: impl Iterator<Item = (&'a String, &'a str)>) -> usize {
    pairs.map(|(key, value)| key.len() + value.len()).sum()
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

    fn find(&mut self, input: &Value, id_member: &str) -> Result<&mut Contact, ServiceError> {
        let instance = text(input, "InstanceId").unwrap_or_default().to_owned();
        let id = text(input, id_member).unwrap_or_default().to_owned();
        self.contacts
            .get_mut(&(instance.clone(), id.clone()))
            .ok_or_else(|| {
                ServiceError::new(
                    404,
                    "ResourceNotFoundException",
                    format!("no contact {id} in instance {instance}"),
                )
            })
    }

    /// Runs one operation whose input already conforms to the API model.
    pub fn apply(&mut self, operation: &str, input: &Value) -> Result<Value, ServiceError> {
        match operation {
            "UpdateContactAttributes" => self.update_attributes(input),
            "UpdateContact" => self.update_contact(input),
            "TransferContact" => self.transfer(input),
            "GetContactAttributes" => {
                let contact = self.find(input, "InitialContactId")?;
                Ok(json!({ "Attributes": contact.attributes }))
            }
            other => Err(ServiceError::new(
                404,
                "UnknownOperationException",
                format!("{other} is not served here"),
            )),
        }
    }

    fn update_attributes(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let updates = input["Attributes"].as_object().cloned().unwrap_or_default();
        if let Some(bad) = updates.keys().find(|k| {
            !k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }) {
            return Err(ServiceError::invalid_parameter(format!(
                "attribute key `{bad}`: keys take only letters, digits, - and _"
            )));
        }
        let contact = self.find(input, "InitialContactId")?;
        let mut merged = contact.attributes.clone();
        for (key, value) in updates {
            match value.as_str().unwrap_or_default() {
                "" => merged.remove(&key),
                value => merged.insert(key, value.to_owned()),
            };
        }
        let total = bytes(merged.iter().map(|(k, v)| (k, v.as_str())));
        if total > ATTRIBUTES_TOTAL_BYTES {
            return Err(ServiceError::invalid_parameter(format!(
                "the contact's attributes would take {total} bytes; the limit is {ATTRIBUTES_TOTAL_BYTES}"
            )));
        }
        contact.attributes = merged;
        Ok(json!({}))
    }

    fn update_contact(&mut self, input: &Value) -> Result<Value, ServiceError> {
        if !UPDATABLE.iter().any(|member| input.get(*member).is_some()) {
            return Err(ServiceError::invalid_request(
                "UpdateContact needs at least one field to update",
            ));
        }
        let contact = self.find(input, "ContactId")?;
        let mut references = contact.references.clone();
        for (name, reference) in input["References"].as_object().into_iter().flatten() {
            let stored = StoredReference {
                kind: text(reference, "Type").unwrap_or_default().to_owned(),
                value: text(reference, "Value").unwrap_or_default().to_owned(),
            };
            references.insert(name.clone(), stored);
        }
        let total = bytes(references.iter().map(|(name, r)| (name, r.value.as_str())));
        if total > REFERENCES_TOTAL_BYTES {
            return Err(ServiceError::invalid_parameter(format!(
                "the contact's references would take {total} bytes; the limit is {REFERENCES_TOTAL_BYTES}"
            )));
        }
        contact.references = references;
        if let Some(name) = text(input, "Name") {
            contact.name = Some(name.to_owned());
        }
        if let Some(description) = text(input, "Description") {
            contact.description = Some(description.to_owned());
        }
        Ok(json!({}))
    }

    fn transfer(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let transfer = Transfer {
            queue_id: text(input, "QueueId").map(str::to_owned),
            user_id: text(input, "UserId").map(str::to_owned),
            contact_flow_id: text(input, "ContactFlowId").unwrap_or_default().to_owned(),
            client_token: text(input, "ClientToken").map(str::to_owned),
        };
        let instance = text(input, "InstanceId").unwrap_or_default().to_owned();
        let contact_id = text(input, "ContactId").unwrap_or_default().to_owned();
        if let Some(token) = &transfer.client_token {
            if let Some((earlier, contact)) = self.tokens.get(&(instance.clone(), token.clone())) {
                return if *earlier == transfer && *contact == contact_id {
                    Ok(transfer_answer(&instance, &contact_id))
                } else {
                    Err(ServiceError::new(
                        409,
                        "IdempotencyException",
                        "this ClientToken was used with other parameters",
                    ))
                };
            }
        }
        if transfer.queue_id.is_some() == transfer.user_id.is_some() {
            return Err(ServiceError::invalid_request(
                "give QueueId or UserId, exactly one",
            ));
        }
        let contact = self.find(input, "ContactId")?;
        if contact.channel != "TASK" && contact.channel != "EMAIL" {
            return Err(ServiceError::invalid_request(format!(
                "only TASK and EMAIL contacts can be transferred; this is {}",
                contact.channel
            )));
        }
        if !contact.active {
            return Err(ServiceError::invalid_request("the contact is not active"));
        }
        if contact.transfers.len() >= MAX_TRANSFERS {
            return Err(ServiceError::new(
                402,
                "ServiceQuotaExceededException",
                format!("a contact can be transferred at most {MAX_TRANSFERS} times"),
            ));
        }
        contact.transfers.push(transfer.clone());
        if let Some(token) = transfer.client_token.clone() {
            self.tokens
                .insert((instance.clone(), token), (transfer, contact_id.clone()));
        }
        Ok(transfer_answer(&instance, &contact_id))
    }
}

fn transfer_answer(instance: &str, contact_id: &str) -> Value {
    json!({
        "ContactId": contact_id,
        "ContactArn": format!("arn:aws:connect:us-east-1:111122223333:instance/{instance}/contact/{contact_id}"),
    })
}
