//! `create_task`: follow-up tasks, each with StartTaskContact, linked to the contact being
//! served. Tasks are named in the rules file; the name gives the answer key holding the new
//! task's contact id (`task_NAME`) and, with the instance, contact and rule, the ClientToken,
//! so Connect's retries of an invocation never create a second task.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::references::{self, ReferenceValue};
use super::schedule::{self, Schedule};
use super::{attributes, Action, ActionError, AnswerKey, At, Draft, RuleContext};
use crate::calls::{self, Call, TaskCall, TaskLink, TaskTarget};
use crate::diagnostics::RuleScope;
use crate::limits::{self, Length, ReferenceType};
use crate::template::{Encoding, Template, Text};
use crate::vocabulary::key;

pub type File = BTreeMap<String, TaskFile>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    expecting = "a task: name, description, contact_flow_id, quick_connect_id or task_template_id, link, attributes, references, schedule, expiry_minutes"
)]
#[schemars(deny_unknown_fields)]
pub struct TaskFile {
    /// The task's name in Connect, at most 1,024 characters.
    pub name: Option<Text>,
    /// At most 4,096 characters.
    pub description: Option<Text>,
    /// The flow that runs the task; exactly one of the three.
    pub contact_flow_id: Option<Text>,
    /// The quick connect that routes the task; exactly one of the three.
    pub quick_connect_id: Option<Text>,
    /// The task template (with a flow set); exactly one of the three.
    pub task_template_id: Option<Text>,
    /// `previous` (default): the task joins the contact's chain; `related`: the contact's
    /// attributes are copied once.
    pub link: Option<String>,
    /// The task's attributes, by key.
    pub attributes: Option<attributes::File>,
    /// The task's references, by name (not ATTACHMENT).
    pub references: Option<references::File>,
    /// When the task starts; absent, at once.
    pub schedule: Option<schedule::File>,
    /// Minutes the task stays active.
    pub expiry_minutes: Option<Text>,
}

/// Reference types StartTaskContact takes: not ATTACHMENT.
const TASK_REFERENCE_TYPES: [ReferenceType; 5] = [
    ReferenceType::Url,
    ReferenceType::Number,
    ReferenceType::String,
    ReferenceType::Date,
    ReferenceType::Email,
];
const TASK_TEMPLATE_ID: Length = Length {
    what: "the id",
    min: 1,
    max: 500,
};
#[derive(Debug)]
struct CreateTask(Vec<Task>);

#[derive(Debug)]
struct Task {
    key: String,
    path: String,
    name: Template,
    description: Option<Template>,
    target: TaskTarget,
    target_template: Template,
    link: Link,
    attributes: Vec<(String, Template)>,
    references: Vec<ReferenceValue>,
    schedule: Option<Schedule>,
    expiry_minutes: Option<Template>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Previous,
    Related,
}

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    if file.is_empty() {
        scope.problem("actions.create_task", "name at least one task");
    }
    let tasks: Vec<Option<Task>> = file
        .into_iter()
        .map(|(key, task)| check_task(key, task, scope))
        .collect();
    let tasks = tasks.into_iter().collect::<Option<Vec<_>>>()?;
    Some(Arc::new(CreateTask(tasks)))
}

fn check_task(key: String, file: TaskFile, scope: &mut RuleScope<'_, '_>) -> Option<Task> {
    let path = format!("actions.create_task.{key}");
    if let Err(message) = limits::check_key(&key) {
        scope.problem(
            &path,
            format!("task name: {message} (it names the answer key `task_NAME`)"),
        );
    }
    let at = |field: &str| format!("{path}.{field}");
    let name = match &file.name {
        Some(text) => super::bounded(scope, &at("name"), text, limits::CONTACT_NAME),
        None => {
            scope.problem(&path, "a task needs a `name`, shown to the agent");
            None
        }
    };
    let description = file
        .description
        .as_ref()
        .map(|text| super::bounded(scope, &at("description"), text, limits::CONTACT_DESCRIPTION));
    let targets = [
        (
            "contact_flow_id",
            &file.contact_flow_id,
            limits::CONTACT_FLOW_ID,
        ),
        (
            "quick_connect_id",
            &file.quick_connect_id,
            limits::QUICK_CONNECT_ID,
        ),
        ("task_template_id", &file.task_template_id, TASK_TEMPLATE_ID),
    ];
    let given: Vec<_> = targets
        .iter()
        .filter_map(|(field, text, length)| text.as_ref().map(|text| (*field, text, *length)))
        .collect();
    let target = match given.as_slice() {
        [(field, text, length)] => super::bounded(scope, &at(field), text, *length)
            .map(|template| (target_kind(field), template)),
        _ => {
            scope.problem(
                &path,
                "a task names exactly one of `contact_flow_id`, `quick_connect_id` or `task_template_id` \
                 (a template alone only when the template has a flow set)",
            );
            None
        }
    };
    let link = match file.link.as_deref() {
        None | Some("previous") => Some(Link::Previous),
        Some("related") => Some(Link::Related),
        Some(other) => {
            scope.problem(
                &at("link"),
                format!("`{other}` is neither `previous` nor `related`"),
            );
            None
        }
    };
    let attributes = file
        .attributes
        .map(|values| attributes::check_values(values, &at("attributes"), scope));
    let references = file.references.map(|values| {
        references::check_values(values, &at("references"), &TASK_REFERENCE_TYPES, scope)
    });
    let schedule = file
        .schedule
        .map(|file| schedule::check(file, &at("schedule"), scope));
    let expiry_minutes = file.expiry_minutes.map(|text| {
        let path = at("expiry_minutes");
        let template = super::template(scope, &path, &text)?;
        if let Some(literal) = template.as_literal() {
            if let Err(message) = limits::check_expiry_minutes(&literal) {
                scope.problem(&path, message);
            }
        }
        Some(template)
    });
    let (target, target_template) = target?;
    Some(Task {
        key,
        name: name?,
        description: optional(description)?,
        target,
        target_template,
        link: link?,
        attributes: optional(attributes)?.unwrap_or_default(),
        references: optional(references)?.unwrap_or_default(),
        schedule: optional(schedule)?,
        expiry_minutes: optional(expiry_minutes)?,
        path,
    })
}

