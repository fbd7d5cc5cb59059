//! `connect-rules explain`: for the rule set an event chooses, every rule in order, matched
//! or not, and for one that did not match, the tests that decided it with the values the
//! contact had. It runs on the author's own machine, so values are shown; the function's
//! logs never show them.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::contact::Contact;
use crate::error::InvocationError;
use crate::event::FlowEvent;
use crate::plan::{self, PlanError};
use crate::rules::why::{deciding, Decision};
use crate::rules::RuleBook;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<String>,
    pub rules: Vec<RuleVerdict>,
    /// Values left out because a field they read was missing (`on_missing: skip`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// What the flow would get instead of a plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleVerdict {
    pub id: String,
    pub result: Outcome,
    /// For a rule that did not match: the tests that decided it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<Decision>,
    /// A matched rule with `stop: true`: the rules after it are not evaluated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stops: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Matched,
    NoMatch,
    /// After a rule that stopped evaluation.
    NotEvaluated,
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl From<&InvocationError> for Failure {
    fn from(error: &InvocationError) -> Self {
        Failure {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

/// Explains what `book` does with the event `payload` at `now`.
pub fn explain(book: &RuleBook, payload: Value, now: SystemTime) -> Explanation {
    let mut explanation = Explanation {
        rule_set: None,
        rules: Vec::new(),
        skipped: Vec::new(),
        error: None,
    };
    let event = match FlowEvent::from_value(payload) {
        Ok(event) => event,
        Err(error) => {
            explanation.error = Some(Failure::from(&InvocationError::from(error)));
            return explanation;
        }
    };
    let contact = Contact::new(event, now).in_calendar(book.settings.calendar.clone());
    let (rule_set, rules) = match plan::choose_rule_set(book, &contact) {
        Ok(chosen) => chosen,
        Err(error) => {
            explanation.error = Some(Failure::from(&InvocationError::from(error)));
            return explanation;
        }
    };
    explanation.rule_set = Some(rule_set.to_owned());
    let mut stopped = false;
    for rule in rules {
        let (matched, because) = match &rule.when {
            _ if stopped => (false, Vec::new()),
            None => (true, Vec::new()),
            Some(condition) => deciding(condition, &contact),
        };
        let result = match (stopped, matched) {
            (true, _) => Outcome::NotEvaluated,
            (false, true) => Outcome::Matched,
            (false, false) => Outcome::NoMatch,
        };
        let stops = matched && rule.stop;
        explanation.rules.push(RuleVerdict {
            id: rule.id.clone(),
            result,
            because: if matched { Vec::new() } else { because },
            stops,
        });
        stopped |= stops;
    }
    match plan::plan(book, &contact) {
        Ok(plan) => explanation.skipped = plan.skipped,
        Err(error @ PlanError::Action(_)) => {
            explanation.error = Some(Failure::from(&InvocationError::from(error)));
        }
        Err(_) => {}
    }
    explanation
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule_set) = &self.rule_set {
            writeln!(f, "rule set `{rule_set}`")?;
        }
        for rule in &self.rules {
            let result = match rule.result {
                Outcome::Matched => "matched",
                Outcome::NoMatch => "no match",
                Outcome::NotEvaluated => "not run",
            };
            write!(f, "  {result:<10}{}", rule.id)?;
            if rule.stops {
                write!(f, " (stop: true, so the rules after it are not evaluated)")?;
            }
            writeln!(f)?;
            for decision in &rule.because {
                writeln!(f, "              {}", shown(decision))?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(
                f,
                "left out, a field they read being missing: {}",
                self.skipped.join(", ")
            )?;
        }
        if let Some(error) = &self.error {
            writeln!(f, "error {}: {}", error.code, error.message)?;
        }
        Ok(())
    }
}

/// `attributes.tier is "silver": one_of: ["gold"] does not hold`
fn shown(decision: &Decision) -> String {
    let value = match &decision.value {
        Some(value) => format!("is {value:?}"),
        None => "is missing".to_owned(),
    };
    let case = if decision.ignore_case {
        " (ignoring case)"
    } else {
        ""
    };
    let verdict = match (decision.held, decision.negated) {
        (true, false) => "holds",
        (false, false) => "does not hold",
        (true, true) => "holds, under `not`",
        (false, true) => "does not hold, under `not`",
    };
    format!(
        "{} {value}: {}: {}{case} {verdict}",
        decision.field, decision.operator, decision.operand
    )
}
