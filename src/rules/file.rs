//! The rules file exactly as written: serde types mirroring YAML (or JSON), before checking.
//!
//! Unknown keys are not rejected here but collected by `serde_ignored` in `check`, so one
//! report can name every unknown key instead of stopping at the first.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::actions::ActionsFile;
use crate::template::Text;

/// A connect-rules rules file: settings, and the rule sets a flow's block chooses from.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(expecting = "a rules file: `settings` and `rule_sets`")]
#[schemars(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub settings: SettingsFile,
    /// Each rule set an ordered list of rules; a flow's block names one with its
    /// `ruleSet` parameter.
    pub rule_sets: BTreeMap<String, Vec<RuleFile>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    expecting = "settings: on_error, block_timeout_seconds, rule_set_parameter, default_rule_set"
)]
#[schemars(deny_unknown_fields)]
pub struct SettingsFile {
    /// `answer` (default): a failure is an answer with status=error; `raise`: the flow takes
    /// the block's Error branch.
    pub on_error: Option<String>,
    /// The flow block's timeout, 1 to 8 seconds (default 3): every answer comes within it.
    pub block_timeout_seconds: Option<u64>,
    /// The block parameter naming the rule set (default `ruleSet`).
    pub rule_set_parameter: Option<String>,
    /// The rule set used when the parameter is absent; a file with one rule set needs none.
    pub default_rule_set: Option<String>,
    /// The IANA time zone `now.time`, `now.date`, `now.weekday` and `now.holiday` are read
    /// in (default UTC): `Europe/Paris`, `America/New_York`.
    pub time_zone: Option<String>,
    /// Dates that are holidays in that zone (`2026-12-25`): `now.holiday` is true on them.
    pub holidays: Option<Vec<String>>,
    /// A `Matches` metric per rule set and rule (default false): one custom metric per
    /// rule that matches, so leave it off for large files unless that is worth its cost.
    #[serde(default)]
    pub rule_metrics: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "a rule: id, description, when, actions, stop, on_missing")]
#[schemars(deny_unknown_fields)]
pub struct RuleFile {
    /// Letters, digits, `-` and `_`; unique within its rule set.
    pub id: Text,
    pub description: Option<String>,
    /// When the rule matches; absent, it matches every contact.
    pub when: Option<ConditionFile>,
    /// What a matched rule does.
    #[serde(default)]
    pub actions: ActionsFile,
    /// Later rules are not evaluated when this one matches.
    #[serde(default)]
    pub stop: bool,
    /// `fail` (default): a missing value a template reads fails the invocation before any
    /// call; `skip`: only that value is left out.
    pub on_missing: Option<String>,
}

/// A condition: exactly one of `all`, `any`, `not`, or `field` with one operator.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(expecting = "a condition: `field` with one operator, or `all`, `any` or `not`")]
#[schemars(deny_unknown_fields)]
pub struct ConditionFile {
    /// Holds when every condition in the list holds.
    pub all: Option<Vec<ConditionFile>>,
    /// Holds when any condition in the list holds.
    pub any: Option<Vec<ConditionFile>>,
    /// Holds when the condition does not.
    pub not: Option<Box<ConditionFile>>,
    /// The contact field to test: `channel`, `attributes.KEY`, `parameters.KEY`,
    /// `references.NAME`, `queue.name`, ...
    pub field: Option<String>,
    /// The field is exactly this.
    pub equals: Option<Text>,
    /// The field is not this (a missing field is not equal).
    pub not_equals: Option<Text>,
    /// The field is one of these.
    pub one_of: Option<Vec<Text>>,
    /// `true`: present and not empty; `false`: missing.
    pub exists: Option<bool>,
    /// The field starts with this.
    pub prefix: Option<Text>,
    /// The field ends with this.
    pub suffix: Option<Text>,
    /// The field contains this.
    pub contains: Option<Text>,
    /// The field matches this regular expression.
    pub matches: Option<String>,
    /// The field is a number greater than this.
    pub greater_than: Option<f64>,
    /// The field is a number at least this.
    pub at_least: Option<f64>,
    /// The field is a number less than this.
    pub less_than: Option<f64>,
    /// The field is a number at most this.
    pub at_most: Option<f64>,
    /// A local-time field (now.time, now.date) is within the two values: a time window
    /// `["08:30", "18:00"]` (the end excluded; `["22:00", "06:00"]` crosses midnight), or
    /// dates `["2026-12-24", "2026-12-31"]` (both included).
    pub between: Option<Vec<Text>>,
    /// The field is an epoch time (seconds, or milliseconds) older than this: `48h`,
    /// `30m`, `2d`, `90s`.
    pub older_than: Option<Text>,
    /// The field is an epoch time newer than this.
    pub newer_than: Option<Text>,
    /// The IANA time zone a local-time field is read in, instead of the file's time_zone.
    pub zone: Option<String>,
    /// Text tests ignore case.
    #[serde(default)]
    pub ignore_case: bool,
}
