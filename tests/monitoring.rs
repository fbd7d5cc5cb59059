//! The alarms and the dashboard in `template.yaml` read metrics the function writes: every
//! metric name and dimension set they name in the function's namespace is one `metrics`
//! emits, so a renamed metric or dimension cannot leave an alarm watching nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use connect_local::fixtures::workspace;
use connect_rules::answer::Status;
use connect_rules::metrics::{Counted, Metrics};
use connect_rules::outcome::{CallError, CallReport};
use connect_rules::vocabulary::Operation;
use serde_json::Value as Json;
use serde_yaml::Value;

type Metric = (String, Vec<String>);

/// Every metric the function can write: its name and dimension keys.
fn emitted() -> BTreeSet<Metric> {
    let calls = [CallReport {
        operation: Operation::TransferContact,
        label: "TransferContact".into(),
        result: Err(CallError::Timeout),
        latency: Duration::from_millis(3),
        throttled: 1,
    }];
    let counted = Counted {
        rule_set: Some("inbound"),
        matched_rules: &["a".to_owned()],
        status: Status::Error,
        error_code: Some("Timeout"),
        calls: &calls,
        transferred: false,
        tasks: 0,
        duration: Duration::from_millis(5),
        budget: Duration::from_secs(3),
    };
    let mut found = BTreeSet::new();
    let lines = Metrics::new("ConnectRules".into(), true).lines(&counted, 0);
    for line in lines.lines() {
        let document: Json = serde_json::from_str(line).unwrap();
        for directive in document["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            for set in directive["Dimensions"].as_array().unwrap() {
                let keys: Vec<String> = set
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|key| key.as_str().unwrap().to_owned())
                    .collect();
                for metric in directive["Metrics"].as_array().unwrap() {
                    let name = metric["Name"].as_str().unwrap().to_owned();
                    found.insert((name, keys.clone()));
                }
            }
        }
    }
    found
}

fn template() -> Value {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// `!Ref MetricsNamespace`: the metric is one of the function's.
fn ours(namespace: &Value) -> bool {
    matches!(namespace, Value::Tagged(tagged)
        if tagged.tag == "!Ref" && tagged.value == "MetricsNamespace")
}

fn metric(stat: &Value) -> Metric {
    let name = stat["MetricName"].as_str().unwrap().to_owned();
    let mut keys: Vec<String> = stat["Dimensions"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|d| d["Name"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    (name, keys)
}

fn sorted(mut metric: Metric) -> Metric {
    metric.1.sort();
    metric
}

#[test]
fn every_alarm_watches_a_metric_the_function_writes() {
    let emitted: BTreeSet<Metric> = emitted().into_iter().map(sorted).collect();
    let template = template();
    let mut watched = Vec::new();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let properties = &resource["Properties"];
        let mut metrics = Vec::new();
        if ours(&properties["Namespace"]) {
            metrics.push(metric(properties));
        }
        for query in properties["Metrics"].as_sequence().into_iter().flatten() {
            let stat = &query["MetricStat"]["Metric"];
            if ours(&stat["Namespace"]) {
                metrics.push(metric(stat));
            }
        }
        for metric in metrics {
            assert!(
                emitted.contains(&metric),
                "{name:?} watches {metric:?}, which the function never writes"
            );
            watched.push(metric);
        }
    }
    assert!(watched.len() >= 5, "{watched:?}");
}

/// `SEARCH('{NS,A,B} MetricName="X"'...)`: the metric X with dimensions A and B.
fn searched(expression: &str) -> Option<Metric> {
    let schema = expression.split_once('{')?.1.split_once('}')?.0;
    let name = expression.split_once("MetricName=\"")?.1.split_once('"')?.0;
    let mut keys: Vec<String> = schema.split(',').skip(1).map(str::to_owned).collect();
    keys.sort();
    Some((name.to_owned(), keys))
}

#[test]
fn the_dashboard_is_json_and_graphs_metrics_the_function_writes() {
    let emitted: BTreeSet<Metric> = emitted().into_iter().map(sorted).collect();
    let template = template();
    let Value::Tagged(body) = &template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
    else {
        panic!("the dashboard body is a !Sub");
    };
    let text = body.value[0]
        .as_str()
        .unwrap()
        .replace("${Namespace}", "ConnectRules")
        .replace("${AWS::Region}", "us-east-1")
        .replace("${Function}", "connect-rules");
    let dashboard: Json = serde_json::from_str(&text).unwrap();
    let mut graphed = 0;
    for widget in dashboard["widgets"].as_array().unwrap() {
        let mut previous: Vec<Json> = Vec::new();
        for row in widget["properties"]["metrics"].as_array().unwrap() {
            let row = row.as_array().unwrap();
            if let Some(expression) = row[0]["expression"].as_str() {
                let metric = searched(expression).unwrap_or_else(|| panic!("{expression}"));
                assert!(
                    emitted.contains(&metric),
                    "the dashboard searches {metric:?}"
                );
                graphed += 1;
                continue;
            }
            // `...` repeats the row before; `.` takes the value above it.
            let row: Vec<Json> = if row[0] == "..." {
                previous.clone()
            } else {
                row.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if v == "." {
                            previous[i].clone()
                        } else {
                            v.clone()
                        }
                    })
                    .collect()
            };
            previous = row.clone();
            if row[0] != "ConnectRules" {
                continue;
            }
            let strings: Vec<String> = row
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let keys: Vec<String> = strings[2..].iter().step_by(2).cloned().collect();
            let metric = sorted((strings[1].clone(), keys));
            assert!(emitted.contains(&metric), "the dashboard graphs {metric:?}");
            graphed += 1;
        }
    }
    assert!(graphed >= 10, "{graphed}");
}
