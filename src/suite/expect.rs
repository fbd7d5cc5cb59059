//! What a case expects, compared with what the function did: only what the case writes is
//! compared, so a case names the members that matter and not every id and token.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::function::Invocation;
use crate::vocabulary::key;

/// A checked `expect:`.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub rule_set: Option<String>,
    pub matched: Option<Vec<String>>,
    /// `None`: the call must not be made.
    pub calls: BTreeMap<String, Option<Value>>,
    /// `None`: the key must not be answered.
    pub answer: BTreeMap<String, Option<String>>,
    pub error: Option<String>,
}

/// One way a case's result differs from what it expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where: `matched`, `calls.UpdateContact.Name`, `answer.route`.
    pub at: String,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.at, self.expected, self.got
        )
    }
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.rule_set.is_none()
            && self.matched.is_none()
            && self.calls.is_empty()
            && self.answer.is_empty()
            && self.error.is_none()
    }

    /// Every difference between this and what `invocation` planned and answered.
    pub fn compare(&self, invocation: &Invocation) -> Vec<Difference> {
        let mut differences = Vec::new();
        let plan = invocation.plan.as_ref();
        let answered = |name: &str| invocation.answer.get(name).cloned();
        if let Some(rule_set) = &self.rule_set {
            let got = plan.map(|plan| plan.rule_set.clone());
            same(&mut differences, "rule_set", Some(rule_set), got.as_ref());
        }
        if let Some(matched) = &self.matched {
            let got = plan.map(|plan| plan.matched_rules.clone());
            if got.as_ref() != Some(matched) {
                differences.push(Difference {
                    at: "matched".to_owned(),
                    expected: list(matched),
                    got: got.as_deref().map_or_else(|| "no plan".to_owned(), list),
                });
            }
        }
        let calls = plan
            .map(|plan| serde_json::to_value(&plan.calls).unwrap_or_default())
            .unwrap_or_default();
        for (label, expected) in &self.calls {
            let at = format!("calls.{label}");
            match expected {
                Some(expected) => subset(&mut differences, &at, expected, calls.get(label)),
                None => absent(&mut differences, &at, calls.get(label).map(shown)),
            }
        }
        for (name, expected) in &self.answer {
            let at = format!("answer.{name}");
            match expected {
                Some(expected) => same(
                    &mut differences,
                    &at,
                    Some(expected),
                    answered(name).as_ref(),
                ),
                None => absent(&mut differences, &at, answered(name).map(quoted)),
            }
        }
        if let Some(error) = &self.error {
            let got = answered(key::ERROR_CODE);
            same(&mut differences, "error", Some(error), got.as_ref());
        }
        differences
    }
}

fn same(
    differences: &mut Vec<Difference>,
    at: &str,
    expected: Option<&String>,
    got: Option<&String>,
) {
    if expected != got {
        differences.push(Difference {
            at: at.to_owned(),
            expected: expected.map_or_else(nothing, |e| quoted(e.clone())),
            got: got.map_or_else(nothing, |g| quoted(g.clone())),
        });
    }
}

fn absent(differences: &mut Vec<Difference>, at: &str, got: Option<String>) {
    if let Some(got) = got {
        differences.push(Difference {
            at: at.to_owned(),
            expected: nothing(),
            got,
        });
    }
}

/// `expected` holds within `got`: every key it writes with a value that holds, lists item
/// by item, and scalars by their text (`priority: 2` and `"2"` are the same to an author).
fn subset(differences: &mut Vec<Difference>, at: &str, expected: &Value, got: Option<&Value>) {
    match (expected, got) {
        (Value::Object(members), Some(Value::Object(got))) => {
            // In name order, whatever order the JSON map keeps, so reports read the same.
            let mut members: Vec<_> = members.iter().collect();
            members.sort_by_key(|(name, _)| *name);
            for (name, expected) in members {
                let at = format!("{at}.{name}");
                match expected {
                    Value::Null => absent(differences, &at, got.get(name).map(shown)),
                    expected => subset(differences, &at, expected, got.get(name)),
                }
            }
        }
        (Value::Array(items), Some(Value::Array(got))) if items.len() == got.len() => {
            for (index, (expected, got)) in items.iter().zip(got).enumerate() {
                subset(differences, &format!("{at}[{index}]"), expected, Some(got));
            }
        }
        (expected, Some(got)) if text(expected).is_some() && text(expected) == text(got) => {}
        (expected, got) => differences.push(Difference {
            at: at.to_owned(),
            expected: shown(expected),
            got: got.map_or_else(nothing, shown),
        }),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn shown(value: &Value) -> String {
    value.to_string()
}

fn quoted(text: String) -> String {
    Value::String(text).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn nothing() -> String {
    "nothing".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn differences(expected: Value, got: Value) -> Vec<String> {
        let mut found = Vec::new();
        subset(&mut found, "calls.X", &expected, Some(&got));
        found.iter().map(ToString::to_string).collect::<Vec<_>>()
    }

    #[test]
    fn only_what_is_written_is_compared_and_scalars_by_their_text() {
        let got = json!({"Name": "n", "QueuePriority": 2, "References": {"a": {"Type": "URL"}}, "Token": "t"});
        assert!(differences(
            json!({"QueuePriority": "2", "References": {"a": {}}}),
            got.clone()
        )
        .is_empty());
        assert_eq!(
            differences(json!({"Name": "m", "Token": null, "Missing": 1}), got),
            [
                "calls.X.Missing: expected 1, got nothing",
                "calls.X.Name: expected \"m\", got \"n\"",
                "calls.X.Token: expected nothing, got \"t\"",
            ]
        );
    }

    #[test]
    fn lists_are_compared_item_by_item_and_in_length() {
        assert!(differences(json!([{"a": 1}]), json!([{"a": 1, "b": 2}])).is_empty());
        assert_eq!(
            differences(json!([1]), json!([1, 2])),
            ["calls.X: expected [1], got [1,2]"]
        );
    }
}
