//! Metrics in CloudWatch's embedded metric format (EMF): JSON lines on stdout after the
//! invocation's log line, which CloudWatch Logs turns into metrics, with no call and no
//! agent. Dimensions are few and bounded (rule set, status, error code, operation,
//! outcome; a rule's id only when the rules file asks for it), and no value of a contact's
//! is in any metric or dimension.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::answer::Status;
use crate::outcome::{CallError, CallReport};
use crate::vocabulary::code;

pub const DEFAULT_NAMESPACE: &str = "ConnectRules";

/// The dimension value of an invocation that chose no rule set (a bad event, no rule set).
const NO_RULE_SET: &str = "none";

/// Where metrics go and what they are split by; one per process.
#[derive(Debug)]
pub struct Metrics {
    /// A `Matches` metric per rule set and rule: the rules file's `rule_metrics`.
    by_rule: bool,
    /// Until the first invocation has been counted.
    cold: AtomicBool,
    /// Each kind of document's `CloudWatchMetrics`, written once: the namespace and the
    /// metric definitions never change, so an invocation writes only its values.
    directives: Directives,
}

#[derive(Debug)]
struct Directives {
    invocation: Box<RawValue>,
    failed_invocation: Box<RawValue>,
    call: Box<RawValue>,
    rule: Box<RawValue>,
}

/// What one invocation did, as the metrics count it.
#[derive(Debug)]
pub struct Counted<'a> {
    pub rule_set: Option<&'a str>,
    pub matched_rules: &'a [String],
    pub status: Status,
    pub error_code: Option<&'a str>,
    pub calls: &'a [CallReport],
    pub transferred: bool,
    pub tasks: usize,
    pub duration: Duration,
    /// The time the invocation had: the block's timeout or the Lambda deadline.
    pub budget: Duration,
}

/// `METRICS` is not one of its values.
#[derive(Debug, thiserror::Error)]
#[error("METRICS is `{0}`; use on or off")]
pub struct MetricsSetting(String);

#[derive(Serialize)]
struct Aws<'a> {
    #[serde(rename = "Timestamp")]
    timestamp: u64,
    #[serde(rename = "CloudWatchMetrics")]
    directives: &'a RawValue,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InvocationDocument<'a> {
    #[serde(rename = "_aws")]
    aws: Aws<'a>,
    rule_set: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<u32>,
    invocations: u32,
    rules_matched: usize,
    transfers: u32,
    tasks_created: usize,
    duration: f64,
    budget_used: f64,
    throttles_absorbed: u32,
    cold_starts: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CallDocument<'a> {
    #[serde(rename = "_aws")]
    aws: Aws<'a>,
    operation: &'a str,
    outcome: &'a str,
    calls: u32,
    call_latency: f64,
    throttles: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RuleDocument<'a> {
    #[serde(rename = "_aws")]
    aws: Aws<'a>,
    rule_set: &'a str,
    rule: &'a str,
    matches: u32,
}

impl Metrics {
    pub fn new(namespace: String, by_rule: bool) -> Self {
        let directive = |dimensions: &[&[&str]], metrics: &[(&str, &str)]| {
            let metrics: Vec<Value> = metrics
                .iter()
                .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
                .collect();
            json!({"Namespace": namespace, "Dimensions": dimensions, "Metrics": metrics})
        };
        // Each metric is split only where that answers an on-call question, as each
        // combination of dimension values is a metric CloudWatch bills for.
        let invocation = vec![
            directive(&[&["RuleSet", "Status"]], &[("Invocations", "Count")]),
            directive(
                &[&[]],
                &[
                    ("Invocations", "Count"),
                    ("RulesMatched", "Count"),
                    ("Transfers", "Count"),
                    ("TasksCreated", "Count"),
                    ("Duration", "Milliseconds"),
                    ("BudgetUsed", "Percent"),
                    ("ThrottlesAbsorbed", "Count"),
                    ("ColdStarts", "Count"),
                ],
            ),
        ];
        let mut failed_invocation = invocation.clone();
        failed_invocation.push(directive(&[&["ErrorCode"], &[]], &[("Errors", "Count")]));
        let call = vec![
            directive(&[&["Operation", "Outcome"]], &[("Calls", "Count")]),
            directive(
                &[&["Operation"]],
                &[("CallLatency", "Milliseconds"), ("Throttles", "Count")],
            ),
        ];
        let rule = vec![directive(&[&["RuleSet", "Rule"]], &[("Matches", "Count")])];
        let raw = |directives: Vec<Value>| {
            RawValue::from_string(Value::from(directives).to_string())
                .expect("a JSON value is JSON")
        };
        Metrics {
            by_rule,
            cold: AtomicBool::new(true),
            directives: Directives {
                invocation: raw(invocation),
                failed_invocation: raw(failed_invocation),
                call: raw(call),
                rule: raw(rule),
            },
        }
    }

