//! Metrics end to end: the real binary under the Runtime Interface Emulator writes embedded
//! metric format lines that an independent check of the published specification accepts,
//! whose counts are those of the run (calls counted against what the endpoint served), and
//! in which no value of a contact's appears.

mod emulator;
mod validators;

use std::collections::BTreeMap;

use connect_local::fixtures::{event, event_names};
use connect_local::{Fault, FaultKind};
use emulator::{endpoint, Lambda};
use serde_json::Value;

/// The EMF documents among the function's output lines.
fn documents(output: &str) -> Vec<Value> {
    output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect()
}

/// Each document's problems, as `tests/validate_emf.py` finds them.
fn problems(documents: &[Value]) -> Vec<Vec<String>> {
    let lines: String = documents.iter().map(|d| format!("{d}\n")).collect();
    serde_json::from_slice(&validators::run("validate_emf.py", lines.as_bytes())).unwrap()
}

fn sum(documents: &[Value], metric: &str) -> u64 {
    documents.iter().filter_map(|d| d[metric].as_u64()).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_line_meets_the_specification_and_counts_the_run() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[("METRICS_NAMESPACE", "ConnectRulesTest")]);
    let mut answers = Vec::new();
    for name in event_names() {
        answers.push(lambda.invoke(&event(&name)).await);
    }
    // Connect retries a lost answer: the same escalated email again.
    answers.push(lambda.invoke(&event("escalated-email.json")).await);
    let documents = documents(&lambda.output());
    assert!(documents.len() > answers.len(), "{}", lambda.output());
    for (document, problems) in documents.iter().zip(problems(&documents)) {
        assert_eq!(problems, Vec::<String>::new(), "{document}");
        let directives = document["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert!(directives
            .iter()
            .all(|d| d["Namespace"] == "ConnectRulesTest"));
    }
    let invocations: Vec<&Value> = documents.iter().filter(|d| d["Invocations"] == 1).collect();
    assert_eq!(invocations.len(), answers.len());
    let invocations: Vec<Value> = invocations.into_iter().cloned().collect();
    assert_eq!(sum(&invocations, "ColdStarts"), 1);
    let answered = |key: &str, value: &str| answers.iter().filter(|a| a[key] == value).count();
    assert_eq!(
        sum(&invocations, "Transfers") as usize,
        answered("transferred", "true")
    );
    let tasks = answers
        .iter()
        .flat_map(|a| a.as_object().unwrap().iter())
        .filter(|(key, _)| key.starts_with("task_"))
        .count();
    assert_eq!(sum(&invocations, "TasksCreated") as usize, tasks);
    for (answer, invocation) in answers.iter().zip(&invocations) {
        assert_eq!(invocation["Status"], answer["status"]);
        assert_eq!(invocation["RuleSet"], answer["ruleSet"]);
        let matched = answer["matchedRules"].as_str().unwrap();
        let count = matched.split(',').filter(|rule| !rule.is_empty()).count();
        assert_eq!(invocation["RulesMatched"], count);
    }
    // Every call the endpoint served is one `Calls` of its operation.
    let mut served: BTreeMap<String, u64> = BTreeMap::new();
    for call in endpoint.served() {
        *served.entry(call.operation).or_default() += 1;
    }
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for call in documents.iter().filter(|d| d["Calls"] == 1) {
        *counted
            .entry(call["Operation"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(counted, served);
    // Nothing of a contact's: endpoints, names, attribute and reference values.
    let text: String = documents.iter().map(Value::to_string).collect();
    for value in [
        "+15555550100",
        "ana.customer@example.com",
        "Ana",
        "AC-10442",
        "CASE-2024",
        "complaint",
        "Refund request",
        "Jorge",
    ] {
        assert!(!text.contains(value), "`{value}` in the metrics: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttles_the_retries_absorbed_are_counted_and_metrics_can_be_turned_off() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(Fault {
        operation: "UpdateContactAttributes".into(),
        kind: FaultKind::Throttle,
        count: 2,
        latency_ms: 0,
    });
    let answer = lambda.invoke(&event("task.json")).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    let documents = documents(&lambda.output());
    assert_eq!(documents[0]["ThrottlesAbsorbed"], 2, "{documents:#?}");
    assert_eq!(
        documents[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "ConnectRules"
    );
    let attributes = documents
        .iter()
        .find(|d| d["Operation"] == "UpdateContactAttributes")
        .unwrap();
    assert_eq!(attributes["Throttles"], 2);
    assert_eq!(attributes["Outcome"], "ok");

    let quiet = Lambda::start(&endpoint, &[("METRICS", "off")]);
    quiet.invoke(&event("task.json")).await;
    assert!(
        documents_of(&quiet).is_empty(),
        "METRICS=off writes none: {}",
        quiet.output()
    );
}

fn documents_of(lambda: &Lambda) -> Vec<Value> {
    documents(&lambda.output())
}
