//! The rules file, loaded and checked once at cold start into an immutable rule book.

mod check;
mod condition;
mod file;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

pub use check::Problem;
pub use condition::{Comparison, Condition, Test};

use crate::limits::ReferenceType;
use crate::template::Template;

/// A checked rules file: every rule set, ready to evaluate.
#[derive(Debug, Clone)]
pub struct RuleBook {
    pub settings: Settings,
    pub rule_sets: BTreeMap<String, Vec<Rule>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub on_error: OnError,
    /// The flow block's timeout: every invocation must answer within it.
    pub block_timeout: Duration,
    /// The block parameter that names the rule set to use.
    pub rule_set_parameter: String,
    pub default_rule_set: Option<String>,
}

/// What the flow gets when something fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// A normal answer with `status=error`: the flow branches on it.
    Answer,
    /// A function error: the flow takes the block's Error branch.
    Raise,
}

/// What a template does when a field it reads is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMissing {
    /// The invocation fails before any call, naming the field.
    Fail,
    /// Only the value that needed the field is left out, and the answer lists it.
    Skip,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: Option<String>,
    /// `None` matches every contact.
    pub when: Option<Condition>,
    pub actions: Actions,
    pub stop: bool,
    pub on_missing: OnMissing,
}

#[derive(Debug, Clone, Default)]
pub struct Actions {
    pub set_attributes: Vec<(String, Template)>,
    pub add_references: Vec<ReferenceAction>,
    pub name: Option<Template>,
    pub description: Option<Template>,
    pub transfer: Option<TransferAction>,
    /// Values added to the flow's answer (`return` in the file).
    pub answer: Vec<(String, Template)>,
}

#[derive(Debug, Clone)]
pub struct ReferenceAction {
    pub name: String,
    pub kind: ReferenceType,
    pub value: Template,
}

#[derive(Debug, Clone)]
pub struct TransferAction {
    pub target: TransferTarget<Template>,
    pub contact_flow_id: Template,
}

/// Where a transfer goes: TransferContact takes a queue or a user, never both.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum TransferTarget<T> {
    #[serde(rename = "QueueId")]
    Queue(T),
    #[serde(rename = "UserId")]
    User(T),
}

/// A rules file that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RulesError {
    pub origin: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{}", problem.display(&self.origin))?;
        }
        let count = self.problems.len();
        write!(
            f,
            "{}: {count} problem{}",
            self.origin,
            if count == 1 { "" } else { "s" }
        )
    }
}

impl RuleBook {
    pub fn load(path: &Path) -> Result<RuleBook, RulesError> {
        let origin = path.display().to_string();
        let source = std::fs::read_to_string(path).map_err(|error| RulesError {
            origin: origin.clone(),
            problems: vec![Problem::whole_file(format!(
                "cannot read the rules file: {error}"
            ))],
        })?;
        Self::from_source(&source, &origin)
    }

    /// Checks YAML or JSON text; `origin` names it in messages.
    pub fn from_source(source: &str, origin: &str) -> Result<RuleBook, RulesError> {
        check::check(source).map_err(|problems| RulesError {
            origin: origin.to_owned(),
            problems,
        })
    }
}
