//! The rules file, loaded and checked once at cold start into an immutable rule book.

mod body;
mod check;
pub mod compiled;
mod condition;
#[cfg(test)]
mod condition_tests;
mod file;
mod pattern;
pub mod schema;
#[cfg(test)]
mod shape_tests;
mod time;
#[cfg(test)]
mod time_tests;
pub mod why;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub use crate::actions::OnMissing;
pub use crate::diagnostics::{FileError, Problem};
pub use condition::{Comparison, Condition, Test};
pub use pattern::Pattern;

use crate::actions::{Actions, RuleContext};
use crate::calendar::Calendar;

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
    /// The zone local time is read in, and its holidays.
    pub calendar: Calendar,
    /// Whether metrics count matches per rule, not only per rule set.
    pub rule_metrics: bool,
}

/// What the flow gets when something fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// A normal answer with `status=error`: the flow branches on it.
    Answer,
    /// A function error: the flow takes the block's Error branch.
    Raise,
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

impl Rule {
    /// The rule as its actions see it when they render.
    pub fn context(&self) -> RuleContext<'_> {
        RuleContext {
            id: &self.id,
            on_missing: self.on_missing,
        }
    }
}

/// A rules file that cannot be used, with every problem found in it.
pub type RulesError = FileError;

/// Which form a rule book was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// A rules file, read and checked at load.
    Source,
    /// What `connect-rules compile` wrote.
    Compiled(compiled::Provenance),
}

impl RuleBook {
    /// Reads a rules file or a compiled one.
    pub fn load(path: &Path) -> Result<RuleBook, RulesError> {
        Self::open(path).map(|(book, _)| book)
    }

    /// Reads a rules file or a compiled one, and says which it was.
    pub fn open(path: &Path) -> Result<(RuleBook, Form), RulesError> {
        let text = FileError::read(path, "the rules file")?;
        let origin = path.display().to_string();
        if compiled::is_compiled(&text) {
            let (book, provenance) = compiled::read(&text, &origin)?;
            return Ok((book, Form::Compiled(provenance)));
        }
        if path
            .extension()
            .is_some_and(|ext| ext == compiled::EXTENSION)
        {
            return Err(compiled::not_compiled(&origin));
        }
        Ok((Self::from_source(&text, &origin)?, Form::Source))
    }

    /// A handle to each of its `matches` patterns, in the order each rule set tests them.
    pub fn patterns(&self) -> Vec<Pattern> {
        let mut found = Vec::new();
        for rule in self.rule_sets.values().flatten() {
            if let Some(condition) = &rule.when {
                condition.patterns(&mut found);
            }
        }
        found.into_iter().cloned().collect()
    }

    /// How many rules, in all rule sets.
    pub fn rule_count(&self) -> usize {
        self.rule_sets.values().map(Vec::len).sum()
    }

    /// Checks YAML or JSON text; `origin` names it in messages.
    pub fn from_source(source: &str, origin: &str) -> Result<RuleBook, RulesError> {
        check::check(source).map_err(|problems| RulesError {
            origin: origin.to_owned(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests;
