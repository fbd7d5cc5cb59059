//! Turns a rules file into a rule book, collecting every problem with its location instead
//! of stopping at the first. Each action checks itself (`actions`); this checks the file's
//! settings, its rules and their conditions, and what holds across the rules of a set.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::condition::{self, Place};
use super::file::{RuleFile, RulesFile, SettingsFile};
use super::pattern::Compile;
use super::schema;
use super::{OnError, OnMissing, Rule, RuleBook, Settings};
use crate::actions::Actions;
use crate::calendar::{self, Calendar, Zone};
use crate::diagnostics::{join, shape, unknown_key, Diagnostics, Problem, RuleAt, Segment};
use crate::limits;

const DEFAULT_BLOCK_TIMEOUT_SECONDS: u64 = 3;
const DEFAULT_RULE_SET_PARAMETER: &str = "ruleSet";

pub(super) fn check(source: &str) -> Result<RuleBook, Vec<Problem>> {
    let parsed = shape::parse::<RulesFile>(source)?;
    let mut checker = Checker {
        diagnostics: Diagnostics::new(source),
        patterns: Compile::AtLoad,
    };
    let file = parsed.file;
    for part in parsed.misshapen {
        checker.report(&file, &part.path, Some(part.message));
    }
    for path in parsed.unknown_keys {
        let unknown = unknown_key(schema::schema(), &path);
        checker.report(&file, &path, Some(unknown.message));
        if let Some(meant) = unknown.meant {
            checker.report(&file, &meant, None);
        }
    }
    checker.finish(file)
}

/// The checker for a compiled body, which has no text to locate problems in: it was
/// checked with its text when it was compiled, so its patterns are compiled only when first
/// used. `body` feeds it the rules as they are read.
pub(super) fn compiled() -> Checker<'static> {
    Checker {
        diagnostics: Diagnostics::new(""),
        patterns: Compile::OnFirstUse,
    }
}

pub(super) struct Checker<'s> {
    diagnostics: Diagnostics<'s>,
    patterns: Compile,
}

