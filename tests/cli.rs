//! The authoring commands, run as a user runs them: the real binary, real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn connect_rules(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connect-rules"))
        .args(arguments)
        .current_dir(root())
        .env_remove("RULES_FILE")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_the_example_rules() {
    let output = connect_rules(&["check", "rules/rules.yaml"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "rules/rules.yaml: ok: 3 rule sets, 7 rules\n"
    );
}

#[test]
fn check_prints_all_five_mistakes_with_locations() {
    let output = connect_rules(&["check", "tests/data/five-mistakes.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let report = text(&output.stderr);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 6, "{report}");
    let expected_starts = [
        "tests/data/five-mistakes.yaml:7: rule `vip` in rule set `inbound`: when.matches: bad regular expression `gold((`",
        "tests/data/five-mistakes.yaml:11: rule `vip` in rule set `inbound`: id: duplicate rule id `vip`",
        "tests/data/five-mistakes.yaml:14: rule `vip` in rule set `inbound`: actions.set_attributes.note: unknown contact field `queue.id`",
        "tests/data/five-mistakes.yaml:21: rule `escalate` in rule set `tasks`: actions.transfer: a transfer names a `queue_id` or a `user_id`, not both",
        "tests/data/five-mistakes.yaml:25: rule `escalate` in rule set `tasks`: actions.retrun: unknown key `retrun`",
        "tests/data/five-mistakes.yaml: 5 problems",
    ];
    for (line, start) in lines.iter().zip(expected_starts) {
        assert!(
            line.starts_with(start),
            "{line}\ndoes not start with\n{start}"
        );
    }
}

fn events() -> Vec<PathBuf> {
    let mut events: Vec<PathBuf> = std::fs::read_dir(root().join("events"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    events.sort();
    events
}

#[test]
fn invoke_prints_a_plan_and_a_flat_answer_for_every_event() {
    for event in events() {
        let output = connect_rules(&[
            "invoke",
            event.to_str().unwrap(),
            "--rules",
            "rules/rules.yaml",
        ]);
        assert!(
            output.status.success(),
            "{}: {}",
            event.display(),
            text(&output.stderr)
        );
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            report["plan"]["calls"].is_object(),
            "{}: {report}",
            event.display()
        );
        let answer = report["answer"].as_object().unwrap();
        assert!(
            answer.values().all(Value::is_string),
            "the answer is a flat string map: {answer:?}"
        );
        assert_eq!(answer["status"], "ok", "{}", event.display());
        assert_eq!(answer["dryRun"], "true");
    }
}

#[test]
fn invoke_plans_a_task_transfer_despite_null_endpoints() {
    let output = connect_rules(&["invoke", "events/task.json", "--rules", "rules/rules.yaml"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let transfer = &report["plan"]["calls"]["TransferContact"];
    assert_eq!(transfer["QueueId"], "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    assert_eq!(
        transfer["ContactId"],
        "b2e4c7a0-51d3-4f0e-8c2a-9d6f1e3b7a55"
    );
    assert_eq!(transfer["ClientToken"].as_str().unwrap().len(), 64);
}

#[test]
fn invoke_reads_rules_file_from_the_environment_and_exits_1_on_an_error_answer() {
    let dir = std::env::temp_dir().join(format!("connect-rules-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bad.json"),
        r#"{"Details": {"ContactData": {"ContactId": 7}}}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_connect-rules"))
        .args(["invoke", dir.join("bad.json").to_str().unwrap()])
        .current_dir(root())
        .env("RULES_FILE", "rules/rules.yaml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["answer"]["errorCode"], "InvalidEvent");
    assert_eq!(report["plan"], Value::Null);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(connect_rules(&[]).status.code(), Some(2));
    assert_eq!(
        connect_rules(&["invoke", "events/task.json", "--bogus"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(connect_rules(&["--help"]).status.code(), Some(0));
}
