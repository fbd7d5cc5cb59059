//! Evaluating a rule set against a contact: a pure function from (rules, contact) to a plan,
//! plain data naming every Connect call to make. Every value is rendered and checked against
//! Connect's limits here, so nothing is called for an invocation that would fail part-way.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::actions::{ActionError, Draft};
use crate::calls::Calls;
use crate::contact::Contact;
use crate::rules::{Rule, RuleBook};
use crate::vocabulary::code;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub rule_set: String,
    pub matched_rules: Vec<String>,
    pub calls: Calls,
    /// `return` values of the matched rules, later rules overriding earlier ones.
    pub answer: BTreeMap<String, String>,
    /// Values left out because a field they read was missing (`on_missing: skip`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Why a matched action made no call, by the answer key that says so
    /// (`transferRefused`, `expiryRefused`, `routingRefused`).
    #[serde(flatten)]
    pub refused: BTreeMap<String, String>,
}

/// Why no plan could be made. Nothing has been called when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the block parameter `{parameter}` names rule set `{name}`, which the rules file does not have; it has: {known}")]
    UnknownRuleSet {
        parameter: String,
        name: String,
        known: String,
    },
    #[error("no rule set chosen: set the block parameter `{parameter}` (the rules file has no default_rule_set)")]
    NoRuleSet { parameter: String },
    #[error(transparent)]
    Action(#[from] ActionError),
}

impl PlanError {
    /// The `errorCode` the flow sees.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::UnknownRuleSet { .. } => code::UNKNOWN_RULE_SET,
            PlanError::NoRuleSet { .. } => code::NO_RULE_SET,
            PlanError::Action(error) => error.code(),
        }
    }
}

/// Picks the rule set the block asks for, evaluates it in order and renders the calls.
pub fn plan(book: &RuleBook, contact: &Contact) -> Result<Plan, PlanError> {
    let (rule_set, rules) = choose_rule_set(book, contact)?;
    let mut draft = Draft::new(contact);
    let mut matched_rules = Vec::new();
    for rule in rules {
        if rule
            .when
            .as_ref()
            .is_none_or(|condition| condition.holds(contact))
        {
            matched_rules.push(rule.id.clone());
            draft.apply(&rule.context(), &rule.actions)?;
            if rule.stop {
                break;
            }
        }
    }
    let rendered = draft.finish()?;
    Ok(Plan {
        rule_set: rule_set.to_owned(),
        matched_rules,
        calls: rendered.calls,
        answer: rendered.answer,
        skipped: rendered.skipped,
        refused: rendered.refused,
    })
}

/// The rule set the block's parameter names, else the file's default, and its rules.
pub fn choose_rule_set<'b>(
    book: &'b RuleBook,
    contact: &Contact,
) -> Result<(&'b str, &'b [Rule]), PlanError> {
    let parameter = &book.settings.rule_set_parameter;
    let name = contact
        .parameters
        .get(parameter)
        .filter(|name| !name.is_empty())
        .or(book.settings.default_rule_set.as_ref())
        .ok_or_else(|| PlanError::NoRuleSet {
            parameter: parameter.clone(),
        })?;
    book.rule_sets
        .get_key_value(name)
        .map(|(name, rules)| (name.as_str(), rules.as_slice()))
        .ok_or_else(|| PlanError::UnknownRuleSet {
            parameter: parameter.clone(),
            name: name.clone(),
            known: book
                .rule_sets
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests;