impl Checker<'_> {
    fn finish(mut self, file: RulesFile) -> Result<RuleBook, Vec<Problem>> {
        let book = self.book(file);
        self.problems_or(book)
    }

    fn problems_or(self, book: RuleBook) -> Result<RuleBook, Vec<Problem>> {
        let problems = self.diagnostics.into_problems();
        if problems.is_empty() {
            Ok(book)
        } else {
            Err(problems)
        }
    }

    fn top(&mut self, field: &str, message: impl Into<String>) {
        self.diagnostics.top(field, message);
    }

    fn at(&mut self, rule: &RuleAt<'_>, field: &str, message: impl Into<String>) {
        self.diagnostics.rule(*rule).problem(field, message);
    }

    /// Reports a part of the wrong shape or an unknown key (with no `message`, the key an
    /// unknown one meant), at a path from the top of the file, under its rule when it is in
    /// one; what overlaps it is not reported again.
    fn report(&mut self, file: &RulesFile, path: &[Segment], message: Option<String>) {
        if let [Segment::Key(root), Segment::Key(set), Segment::Index(index), rest @ ..] = path {
            if root == "rule_sets" {
                if let Some(rule) = file.rule_sets.get(set).and_then(|rules| rules.get(*index)) {
                    let at = RuleAt {
                        set,
                        index: *index,
                        id: &rule.id.0,
                    };
                    let field = join(rest);
                    if let Some(message) = message {
                        self.at(&at, &field, message);
                    }
                    self.diagnostics.reported(Some(&at), &field);
                    return;
                }
            }
        }
        let field = join(path);
        if let Some(message) = message {
            self.top(&field, message);
        }
        self.diagnostics.reported(None, &field);
    }

    fn book(&mut self, file: RulesFile) -> RuleBook {
        let settings = self.settings(file.settings, &file.rule_sets);
        let rule_sets = file
            .rule_sets
            .into_iter()
            .map(|(set, rules)| {
                let rules = self.rule_set(&set, rules);
                (set, rules)
            })
            .collect();
        self.assemble(settings, rule_sets)
    }

    /// The book of rule sets checked one by one as a compiled body was read, with its
    /// settings.
    pub(super) fn finish_read(
        mut self,
        settings: SettingsFile,
        rule_sets: BTreeMap<String, Vec<Rule>>,
    ) -> Result<RuleBook, Vec<Problem>> {
        let settings = self.settings(settings, &rule_sets);
        let book = self.assemble(settings, rule_sets);
        self.problems_or(book)
    }

    fn assemble(&mut self, settings: Settings, rule_sets: BTreeMap<String, Vec<Rule>>) -> RuleBook {
        if rule_sets.is_empty() {
            self.top("rule_sets", "there are no rule sets; add at least one");
        }
        RuleBook {
            settings,
            rule_sets,
        }
    }

    /// Checks a rule set's rules as they come, and then what holds across them.
    pub(super) fn rule_set(
        &mut self,
        set: &str,
        rules: impl IntoIterator<Item = RuleFile>,
    ) -> Vec<Rule> {
        let mut seen = HashSet::new();
        let mut count = 0;
        let checked: Vec<(usize, Rule)> = rules
            .into_iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                count += 1;
                Some((index, self.rule(set, index, rule, &mut seen)?))
            })
            .collect();
        if count == 0 {
            self.top(
                &format!("rule_sets.{set}"),
                format!("rule set `{set}` has no rules"),
            );
        }
        self.answer_keys(set, &checked);
        let mut rules: Vec<Rule> = checked.into_iter().map(|(_, rule)| rule).collect();
        // Collected in place, the list would keep the larger buffer it was collected from.
        rules.shrink_to_fit();
        rules
    }

    /// Across a rule set: a key only one rule may answer (a task's id) is answered by one,
    /// and no `return` value takes a key an action of the set answers.
    fn answer_keys(&mut self, set: &str, rules: &[(usize, Rule)]) {
        let mut owners: HashMap<String, &str> = HashMap::new();
        let mut written = HashSet::new();
        for (index, rule) in rules {
            let at = RuleAt {
                set,
                index: *index,
                id: &rule.id,
            };
            for key in rule.actions.answer_keys() {
                match owners.get(&key.key) {
                    Some(first) if key.unique => self.at(
                        &at,
                        &key.path,
                        format!(
                            "rule `{first}` answers `{}` too; name each task once in a rule set",
                            key.key
                        ),
                    ),
                    _ => {
                        owners.entry(key.key.clone()).or_insert(&rule.id);
                    }
                }
                written.insert(key.key);
            }
        }
        for (index, rule) in rules {
            let at = RuleAt {
                set,
                index: *index,
                id: &rule.id,
            };
            for (key, path) in rule.actions.returned_keys() {
                if written.contains(key) {
                    self.at(
                        &at,
                        &path.to_string(),
                        format!(
                            "`{key}` is a key this rule set's actions answer; choose another name"
                        ),
                    );
                }
            }
        }
    }

    fn settings<R>(&mut self, file: SettingsFile, rule_sets: &BTreeMap<String, R>) -> Settings {
        let on_error = match file.on_error.as_deref() {
            None | Some("answer") => OnError::Answer,
            Some("raise") => OnError::Raise,
            Some(other) => {
                self.top(
                    "settings.on_error",
                    format!("`{other}` is neither `answer` nor `raise`"),
                );
                OnError::Answer
            }
        };
        let seconds = file
            .block_timeout_seconds
            .unwrap_or(DEFAULT_BLOCK_TIMEOUT_SECONDS);
        if !(1..=limits::BLOCK_TIMEOUT_MAX_SECONDS).contains(&seconds) {
            self.top(
                "settings.block_timeout_seconds",
                format!(
                    "{seconds} is outside the flow block's range of 1 to {} seconds",
                    limits::BLOCK_TIMEOUT_MAX_SECONDS
                ),
            );
        }
        let rule_set_parameter = file
            .rule_set_parameter
            .unwrap_or_else(|| DEFAULT_RULE_SET_PARAMETER.to_owned());
        if rule_set_parameter.is_empty() {
            self.top("settings.rule_set_parameter", "cannot be empty");
        }
        let default_rule_set = match file.default_rule_set {
            Some(name) if !rule_sets.contains_key(&name) => {
                let known = rule_sets
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.top(
                    "settings.default_rule_set",
                    format!("`{name}` names no rule set; the rule sets are: {known}"),
                );
                None
            }
            Some(name) => Some(name),
            None if rule_sets.len() == 1 => rule_sets.keys().next().cloned(),
            None => None,
        };
        Settings {
            on_error,
            block_timeout: Duration::from_secs(seconds),
            rule_set_parameter,
            default_rule_set,
            calendar: self.calendar(file.time_zone, file.holidays),
            rule_metrics: file.rule_metrics,
        }
    }

    fn calendar(&mut self, zone: Option<String>, holidays: Option<Vec<String>>) -> Calendar {
        let zone = match zone.map(|name| Zone::named(&name)) {
            None => Zone::utc(),
            Some(Ok(zone)) => zone,
            Some(Err(message)) => {
                self.top("settings.time_zone", message);
                Zone::utc()
            }
        };
        let mut dates = BTreeSet::new();
        for (index, text) in holidays.into_iter().flatten().enumerate() {
            match calendar::date(&text) {
                Ok(date) => {
                    dates.insert(date);
                }
                Err(message) => self.top(&format!("settings.holidays[{index}]"), message),
            }
        }
        Calendar {
            zone,
            holidays: Arc::new(dates),
        }
    }

    fn rule(
        &mut self,
        set: &str,
        index: usize,
        rule: RuleFile,
        seen: &mut HashSet<String>,
    ) -> Option<Rule> {
        let id = rule.id.0;
        let at = RuleAt {
            set,
            index,
            id: &id,
        };
        if let Err(message) = limits::check_key(&id) {
            self.at(&at, "id", format!("rule id: {message}"));
        }
        if !seen.insert(id.clone()) {
            self.at(
                &at,
                "id",
                format!("duplicate rule id `{id}` in rule set `{set}`"),
            );
        }
        let on_missing = match rule.on_missing.as_deref() {
            None | Some("fail") => OnMissing::Fail,
            Some("skip") => OnMissing::Skip,
            Some(other) => {
                self.at(
                    &at,
                    "on_missing",
                    format!("`{other}` is neither `fail` nor `skip`"),
                );
                OnMissing::Fail
            }
        };
        let when = rule.when.map(|condition| {
            condition::check(
                &mut self.diagnostics,
                &at,
                Place::When,
                condition,
                self.patterns,
            )
        });
        let actions = Actions::check(rule.actions, &mut self.diagnostics.rule(at));
        let when = match when {
            Some(None) => return None,
            Some(checked) => checked,
            None => None,
        };
        Some(Rule {
            id: id.clone(),
            description: rule.description,
            when,
            actions: actions?,
            stop: rule.stop,
            on_missing,
        })
    }
}
