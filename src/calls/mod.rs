//! The closed set of Connect calls a plan can hold: plain data, one variant per operation,
//! with the parameters each will be sent with. Which call waits for which is derived here
//! from what each call does to the contact, not written per operation where they run.
//! The printed form (`printed`) reads back, which is what the benchmark baseline is fed.

mod printed;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use printed::contact_expiry;

use crate::limits::ReferenceType;
use crate::vocabulary::Operation;

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    UpdateContactAttributes(AttributesCall),
    UpdateContact(ContactCall),
    UpdateContactRoutingData(RoutingCall),
    StartTaskContact(TaskCall),
    TransferContact(TransferCall),
}

impl Call {
    pub fn operation(&self) -> Operation {
        match self {
            Call::UpdateContactAttributes(_) => Operation::UpdateContactAttributes,
            Call::UpdateContact(_) => Operation::UpdateContact,
            Call::UpdateContactRoutingData(_) => Operation::UpdateContactRoutingData,
            Call::StartTaskContact(_) => Operation::StartTaskContact,
            Call::TransferContact(_) => Operation::TransferContact,
        }
    }

    /// How the answer and the logs name the call: its operation, and a task its name.
    pub fn label(&self) -> String {
        match self {
            Call::StartTaskContact(task) => format!("{}:{}", self.operation(), task.task),
            other => other.operation().to_string(),
        }
    }

    /// Whether the call changes the contact being served, rather than creating another.
    fn changes_this_contact(&self) -> bool {
        !matches!(self, Call::StartTaskContact(_))
    }

    /// Whether the call hands the contact on: after it, the contact may no longer take the
    /// other changes, so it goes last and only once they have all succeeded.
    pub fn hands_off(&self) -> bool {
        matches!(self, Call::TransferContact(_))
    }

    /// The call by operation and the keys it writes, without values, for logs.
    fn summary(&self) -> String {
        let keys = |keys: Vec<&str>| keys.join(" ");
        match self {
            Call::UpdateContactAttributes(call) => {
                let keys = keys(call.attributes.keys().map(String::as_str).collect());
                format!("UpdateContactAttributes({keys})")
            }
            Call::UpdateContact(call) => {
                let mut fields: Vec<&str> = call.references.keys().map(String::as_str).collect();
                fields.extend(call.name.as_ref().map(|_| "Name"));
                fields.extend(call.description.as_ref().map(|_| "Description"));
                fields.extend(call.expiry_minutes.map(|_| "ContactExpiry"));
                format!("UpdateContact({})", keys(fields))
            }
            Call::UpdateContactRoutingData(call) => {
                format!(
                    "UpdateContactRoutingData(QueuePriority={})",
                    call.queue_priority
                )
            }
            Call::StartTaskContact(call) => {
                let target = match &call.target {
                    TaskTarget::ContactFlow(id) => format!("ContactFlowId={id}"),
                    TaskTarget::QuickConnect(id) => format!("QuickConnectId={id}"),
                    TaskTarget::TaskTemplate(id) => format!("TaskTemplateId={id}"),
                };
                format!("StartTaskContact({} {target})", call.task)
            }
            Call::TransferContact(call) => {
                let target = match &call.target {
                    TransferTarget::Queue(id) => format!("QueueId={id}"),
                    TransferTarget::User(id) => format!("UserId={id}"),
                };
                format!(
                    "TransferContact({target} ContactFlowId={})",
                    call.contact_flow_id
                )
            }
        }
    }
}

/// The calls of one invocation, in the order they are planned and reported. Printed as an
/// object from each call's label to its request members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calls(pub Vec<Call>);

impl Calls {
    pub fn iter(&self) -> impl Iterator<Item = &Call> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The calls that must succeed before call `index` starts: for a call that hands the
    /// contact on, every other call that changes the same contact; for the rest, none.
    pub fn prerequisites(&self, index: usize) -> Vec<usize> {
        if !self.0[index].hands_off() {
            return Vec::new();
        }
        (0..self.0.len())
            .filter(|&other| {
                other != index && self.0[other].changes_this_contact() && !self.0[other].hands_off()
            })
            .collect()
    }

