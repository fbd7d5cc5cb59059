//! A test file exactly as written: serde types mirroring YAML, before checking.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::template::Text;

/// Cases for `connect-rules test`: events, the moment they happen, and what must hold.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TestFile {
    /// The rules file the cases run against, relative to this file (`--rules` overrides).
    pub rules: Option<String>,
    /// The moment every case runs at unless it gives its own (RFC 3339, e.g.
    /// `2026-03-30T09:00:00+02:00` or `2026-03-30T09:00:00[Europe/Paris]`).
    pub at: Option<String>,
    #[serde(default)]
    pub cases: Vec<CaseFile>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CaseFile {
    /// What the case shows, as the runner prints it; unique within the file.
    pub name: Option<String>,
    /// The moment the case runs at (RFC 3339); absent, the file's `at`, else now.
    pub at: Option<String>,
    /// A flow event file, relative to this file; or give `contact`.
    pub event: Option<String>,
    /// The contact inline; what it leaves out is filled from a realistic one of its channel.
    pub contact: Option<ContactFile>,
    /// What must hold: only what is written is compared.
    pub expect: Option<ExpectFile>,
}

/// A contact written compactly, in the rules' own field names.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ContactFile {
    /// VOICE (default), CHAT, TASK or EMAIL.
    pub channel: Option<Text>,
    pub initiation_method: Option<Text>,
    pub contact_id: Option<Text>,
    pub initial_contact_id: Option<Text>,
    pub previous_contact_id: Option<Text>,
    pub related_contact_id: Option<Text>,
    pub name: Option<Text>,
    pub description: Option<Text>,
    pub language_code: Option<Text>,
    pub customer_id: Option<Text>,
    pub attributes: Option<BTreeMap<String, Text>>,
    /// The block's parameters, `ruleSet` among them.
    pub parameters: Option<BTreeMap<String, Text>>,
    pub references: Option<BTreeMap<String, ReferenceFile>>,
    /// The queue the contact waits in; absent, not queued.
    pub queue: Option<QueueFile>,
    pub customer_endpoint: Option<EndpointFile>,
    pub system_endpoint: Option<EndpointFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ReferenceFile {
    #[serde(rename = "type")]
    pub kind: Text,
    pub value: Text,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct QueueFile {
    pub name: Option<Text>,
    pub arn: Option<Text>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EndpointFile {
    #[serde(rename = "type")]
    pub kind: Option<Text>,
    pub address: Option<Text>,
}

/// What must hold for a case; at least one.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ExpectFile {
    /// The rule set chosen.
    pub rule_set: Option<String>,
    /// The rules matched, all of them, in order.
    pub matched: Option<Vec<String>>,
    /// Calls by label (`UpdateContactAttributes`, `StartTaskContact:NAME`, ...), each with
    /// the request members that matter; `null` for a call that must not be made.
    pub calls: Option<BTreeMap<String, Option<Value>>>,
    /// Answer keys and their values; `null` for a key that must not be answered.
    pub answer: Option<BTreeMap<String, Option<Text>>>,
    /// The `errorCode` the flow gets.
    pub error: Option<String>,
}
