//! The rules file exactly as written: serde types mirroring YAML (or JSON), before checking.
//!
//! Unknown keys are not rejected here but collected by `serde_ignored` in `check`, so one
//! report can name every unknown key instead of stopping at the first.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::actions::ActionsFile;
use crate::template::Text;

#[derive(Debug, Deserialize)]
#[serde(expecting = "a rules file: `settings` and `rule_sets`")]
pub struct RulesFile {
    #[serde(default)]
    pub settings: SettingsFile,
    pub rule_sets: BTreeMap<String, Vec<RuleFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    expecting = "settings: on_error, block_timeout_seconds, rule_set_parameter, default_rule_set"
)]
pub struct SettingsFile {
    pub on_error: Option<String>,
    pub block_timeout_seconds: Option<u64>,
    pub rule_set_parameter: Option<String>,
    pub default_rule_set: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a rule: id, description, when, actions, stop, on_missing")]
pub struct RuleFile {
    pub id: Text,
    pub description: Option<String>,
    pub when: Option<ConditionFile>,
    #[serde(default)]
    pub actions: ActionsFile,
    #[serde(default)]
    pub stop: bool,
    pub on_missing: Option<String>,
}

/// A condition: exactly one of `all`, `any`, `not`, or `field` with one operator.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a condition: `field` with one operator, or `all`, `any` or `not`")]
pub struct ConditionFile {
    pub all: Option<Vec<ConditionFile>>,
    pub any: Option<Vec<ConditionFile>>,
    pub not: Option<Box<ConditionFile>>,
    pub field: Option<String>,
    pub equals: Option<Text>,
    pub not_equals: Option<Text>,
    pub one_of: Option<Vec<Text>>,
    pub exists: Option<bool>,
    pub prefix: Option<Text>,
    pub suffix: Option<Text>,
    pub contains: Option<Text>,
    pub matches: Option<String>,
    pub greater_than: Option<f64>,
    pub at_least: Option<f64>,
    pub less_than: Option<f64>,
    pub at_most: Option<f64>,
    #[serde(default)]
    pub ignore_case: bool,
}
