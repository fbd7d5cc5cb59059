//! Checked conditions and their evaluation against a contact: pure, no I/O.

use regex::Regex;

use crate::contact::{Contact, Field};

#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test {
        field: Field,
        test: Test,
        ignore_case: bool,
    },
}

#[derive(Debug, Clone)]
pub enum Test {
    Equals(String),
    NotEquals(String),
    OneOf(Vec<String>),
    /// `exists: true` is "present and not empty"; `exists: false` is "missing".
    Exists(bool),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// Compiled at load; with `ignore_case` it was compiled case-insensitive.
    Matches(Regex),
    Compare(Comparison, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    AtLeast,
    LessThan,
    AtMost,
}

impl Condition {
    pub fn holds(&self, contact: &Contact) -> bool {
        match self {
            Condition::All(conditions) => conditions.iter().all(|c| c.holds(contact)),
            Condition::Any(conditions) => conditions.iter().any(|c| c.holds(contact)),
            Condition::Not(condition) => !condition.holds(contact),
            Condition::Test {
                field,
                test,
                ignore_case,
            } => {
                let value = contact.get(field);
                test.holds(value.as_deref(), *ignore_case)
            }
        }
    }
}

impl Test {
    /// A missing value fails every test but `not_equals` and `exists: false`.
    fn holds(&self, value: Option<&str>, ignore_case: bool) -> bool {
        let same = |a: &str, b: &str| {
            if ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let folded = |text: &str| {
            if ignore_case {
                text.to_lowercase()
            } else {
                text.to_owned()
            }
        };
        match (self, value) {
            (Test::Exists(wanted), value) => value.is_some() == *wanted,
            (Test::NotEquals(expected), value) => !value.is_some_and(|v| same(v, expected)),
            (_, None) => false,
            (Test::Equals(expected), Some(value)) => same(value, expected),
            (Test::OneOf(options), Some(value)) => options.iter().any(|option| same(value, option)),
            (Test::Prefix(prefix), Some(value)) => folded(value).starts_with(&folded(prefix)),
            (Test::Suffix(suffix), Some(value)) => folded(value).ends_with(&folded(suffix)),
            (Test::Contains(part), Some(value)) => folded(value).contains(&folded(part)),
            (Test::Matches(regex), Some(value)) => regex.is_match(value),
            (Test::Compare(comparison, bound), Some(value)) => match value.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => match comparison {
                    Comparison::GreaterThan => number > *bound,
                    Comparison::AtLeast => number >= *bound,
                    Comparison::LessThan => number < *bound,
                    Comparison::AtMost => number <= *bound,
                },
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            Test::Matches(Regex::new("^call\\s").unwrap())
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
}
