//! The documents an invocation writes: their dimensions, their values, and the cold start
//! counted once.

use super::*;
use crate::outcome::Applied;
use crate::vocabulary::Operation;

fn call(operation: Operation, result: Result<Applied, CallError>, throttled: u32) -> CallReport {
    CallReport {
        operation,
        label: operation.to_string(),
        result,
        latency: Duration::from_micros(12_345),
        throttled,
    }
}

fn written(metrics: &Metrics, counted: &Counted<'_>, timestamp: u64) -> Vec<Value> {
    let lines = metrics.lines(counted, timestamp);
    assert!(lines.ends_with('\n'));
    lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn throttled() -> CallError {
    CallError::Connect {
        code: code::THROTTLING.into(),
        message: "Rate exceeded".into(),
    }
}

#[test]
fn an_invocation_and_each_call_are_documents_with_bounded_dimensions() {
    let metrics = Metrics::new("Ns".into(), false);
    let calls = [
        call(Operation::UpdateContactAttributes, Ok(Applied::Done), 2),
        call(Operation::TransferContact, Err(throttled()), 3),
    ];
    let matched = ["gold-tier".to_owned(), "everyone".to_owned()];
    let counted = Counted {
        rule_set: Some("inbound"),
        matched_rules: &matched,
        status: Status::Error,
        error_code: Some(code::THROTTLING),
        calls: &calls,
        transferred: false,
        tasks: 0,
        duration: Duration::from_millis(750),
        budget: Duration::from_secs(3),
    };
    let documents = written(&metrics, &counted, 1_700_000_000_000);
    assert_eq!(documents.len(), 3);
    let invocation = &documents[0];
    assert_eq!(invocation["_aws"]["Timestamp"], 1_700_000_000_000_u64);
    let directives = &invocation["_aws"]["CloudWatchMetrics"];
    assert_eq!(directives[0]["Dimensions"], json!([["RuleSet", "Status"]]));
    assert_eq!(
        directives[0]["Metrics"],
        json!([{"Name": "Invocations", "Unit": "Count"}])
    );
    assert_eq!(directives[1]["Dimensions"], json!([[]]));
    assert_eq!(directives[1]["Metrics"].as_array().unwrap().len(), 8);
    assert_eq!(directives[2]["Dimensions"], json!([["ErrorCode"], []]));
    for (name, value) in [
        ("RuleSet", json!("inbound")),
        ("Status", json!("error")),
        ("ErrorCode", json!("ThrottlingException")),
        ("Invocations", json!(1)),
        ("Errors", json!(1)),
        ("RulesMatched", json!(2)),
        ("Duration", json!(750.0)),
        ("BudgetUsed", json!(25.0)),
        ("ThrottlesAbsorbed", json!(4)),
        ("ColdStarts", json!(1)),
    ] {
        assert_eq!(invocation[name], value, "{name}");
    }
    assert_eq!(documents[1]["Operation"], "UpdateContactAttributes");
    assert_eq!(documents[1]["Outcome"], "ok");
    assert_eq!(documents[1]["CallLatency"], 12.345);
    assert_eq!(documents[2]["Outcome"], "failed");
    assert_eq!(documents[2]["Throttles"], 3);
    let again = written(&metrics, &counted, 0);
    assert_eq!(
        again[0]["ColdStarts"], 0,
        "only the first invocation is cold"
    );
}

#[test]
fn rules_are_dimensions_only_when_the_file_asks() {
    let matched = ["a".to_owned()];
    let counted = Counted {
        rule_set: None,
        matched_rules: &matched,
        status: Status::Ok,
        error_code: None,
        calls: &[],
        transferred: true,
        tasks: 1,
        duration: Duration::ZERO,
        budget: Duration::ZERO,
    };
    let plain = written(&Metrics::new("Ns".into(), false), &counted, 0);
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0]["RuleSet"], "none");
    let directives = plain[0]["_aws"]["CloudWatchMetrics"].as_array().unwrap();
    assert_eq!(directives.len(), 2, "no errors directive without an error");
    let by_rule = written(&Metrics::new("Ns".into(), true), &counted, 0);
    assert_eq!(by_rule[1]["Rule"], "a");
    assert_eq!(
        by_rule[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["RuleSet", "Rule"]])
    );
}
