//! StartTaskContact: a new TASK contact, run by exactly one of a flow, a quick connect or a
//! task template, optionally linked to the contact it follows and scheduled.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    expiry_minutes, merged_attributes, merged_references, text, Contact, Contacts, ServiceError,
};

/// Tasks that may share one `PreviousContactId`.
pub const MAX_CHAIN: usize = 12;
/// How far ahead `ScheduledTime` may be.
pub const SCHEDULE_MAX_SECONDS: f64 = 6.0 * 24.0 * 3600.0;
const RUNS_BY: [&str; 3] = ["ContactFlowId", "QuickConnectId", "TaskTemplateId"];

/// How a task was started, as the request said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskStart {
    pub contact_flow_id: Option<String>,
    pub quick_connect_id: Option<String>,
    pub task_template_id: Option<String>,
    pub previous_contact_id: Option<String>,
    pub related_contact_id: Option<String>,
    pub scheduled_time: Option<f64>,
}

impl TaskStart {
    /// The contacts the task was linked to, as previous or related.
    pub fn linked_contacts(&self) -> impl Iterator<Item = &str> {
        let previous = self.previous_contact_id.as_deref();
        previous
            .into_iter()
            .chain(self.related_contact_id.as_deref())
    }
}

impl Contacts {
    pub(super) fn start_task(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let instance_id = text(input, "InstanceId").unwrap_or_default().to_owned();
        let start = TaskStart {
            contact_flow_id: text(input, "ContactFlowId").map(str::to_owned),
            quick_connect_id: text(input, "QuickConnectId").map(str::to_owned),
            task_template_id: text(input, "TaskTemplateId").map(str::to_owned),
            previous_contact_id: text(input, "PreviousContactId").map(str::to_owned),
            related_contact_id: text(input, "RelatedContactId").map(str::to_owned),
            scheduled_time: input.get("ScheduledTime").and_then(Value::as_f64),
        };
        let runners = RUNS_BY.iter().filter(|m| input.get(**m).is_some()).count();
        if runners != 1 {
            return Err(ServiceError::invalid_request(format!(
                "include exactly one of ContactFlowId, QuickConnectId and TaskTemplateId; this request has {runners}"
            )));
        }
        if let Some(at) = start.scheduled_time {
            check_schedule(at)?;
        }
        let mut base = Default::default();
        if let Some(previous) = &start.previous_contact_id {
            self.find_in(&instance_id, previous)?;
            let chained = self
                .contacts
                .values()
                .filter(|c| {
                    c.task.as_ref().and_then(|t| t.previous_contact_id.as_ref()) == Some(previous)
                })
                .count();
            if chained >= MAX_CHAIN {
                return Err(ServiceError::new(
                    402,
                    "ServiceQuotaExceededException",
                    format!("{MAX_CHAIN} tasks already share the PreviousContactId {previous}"),
                ));
            }
        }
        if let Some(related) = &start.related_contact_id {
            base = self.find_in(&instance_id, related)?.attributes.clone();
        }
        let references = input["References"].as_object().cloned().unwrap_or_default();
        if let Some((name, _)) = references
            .iter()
            .find(|(_, r)| text(r, "Type") == Some("ATTACHMENT"))
        {
            return Err(ServiceError::invalid_parameter(format!(
                "reference `{name}`: ATTACHMENT is not a supported reference type during task creation"
            )));
        }
        let contact_id = self.next_contact_id();
        let task = Contact {
            instance_id,
            contact_id: contact_id.clone(),
            channel: "TASK".to_owned(),
            active: true,
            attributes: merged_attributes(base, input)?,
            references: merged_references(Default::default(), input)?,
            name: text(input, "Name").map(str::to_owned),
            description: text(input, "Description").map(str::to_owned),
            expiry_minutes: expiry_minutes(input)?,
            task: Some(start),
            ..Contact::default()
        };
        self.put(task);
        Ok(json!({ "ContactId": contact_id }))
    }

    /// Ids Connect would give: UUIDs, here counted so that tests can read them.
    fn next_contact_id(&mut self) -> String {
        self.created += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.created)
    }
}

fn check_schedule(at: f64) -> Result<(), ServiceError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    if at < now {
        return Err(ServiceError::invalid_parameter(
            "the ScheduledTime is in the past",
        ));
    }
    if at > now + SCHEDULE_MAX_SECONDS {
        return Err(ServiceError::invalid_parameter(
            "the ScheduledTime is more than 6 days ahead",
        ));
    }
    Ok(())
}
