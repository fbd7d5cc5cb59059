//! What a rule does. Each action has a module of its own holding its file shape, its
//! load-time check (every problem with its location) and its rendering into the plan, checked
//! against the same limits at both times. This module joins them: the shape of a rule's
//! `actions:`, the checked list, and the draft plan they render into.

mod attributes;
mod contact_update;
mod expiry;
mod references;
mod returns;
mod routing;
mod schedule;
mod task;
mod transfer;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::calls::{Call, Calls, ContactCall};
use crate::contact::Contact;
use crate::diagnostics::RuleScope;
use crate::limits::{self, Length};
use crate::template::{Encoding, Missing, Template, Text};
use crate::vocabulary::code;

/// What a matched rule does; every value is a template.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    expecting = "actions: set_attributes, add_references, update_contact, contact_expiry, set_routing, create_task, transfer, return"
)]
#[schemars(deny_unknown_fields)]
pub struct ActionsFile {
    /// Contact attributes to write (UpdateContactAttributes), by key.
    pub set_attributes: Option<attributes::File>,
    /// References to add to the contact (UpdateContact), by name.
    pub add_references: Option<references::File>,
    /// The contact's name and description (UpdateContact).
    pub update_contact: Option<contact_update::File>,
    /// Minutes the contact stays active (UpdateContact; TASK and EMAIL contacts).
    pub contact_expiry: Option<expiry::File>,
    /// The contact's routing priority (UpdateContactRoutingData; queued contacts).
    pub set_routing: Option<routing::File>,
    /// Follow-up tasks to create (StartTaskContact), by name.
    pub create_task: Option<task::File>,
    /// Hands the contact to a queue or an agent (TransferContact; TASK and EMAIL contacts).
    pub transfer: Option<transfer::File>,
    /// Values added to the flow's answer, by key.
    #[serde(rename = "return")]
    pub answer: Option<returns::File>,
}

/// One checked action, ready to render into a draft plan.
trait Action: fmt::Debug + Send + Sync {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError>;

    /// Answer keys the action writes, which `return` values must then not use.
    fn answer_keys(&self) -> Vec<AnswerKey> {
        Vec::new()
    }

    /// The keys of `return` values, each with its path in the rule.
    fn returned_keys(&self) -> Vec<(&str, At<'_>)> {
        Vec::new()
    }
}

/// An answer key an action writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerKey {
    pub key: String,
    /// Where the rule asks for it, for messages.
    pub path: String,
    /// Whether only one rule of a rule set may write it (a task's id), rather than any
    /// number of them (a refusal's reason).
    pub unique: bool,
}

/// A rule's checked actions, in the order they render.
#[derive(Debug, Clone, Default)]
pub struct Actions(Vec<Arc<dyn Action>>);

impl Actions {
    /// Checks every action of a rule, reporting each problem under it; `None` when any
    /// action is unusable.
    pub fn check(file: ActionsFile, scope: &mut RuleScope<'_, '_>) -> Option<Actions> {
        let mut actions = Actions::default();
        let mut complete = true;
        let mut add = |action: Option<Option<Arc<dyn Action>>>| match action {
            Some(Some(action)) => actions.0.push(action),
            Some(None) => complete = false,
            None => {}
        };
        add(file.set_attributes.map(|f| attributes::check(f, scope)));
        add(file.add_references.map(|f| references::check(f, scope)));
        add(file.update_contact.map(|f| contact_update::check(f, scope)));
        add(file.contact_expiry.map(|f| expiry::check(f, scope)));
        add(file.set_routing.map(|f| routing::check(f, scope)));
        add(file.create_task.map(|f| task::check(f, scope)));
        add(file.transfer.map(|f| transfer::check(f, scope)));
        add(file.answer.map(|f| returns::check(f, scope)));
        actions.0.shrink_to_fit();
        complete.then_some(actions)
    }

    /// Answer keys the actions write besides the function's own.
    pub fn answer_keys(&self) -> Vec<AnswerKey> {
        self.0.iter().flat_map(|a| a.answer_keys()).collect()
    }

