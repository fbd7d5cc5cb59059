//! Conditions evaluated against a contact.

use super::condition::{Comparison, Condition, Test};
use super::pattern::{Compile, Pattern};
use crate::contact::Contact;
use crate::event::FlowEvent;
use std::time::SystemTime;

fn contact() -> Contact {
    let event = FlowEvent::from_value(serde_json::json!({"Details": {
        "ContactData": {
            "ContactId": "c-1", "Channel": "VOICE",
            "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i-1",
            "Attributes": {"tier": "Gold", "balance": "250.5", "note": "call back"}
        }
    }}))
    .unwrap();
    Contact::new(event, SystemTime::now())
}

fn test(field: &str, test: Test) -> Condition {
    Condition::Test {
        field: field.parse().unwrap(),
        test,
        ignore_case: false,
    }
}

#[test]
fn equality_and_lists() {
    let contact = contact();
    assert!(test("channel", Test::Equals("VOICE".into())).holds(&contact));
    assert!(!test("attributes.tier", Test::Equals("gold".into())).holds(&contact));
    let folded = Condition::Test {
        field: "attributes.tier".parse().unwrap(),
        test: Test::Equals("gold".into()),
        ignore_case: true,
    };
    assert!(folded.holds(&contact));
    assert!(test("channel", Test::OneOf(vec!["CHAT".into(), "VOICE".into()])).holds(&contact));
    assert!(test("channel", Test::NotEquals("TASK".into())).holds(&contact));
}

#[test]
fn missing_values() {
    let contact = contact();
    assert!(test("attributes.none", Test::Exists(false)).holds(&contact));
    assert!(!test("attributes.none", Test::Exists(true)).holds(&contact));
    assert!(test("attributes.none", Test::NotEquals("x".into())).holds(&contact));
    assert!(!test("attributes.none", Test::Equals("x".into())).holds(&contact));
    assert!(!test("queue.name", Test::Prefix("".into())).holds(&contact));
}

#[test]
fn text_tests_and_regex() {
    let contact = contact();
    assert!(test("attributes.note", Test::Prefix("call".into())).holds(&contact));
    assert!(test("attributes.note", Test::Suffix("back".into())).holds(&contact));
    assert!(test("attributes.note", Test::Contains("ll b".into())).holds(&contact));
    assert!(test(
        "attributes.note",
        Test::Matches(Pattern::new("^call\\s".into(), false, Compile::AtLoad).unwrap())
    )
    .holds(&contact));
}

#[test]
fn numeric_comparisons_skip_non_numbers() {
    let contact = contact();
    assert!(test(
        "attributes.balance",
        Test::Compare(Comparison::GreaterThan, 250.0)
    )
    .holds(&contact));
    assert!(test(
        "attributes.balance",
        Test::Compare(Comparison::AtMost, 250.5)
    )
    .holds(&contact));
    assert!(!test(
        "attributes.balance",
        Test::Compare(Comparison::LessThan, 250.5)
    )
    .holds(&contact));
    assert!(!test("attributes.tier", Test::Compare(Comparison::AtLeast, 0.0)).holds(&contact));
}

#[test]
fn combinators() {
    let contact = contact();
    let voice = || test("channel", Test::Equals("VOICE".into()));
    let task = || test("channel", Test::Equals("TASK".into()));
    assert!(Condition::All(vec![voice(), Condition::Not(Box::new(task()))]).holds(&contact));
    assert!(Condition::Any(vec![task(), voice()]).holds(&contact));
    assert!(!Condition::All(vec![task(), voice()]).holds(&contact));
    assert!(Condition::All(vec![]).holds(&contact));
    assert!(!Condition::Any(vec![]).holds(&contact));
}

#[test]
fn a_conditions_patterns_are_found_in_the_order_they_are_tested() {
    let pattern = |source: &str| {
        let pattern = Pattern::new(source.to_owned(), false, Compile::OnFirstUse).unwrap();
        test("attributes.note", Test::Matches(pattern))
    };
    let condition = Condition::All(vec![
        pattern("^a"),
        test("channel", Test::Equals("VOICE".into())),
        Condition::Any(vec![Condition::Not(Box::new(pattern("^b"))), pattern("^c")]),
    ]);
    let mut found = Vec::new();
    condition.patterns(&mut found);
    let sources: Vec<&str> = found.iter().map(|pattern| pattern.as_str()).collect();
    assert_eq!(sources, ["^a", "^b", "^c"]);
}