/// A member that may be absent: `None` when it was given but did not check.
fn optional<T>(checked: Option<Option<T>>) -> Option<Option<T>> {
    match checked {
        None => Some(None),
        Some(value) => value.map(Some),
    }
}

/// The call's target, with its id still to render.
fn target_kind(field: &str) -> TaskTarget {
    match field {
        "contact_flow_id" => TaskTarget::ContactFlow(String::new()),
        "quick_connect_id" => TaskTarget::QuickConnect(String::new()),
        _ => TaskTarget::TaskTemplate(String::new()),
    }
}

/// The StartTaskContact idempotency key: instance, contact, rule and task name. Never what
/// the task says, which may read the time and so differ between retries.
pub fn client_token(instance_id: &str, contact_id: &str, rule: &str, task: &str) -> String {
    calls::client_token(
        "connect-rules/task/v1",
        &[instance_id, contact_id, rule, task],
    )
}

impl Task {
    /// The call, or `None` when a value it cannot do without was skipped.
    fn render(
        &self,
        rule: &RuleContext<'_>,
        draft: &mut Draft<'_>,
    ) -> Result<Option<TaskCall>, ActionError> {
        let at = |field: &str| format!("{}.{field}", self.path);
        let Some(name) = draft.render_within(
            rule,
            At::key(&self.path, "name"),
            &self.name,
            limits::CONTACT_NAME,
        )?
        else {
            return Ok(None);
        };
        let (field, length) = match self.target {
            TaskTarget::ContactFlow(_) => ("contact_flow_id", limits::CONTACT_FLOW_ID),
            TaskTarget::QuickConnect(_) => ("quick_connect_id", limits::QUICK_CONNECT_ID),
            TaskTarget::TaskTemplate(_) => ("task_template_id", TASK_TEMPLATE_ID),
        };
        let target_at = At::key(&self.path, field);
        let Some(id) = draft.render_within(rule, target_at, &self.target_template, length)? else {
            return Ok(None);
        };
        let target = match self.target {
            TaskTarget::ContactFlow(_) => TaskTarget::ContactFlow(id),
            TaskTarget::QuickConnect(_) => TaskTarget::QuickConnect(id),
            TaskTarget::TaskTemplate(_) => TaskTarget::TaskTemplate(id),
        };
        let description = match &self.description {
            Some(template) => draft.render_within(
                rule,
                At::key(&self.path, "description"),
                template,
                limits::CONTACT_DESCRIPTION,
            )?,
            None => None,
        };
        let attributes =
            attributes::render_values(&self.attributes, &at("attributes"), rule, draft)?;
        attributes::check_total(&BTreeMap::new(), &attributes)?;
        let references =
            references::render_values(&self.references, &at("references"), rule, draft)?;
        references::check_total(&BTreeMap::new(), &references)?;
        let scheduled_time = match &self.schedule {
            Some(schedule) => schedule.render(&at("schedule"), rule, draft)?,
            None => None,
        };
        let expiry_minutes = match &self.expiry_minutes {
            Some(template) => {
                let at = At::key(&self.path, "expiry_minutes");
                match draft.render(rule, at, template, Encoding::Plain)? {
                    Some(value) => {
                        Some(limits::check_expiry_minutes(&value).map_err(|message| {
                            ActionError::invalid(rule, &at.to_string(), message)
                        })?)
                    }
                    None => None,
                }
            }
            None => None,
        };
        let contact = draft.contact;
        let contact_id = contact.data.contact_id.clone();
        Ok(Some(TaskCall {
            instance_id: contact.instance_id.clone(),
            name,
            description,
            target,
            client_token: client_token(&contact.instance_id, &contact_id, rule.id, &self.key),
            link: match self.link {
                Link::Previous => TaskLink::Previous(contact_id),
                Link::Related => TaskLink::Related(contact_id),
            },
            attributes,
            references,
            scheduled_time,
            expiry_minutes,
            task: self.key.clone(),
        }))
    }
}

impl Action for CreateTask {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        for task in &self.0 {
            if let Some(call) = task.render(rule, draft)? {
                draft.calls.push(Call::StartTaskContact(call));
            }
        }
        Ok(())
    }

    fn answer_keys(&self) -> Vec<AnswerKey> {
        self.0
            .iter()
            .map(|task| AnswerKey {
                key: key::task(&task.key),
                path: task.path.clone(),
                unique: true,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_the_intent_and_are_pinned() {
        let base = client_token("i", "c", "r", "callback");
        assert_ne!(base, client_token("i", "c", "r", "review"));
        assert_ne!(base, client_token("i", "c2", "r", "callback"));
        assert_ne!(base, client_token("i", "c", "r2", "callback"));
        assert_ne!(
            client_token("ab", "c", "r", "t"),
            client_token("a", "bc", "r", "t")
        );
        // Pinned (computed independently, by Python's hashlib): a new derivation would let an
        // invocation retried across a deployment create a second task.
        assert_eq!(
            base,
            "29d671dacdc005ca0534edeaba944e3baf89bf5ce8ff2d5ddf5c8c13adf7fc21"
        );
        assert_eq!(base.len(), 64);
    }
}