    /// `return` keys with their paths: none may be one of `answer_keys` of any rule in the file.
    pub fn returned_keys(&self) -> Vec<(&str, At<'_>)> {
        self.0.iter().flat_map(|a| a.returned_keys()).collect()
    }
}

/// Where a value sits in a rule (`actions.set_attributes` and its key), written out only
/// when a message or a skipped value needs it: rendering a matched rule formats no paths.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    path: &'a str,
    key: Option<&'a str>,
}

impl<'a> At<'a> {
    pub(super) fn path(path: &'a str) -> Self {
        At { path, key: None }
    }

    pub(super) fn key(path: &'a str, key: &'a str) -> Self {
        At {
            path,
            key: Some(key),
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)?;
        match self.key {
            Some(key) => write!(f, ".{key}"),
            None => Ok(()),
        }
    }
}

/// What a template does when a field it reads is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMissing {
    /// The invocation fails before any call, naming the field.
    Fail,
    /// Only the value that needed the field is left out, and the answer lists it.
    Skip,
}

/// The rule an action belongs to, as rendering needs it.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'r> {
    pub id: &'r str,
    pub on_missing: OnMissing,
}

/// Why a plan could not be rendered. Nothing has been called when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("rule `{rule}`: {path}: {missing} (the rule says on_missing: fail)")]
    MissingValue {
        rule: String,
        path: String,
        missing: Missing,
    },
    #[error("rule `{rule}`: {path}: {message}")]
    InvalidValue {
        rule: String,
        path: String,
        message: String,
    },
    #[error("rules `{first}` and `{second}` both transfer the contact; a contact is transferred once per invocation")]
    ConflictingTransfers { first: String, second: String },
    #[error("the contact's attributes would take {bytes} bytes; Connect holds at most {limit}", limit = limits::ATTRIBUTES_TOTAL_BYTES)]
    AttributesTooLarge { bytes: usize },
    #[error("the contact's references would take {bytes} bytes; Connect holds at most {limit}", limit = limits::REFERENCES_TOTAL_BYTES)]
    ReferencesTooLarge { bytes: usize },
}

impl ActionError {
    /// The `errorCode` the flow sees.
    pub fn code(&self) -> &'static str {
        match self {
            ActionError::MissingValue { .. } => code::MISSING_VALUE,
            ActionError::InvalidValue { .. } => code::INVALID_VALUE,
            ActionError::ConflictingTransfers { .. } => code::CONFLICTING_TRANSFERS,
            ActionError::AttributesTooLarge { .. } => code::ATTRIBUTES_TOO_LARGE,
            ActionError::ReferencesTooLarge { .. } => code::REFERENCES_TOO_LARGE,
        }
    }

    fn invalid(rule: &RuleContext<'_>, path: &str, message: String) -> ActionError {
        ActionError::InvalidValue {
            rule: rule.id.to_owned(),
            path: path.to_owned(),
            message,
        }
    }
}

/// The plan as the matched rules' actions render it, one rule after another: later values
/// override earlier ones.
pub struct Draft<'c> {
    contact: &'c Contact,
    calls: Vec<Call>,
    answer: BTreeMap<String, String>,
    skipped: Vec<String>,
    refused: BTreeMap<&'static str, String>,
}

/// A finished draft: every call checked against the contact's totals.
#[derive(Debug)]
pub struct Rendered {
    pub calls: Calls,
    pub answer: BTreeMap<String, String>,
    pub skipped: Vec<String>,
    /// Why a matched action made no call, by the answer key that says so.
    pub refused: BTreeMap<String, String>,
}

impl<'c> Draft<'c> {
    pub fn new(contact: &'c Contact) -> Self {
        Draft {
            contact,
            calls: Vec::new(),
            answer: BTreeMap::new(),
            skipped: Vec::new(),
            refused: BTreeMap::new(),
        }
    }

    pub fn apply(&mut self, rule: &RuleContext<'_>, actions: &Actions) -> Result<(), ActionError> {
        actions
            .0
            .iter()
            .try_for_each(|action| action.render(rule, self))
    }