    /// From `METRICS` (`on`, the default, or `off`) and `METRICS_NAMESPACE`; `None` when
    /// off. Anything else fails the cold start rather than guessing.
    pub fn from_environment(by_rule: bool) -> Result<Option<Metrics>, MetricsSetting> {
        let setting = std::env::var("METRICS").unwrap_or_default();
        match setting.to_ascii_lowercase().as_str() {
            "" | "on" | "true" => {}
            "off" | "false" => return Ok(None),
            _ => return Err(MetricsSetting(setting)),
        }
        let namespace = std::env::var("METRICS_NAMESPACE")
            .ok()
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        Ok(Some(Metrics::new(namespace, by_rule)))
    }

    /// Writes the invocation's documents to stdout in one write, so that they are not
    /// interleaved with the log's lines.
    pub fn write(&self, counted: &Counted<'_>) {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let _ = std::io::stdout()
            .lock()
            .write_all(self.lines(counted, timestamp).as_bytes());
    }

    /// The invocation's documents, one JSON line each: one for the invocation, one per
    /// call made, and one per matched rule when the rules file asks for them.
    pub fn lines(&self, counted: &Counted<'_>, timestamp: u64) -> String {
        let cold = self.cold.swap(false, Ordering::Relaxed);
        let rule_set = counted.rule_set.unwrap_or(NO_RULE_SET);
        let aws = |directives| Aws {
            timestamp,
            directives,
        };
        let budget_ms = counted.budget.as_secs_f64() * 1_000.0;
        let duration_ms = counted.duration.as_secs_f64() * 1_000.0;
        let mut lines = String::new();
        push_line(
            &mut lines,
            &InvocationDocument {
                aws: aws(match counted.error_code {
                    Some(_) => &self.directives.failed_invocation,
                    None => &self.directives.invocation,
                }),
                rule_set,
                status: counted.status.as_str(),
                error_code: counted.error_code,
                errors: counted.error_code.map(|_| 1),
                invocations: 1,
                rules_matched: counted.matched_rules.len(),
                transfers: u32::from(counted.transferred),
                tasks_created: counted.tasks,
                duration: round(duration_ms),
                budget_used: if budget_ms > 0.0 {
                    round(100.0 * duration_ms / budget_ms)
                } else {
                    0.0
                },
                throttles_absorbed: counted.calls.iter().map(absorbed_throttles).sum(),
                cold_starts: u32::from(cold),
            },
        );
        for call in counted.calls {
            push_line(
                &mut lines,
                &CallDocument {
                    aws: aws(&self.directives.call),
                    operation: call.operation.as_str(),
                    outcome: outcome(call),
                    calls: 1,
                    call_latency: round(call.latency.as_secs_f64() * 1_000.0),
                    throttles: call.throttled,
                },
            );
        }
        if self.by_rule {
            for rule in counted.matched_rules {
                push_line(
                    &mut lines,
                    &RuleDocument {
                        aws: aws(&self.directives.rule),
                        rule_set,
                        rule,
                        matches: 1,
                    },
                );
            }
        }
        lines
    }
}

fn push_line(lines: &mut String, document: &impl Serialize) {
    // Plain structs of text and numbers: nothing here can fail to serialize.
    if let Ok(json) = serde_json::to_string(document) {
        lines.push_str(&json);
        lines.push('\n');
    }
}

/// `ok`, `timeout` or `failed`: bounded, whatever Connect answered.
fn outcome(call: &CallReport) -> &'static str {
    match &call.result {
        Ok(_) => "ok",
        Err(CallError::Timeout) => "timeout",
        Err(_) => "failed",
    }
}

/// Throttled attempts the SDK retried past: all of them, but the last when the call ended
/// throttled.
fn absorbed_throttles(call: &CallReport) -> u32 {
    let ended_throttled = matches!(
        &call.result,
        Err(CallError::Connect { code: error_code, .. }) if error_code == code::THROTTLING
    );
    call.throttled.saturating_sub(u32::from(ended_throttled))
}

/// Milliseconds to the microsecond: metric values need no more.
fn round(value: f64) -> f64 {
    (value * 1_000.0).round() / 1_000.0
}

#[cfg(test)]
mod tests;
