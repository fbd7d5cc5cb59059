//! `connect-rules explain` on every event in `events/`: for every rule of the chosen set,
//! matched or not as `invoke` decides it, and for every rule that did not match, the tests
//! that decided it, with the event's values.

mod command;

use command::{connect_rules, text};
use connect_local::fixtures::event_names;
use serde_json::Value;

fn json(arguments: &[&str]) -> Value {
    let output = connect_rules(arguments);
    assert!(
        output.status.success() || arguments[0] == "invoke",
        "{}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_rule_that_did_not_match_names_the_tests_that_decided_it() {
    let mut unmatched = 0;
    for name in event_names() {
        let event = format!("events/{name}");
        let at = [
            "--rules",
            "rules/rules.yaml",
            "--at",
            "2026-11-23T10:15:00Z",
        ];
        let explanation = json(&[&["explain", &event, "--json"][..], &at].concat());
        let invocation = json(&[&["invoke", &event][..], &at].concat());
        let rules = explanation["rules"].as_array().unwrap();
        assert!(!rules.is_empty(), "{name}: {explanation:#}");
        let matched: Vec<&Value> = rules
            .iter()
            .filter(|rule| rule["result"] == "matched")
            .map(|rule| &rule["id"])
            .collect();
        assert_eq!(
            Value::from(matched.into_iter().cloned().collect::<Vec<_>>()),
            invocation["plan"]["matchedRules"],
            "{name}: explain and invoke agree on what matched"
        );
        for rule in rules.iter().filter(|rule| rule["result"] == "no_match") {
            unmatched += 1;
            let because = rule["because"].as_array().unwrap();
            assert!(!because.is_empty(), "{name}: {rule:#}");
            for decision in because {
                assert!(decision["field"].is_string() && decision["operator"].is_string());
                assert!(decision["operand"].is_string(), "{decision:#}");
                // It failed, or it held under a `not`: either way it kept the rule out.
                assert_eq!(
                    decision["held"], decision["negated"],
                    "{name}: a deciding test that did not decide: {decision:#}"
                );
            }
        }
    }
    assert!(
        unmatched >= 3,
        "the events leave rules unmatched to explain"
    );
}

#[test]
fn the_report_reads_as_the_rules_do() {
    let output = connect_rules(&[
        "explain",
        "events/escalated-email.json",
        "--rules",
        "rules/rules.yaml",
    ]);
    assert!(output.status.success());
    assert_eq!(
        text(&output.stdout),
        "rule set `email`\n\
         \x20 matched   escalated-email\n\
         \x20 no match  invoice-email\n\
         \x20             name is \"Formal complaint about order 7781\": contains: \"invoice\" (ignoring case) does not hold\n\
         \x20             references.subject is \"Formal complaint about order 7781\": contains: \"invoice\" (ignoring case) does not hold\n"
    );
    let voice = text(
        &connect_rules(&[
            "explain",
            "events/voice.json",
            "--rules",
            "rules/rules.yaml",
        ])
        .stdout,
    );
    assert!(voice.contains("  matched   gold-tier (stop: true, so the rules after it are not evaluated)\n  not run   spanish\n"), "{voice}");
}