    pub fn finish(mut self) -> Result<Rendered, ActionError> {
        for call in &self.calls {
            match call {
                Call::UpdateContactAttributes(call) => {
                    attributes::check_total(&self.contact.data.attributes, &call.attributes)?
                }
                Call::UpdateContact(call) => {
                    references::check_total(&self.contact.data.references, &call.references)?
                }
                Call::UpdateContactRoutingData(_)
                | Call::StartTaskContact(_)
                | Call::TransferContact(_) => {}
            }
        }
        // Stable: tasks keep the order their rules created them in.
        self.calls.sort_by_key(Call::operation);
        Ok(Rendered {
            calls: Calls(self.calls),
            answer: self.answer,
            skipped: self.skipped,
            refused: self
                .refused
                .into_iter()
                .map(|(key, reason)| (key.to_owned(), reason))
                .collect(),
        })
    }

    /// Renders one value; `None` when it was skipped for a missing field.
    fn render(
        &mut self,
        rule: &RuleContext<'_>,
        at: At<'_>,
        template: &Template,
        encoding: Encoding,
    ) -> Result<Option<String>, ActionError> {
        match template.render(self.contact, encoding) {
            Ok(value) => Ok(Some(value)),
            Err(missing) if rule.on_missing == OnMissing::Skip => {
                self.skipped.push(format!("{}.{at}", rule.id));
                tracing::debug!(rule = rule.id, path = %at, %missing, "value skipped");
                Ok(None)
            }
            Err(missing) => Err(ActionError::MissingValue {
                rule: rule.id.to_owned(),
                path: at.to_string(),
                missing,
            }),
        }
    }

    /// Renders one text member and checks it against its length.
    fn render_within(
        &mut self,
        rule: &RuleContext<'_>,
        at: At<'_>,
        template: &Template,
        length: Length,
    ) -> Result<Option<String>, ActionError> {
        let Some(value) = self.render(rule, at, template, Encoding::Plain)? else {
            return Ok(None);
        };
        length
            .check(&value)
            .map_err(|message| ActionError::invalid(rule, &at.to_string(), message))?;
        Ok(Some(value))
    }

    /// Says why a matched action made no call; the first reason is kept.
    fn refuse(&mut self, key: &'static str, reason: String) {
        self.refused.entry(key).or_insert(reason);
    }

    /// The invocation's UpdateContact call, planned on first use.
    fn contact_update(&mut self) -> &mut ContactCall {
        let index = match self
            .calls
            .iter()
            .position(|call| matches!(call, Call::UpdateContact(_)))
        {
            Some(index) => index,
            None => {
                self.calls.push(Call::UpdateContact(ContactCall {
                    instance_id: self.contact.instance_id.clone(),
                    contact_id: self.contact.data.contact_id.clone(),
                    name: None,
                    description: None,
                    references: BTreeMap::new(),
                    expiry_minutes: None,
                }));
                self.calls.len() - 1
            }
        };
        match &mut self.calls[index] {
            Call::UpdateContact(call) => call,
            _ => unreachable!("the position of an UpdateContact call"),
        }
    }

    fn channel(&self) -> &str {
        self.contact.data.channel.as_deref().unwrap_or("unknown")
    }
}

/// Parses a template, reporting a syntax error or an unknown field at `path`.
fn template(
    scope: &mut RuleScope<'_, '_>,
    path: impl fmt::Display,
    text: &Text,
) -> Option<Template> {
    match Template::parse(&text.0) {
        Ok(template) => Some(template),
        Err(error) => {
            scope.problem(&path.to_string(), error.to_string());
            None
        }
    }
}

/// A template for a text member: one whose literal text alone breaks the member's length
/// can never be sent.
fn bounded(
    scope: &mut RuleScope<'_, '_>,
    path: &str,
    text: &Text,
    length: Length,
) -> Option<Template> {
    let template = template(scope, path, text)?;
    if let Some(literal) = template.as_literal() {
        if let Err(message) = length.check(&literal) {
            scope.problem(path, message);
        }
    } else if template.min_chars() > length.max {
        scope.problem(
            path,
            format!(
                "its fixed text alone exceeds the limit of {} characters",
                length.max
            ),
        );
    }
    Some(template)
}

/// Channels whose contacts Connect lets us transfer and give an expiry.
const TASK_AND_EMAIL: [&str; 2] = ["TASK", "EMAIL"];

#[cfg(test)]
mod tests;