    /// The calls by operation and the keys they write, without values, for logs.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(Call::summary)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The planned transfer, if any.
    pub fn transfer(&self) -> Option<&TransferCall> {
        self.0.iter().find_map(|call| match call {
            Call::TransferContact(transfer) => Some(transfer),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributesCall {
    pub instance_id: String,
    pub initial_contact_id: String,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactCall {
    pub instance_id: String,
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub references: BTreeMap<String, PlannedReference>,
    /// Minutes the contact stays active: `SegmentAttributes` `connect:ContactExpiry`.
    #[serde(
        rename = "SegmentAttributes",
        default,
        skip_serializing_if = "Option::is_none",
        with = "contact_expiry"
    )]
    pub expiry_minutes: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlannedReference {
    #[serde(rename = "Type")]
    pub kind: ReferenceType,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoutingCall {
    pub instance_id: String,
    pub contact_id: String,
    pub queue_priority: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskCall {
    pub instance_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub target: TaskTarget,
    #[serde(flatten)]
    pub link: TaskLink,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub references: BTreeMap<String, PlannedReference>,
    /// Epoch seconds at which the task's flow starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<i64>,
    #[serde(
        rename = "SegmentAttributes",
        default,
        skip_serializing_if = "Option::is_none",
        with = "contact_expiry"
    )]
    pub expiry_minutes: Option<i32>,
    /// Derived from the intent, so Connect's retries of an invocation never create two.
    pub client_token: String,
    /// The task's name in the rules file: its answer key and, in the printed plan, its label.
    #[serde(skip)]
    pub task: String,
}

/// What runs a new task: exactly one of a flow, a quick connect or a task template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskTarget {
    #[serde(rename = "ContactFlowId")]
    ContactFlow(String),
    #[serde(rename = "QuickConnectId")]
    QuickConnect(String),
    #[serde(rename = "TaskTemplateId")]
    TaskTemplate(String),
}

/// How a new task is linked to the contact that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskLink {
    /// Shares attributes with every task in the chain; at most 12 tasks per contact.
    #[serde(rename = "PreviousContactId")]
    Previous(String),
    /// Copies the contact's attributes once; no limit.
    #[serde(rename = "RelatedContactId")]
    Related(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransferCall {
    pub instance_id: String,
    pub contact_id: String,
    #[serde(flatten)]
    pub target: TransferTarget<String>,
    pub contact_flow_id: String,
    /// Derived from the intent, so Connect's retries of an invocation never transfer twice.
    pub client_token: String,
    #[serde(skip)]
    pub rule: String,
}

/// Where a transfer goes: TransferContact takes a queue or a user, never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferTarget<T> {
    #[serde(rename = "QueueId")]
    Queue(T),
    #[serde(rename = "UserId")]
    User(T),
}

/// The idempotency key of a call that must happen once per intent: a hash of what
/// identifies the intent, never random and never time, so every retry of the same
/// invocation sends the same token. `parts` are length-prefixed, so no two different
/// intents can run together into the same bytes.
pub fn client_token(version_tag: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in std::iter::once(version_tag).chain(parts.iter().copied()) {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    // In lowercase hexadecimal, written digit by digit: a `format!` per byte was most of
    // the cost of planning a transfer.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut token = String::with_capacity(64);
    for byte in hash.finalize() {
        token.push(char::from(DIGITS[usize::from(byte >> 4)]));
        token.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer() -> Call {
        Call::TransferContact(TransferCall {
            instance_id: "i".into(),
            contact_id: "c".into(),
            target: TransferTarget::Queue("q".into()),
            contact_flow_id: "f".into(),
            client_token: "t".into(),
            rule: "r".into(),
        })
    }

    fn task(name: &str) -> Call {
        Call::StartTaskContact(TaskCall {
            instance_id: "i".into(),
            name: "Call back".into(),
            description: None,
            target: TaskTarget::TaskTemplate("tt".into()),
            link: TaskLink::Previous("c".into()),
            attributes: BTreeMap::new(),
            references: BTreeMap::new(),
            scheduled_time: Some(1_700_000_060),
            expiry_minutes: Some(90),
            client_token: "t".into(),
            task: name.into(),
        })
    }

    fn attributes() -> Call {
        Call::UpdateContactAttributes(AttributesCall {
            instance_id: "i".into(),
            initial_contact_id: "c".into(),
            attributes: BTreeMap::from([("k".into(), "v".into())]),
        })
    }

    #[test]
    fn a_hand_off_waits_for_every_change_to_the_contact_and_tasks_wait_for_nothing() {
        let calls = Calls(vec![attributes(), task("callback"), transfer()]);
        assert_eq!(
            calls.prerequisites(2),
            [0],
            "the transfer waits for the update only"
        );
        assert!(calls.prerequisites(0).is_empty());
        assert!(
            calls.prerequisites(1).is_empty(),
            "a task depends on nothing"
        );
    }

    #[test]
    fn the_printed_form_is_the_requests_and_reads_back() {
        let calls = Calls(vec![task("callback")]);
        let printed = serde_json::to_value(&calls).unwrap();
        assert_eq!(
            printed,
            serde_json::json!({"StartTaskContact:callback": {
                "InstanceId": "i", "Name": "Call back", "TaskTemplateId": "tt",
                "PreviousContactId": "c", "ScheduledTime": 1_700_000_060,
                "SegmentAttributes": {"connect:ContactExpiry": {"ValueMap": {"ExpiryDuration": {"ValueInteger": 90}}}},
                "ClientToken": "t"
            }})
        );
        let read: Calls = serde_json::from_value(printed).unwrap();
        assert_eq!(read, calls);
    }

    #[test]
    fn labels_and_summaries_name_tasks_and_keys_never_values() {
        assert_eq!(task("callback").label(), "StartTaskContact:callback");
        assert_eq!(transfer().label(), "TransferContact");
        let calls = Calls(vec![attributes(), task("callback"), transfer()]);
        assert_eq!(
            calls.summary(),
            "UpdateContactAttributes(k),StartTaskContact(callback TaskTemplateId=tt),\
             TransferContact(QueueId=q ContactFlowId=f)"
        );
    }
}
