//! Why a condition held or not, for `explain`: the field tests that decided it, each with
//! the value the contact had. Evaluated as `Condition::holds` does, in the same order and
//! stopping where it stops.

use serde::Serialize;

use super::condition::{Comparison, Condition, Test};
use crate::contact::Contact;

/// One field test that decided a condition's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub field: String,
    /// The contact's value; `None` when the field is missing.
    pub value: Option<String>,
    pub operator: &'static str,
    pub operand: String,
    pub ignore_case: bool,
    /// Whether the test itself held.
    pub held: bool,
    /// Under an odd number of `not`s, so it decided the opposite.
    pub negated: bool,
}

/// The condition's result and the tests that decided it: for a result of `all` that
/// failed, its first failing part; for `any`, the part that held, or every part when none
/// did; under `not`, the same, read the other way.
pub fn deciding(condition: &Condition, contact: &Contact) -> (bool, Vec<Decision>) {
    decide(condition, contact, false)
}

fn decide(condition: &Condition, contact: &Contact, negated: bool) -> (bool, Vec<Decision>) {
    match condition {
        Condition::Test {
            field,
            test,
            ignore_case,
        } => {
            let value = contact.get(field).map(|value| value.into_owned());
            let held = test.holds(value.as_deref(), *ignore_case, contact.now());
            let (operator, operand) = written(test);
            let decision = Decision {
                field: field.to_string(),
                value,
                operator,
                operand,
                ignore_case: *ignore_case,
                held,
                negated,
            };
            (held, vec![decision])
        }
        Condition::All(parts) | Condition::Any(parts) => {
            // `all` stops at the first part that fails, `any` at the first that holds.
            let stop_at = matches!(condition, Condition::Any(_));
            let mut every = Vec::new();
            for part in parts {
                let (held, decisions) = decide(part, contact, negated);
                if held == stop_at {
                    return (held, decisions);
                }
                every.extend(decisions);
            }
            (!stop_at, every)
        }
        Condition::Not(inner) => {
            let (held, decisions) = decide(inner, contact, !negated);
            (!held, decisions)
        }
    }
}

/// The operator and operand as the rules file writes them.
fn written(test: &Test) -> (&'static str, String) {
    let quoted = |text: &str| format!("{text:?}");
    match test {
        Test::Equals(text) => ("equals", quoted(text)),
        Test::NotEquals(text) => ("not_equals", quoted(text)),
        Test::OneOf(options) => (
            "one_of",
            format!(
                "[{}]",
                options
                    .iter()
                    .map(|o| quoted(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Test::Exists(wanted) => ("exists", wanted.to_string()),
        Test::Prefix(text) => ("prefix", quoted(text)),
        Test::Suffix(text) => ("suffix", quoted(text)),
        Test::Contains(text) => ("contains", quoted(text)),
        Test::Matches(pattern) => ("matches", quoted(pattern.as_str())),
        Test::Compare(comparison, bound) => {
            let operator = match comparison {
                Comparison::GreaterThan => "greater_than",
                Comparison::AtLeast => "at_least",
                Comparison::LessThan => "less_than",
                Comparison::AtMost => "at_most",
            };
            (operator, bound.to_string())
        }
        Test::Between(span) => ("between", format!("[{:?}, {:?}]", span.from, span.to)),
        Test::Age { older, seconds } => {
            let operator = if *older { "older_than" } else { "newer_than" };
            (operator, format!("{seconds}s"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::event::FlowEvent;
    use crate::rules::RuleBook;

    fn decided(when: &str, attributes: serde_json::Value) -> (bool, Vec<(String, bool, bool)>) {
        let source = format!("rule_sets:\n  main:\n    - id: r\n      when: {when}\n");
        let book = RuleBook::from_source(&source, "r.yaml").unwrap();
        let condition = book.rule_sets["main"][0].when.clone().unwrap();
        let event = FlowEvent::from_value(serde_json::json!({"Details": {"ContactData": {
            "ContactId": "c", "Channel": "VOICE", "Attributes": attributes,
            "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i"
        }}}))
        .unwrap();
        let contact = Contact::new(event, SystemTime::now());
        let (held, decisions) = deciding(&condition, &contact);
        assert_eq!(
            held,
            condition.holds(&contact),
            "the same answer as the plan's"
        );
        let tests = decisions
            .into_iter()
            .map(|d| (format!("{} {}", d.field, d.operator), d.held, d.negated))
            .collect();
        (held, tests)
    }

    #[test]
    fn all_is_decided_by_its_first_failure_and_any_by_every_part() {
        let all = "{all: [{field: channel, equals: VOICE}, {field: attributes.a, exists: true}, {field: attributes.b, exists: true}]}";
        assert_eq!(
            decided(all, serde_json::json!({})),
            (
                false,
                vec![("attributes.a exists".to_owned(), false, false)]
            )
        );
        let any = "{any: [{field: attributes.a, equals: x}, {field: channel, equals: TASK}]}";
        assert_eq!(
            decided(any, serde_json::json!({"a": "y"})),
            (
                false,
                vec![
                    ("attributes.a equals".to_owned(), false, false),
                    ("channel equals".to_owned(), false, false),
                ]
            )
        );
        assert_eq!(
            decided(any, serde_json::json!({"a": "x"})),
            (true, vec![("attributes.a equals".to_owned(), true, false)])
        );
    }

    #[test]
    fn under_not_the_test_that_held_is_what_failed() {
        let not = "{not: {any: [{field: attributes.vip, exists: true}, {field: channel, equals: VOICE}]}}";
        assert_eq!(
            decided(not, serde_json::json!({})),
            (false, vec![("channel equals".to_owned(), true, true)])
        );
        assert_eq!(
            decided(
                "{not: {not: {field: channel, equals: CHAT}}}",
                serde_json::json!({})
            ),
            (false, vec![("channel equals".to_owned(), false, false)])
        );
    }
}
