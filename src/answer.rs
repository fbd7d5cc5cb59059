//! The flat string-to-string map the flow reads (Response validation: STRING_MAP).

use std::collections::BTreeMap;

use crate::limits::ANSWER_MAX_BYTES;
use crate::outcome::{Operation, Outcome};
use crate::plan::Plan;

/// Keys the function answers itself; rules cannot `return` them.
pub const RESERVED_KEYS: [&str; 11] = [
    "status",
    "ruleSet",
    "matchedRules",
    "transferred",
    "applied",
    "notApplied",
    "errorCode",
    "errorMessage",
    "transferRefused",
    "skippedValues",
    "dryRun",
];

pub type Answer = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    NoMatch,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoMatch => "no_match",
            Status::Error => "error",
        }
    }
}

/// Why an invocation failed, as the flow sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub code: String,
    pub message: String,
}

/// The answer for a plan that was executed (or dry-run).
pub fn from_outcome(plan: &Plan, outcome: &Outcome) -> (Status, Answer) {
    let mut answer: Answer = plan.answer.clone();
    let error = error_from_outcome(outcome);
    let status = match (&error, plan.matched_rules.is_empty()) {
        (Some(_), _) => Status::Error,
        (None, true) => Status::NoMatch,
        (None, false) => Status::Ok,
    };
    let mut put = |key: &str, value: String| answer.insert(key.to_owned(), value);
    put("status", status.as_str().to_owned());
    put("ruleSet", plan.rule_set.clone());
    put("matchedRules", plan.matched_rules.join(","));
    put("transferred", outcome.transferred().to_string());
    put("applied", names(&outcome.applied));
    put("notApplied", names(&outcome.not_applied()));
    if let Some(reason) = &plan.transfer_refused {
        put("transferRefused", reason.clone());
    }
    if !plan.skipped.is_empty() {
        put("skippedValues", plan.skipped.join(","));
    }
    if outcome.dry_run {
        put("dryRun", "true".to_owned());
    }
    if let Some(error) = error {
        put("errorCode", error.code);
        put("errorMessage", error.message);
    }
    fit(status, answer)
}

/// The answer when nothing was planned, so nothing was applied.
pub fn from_error(error: &ErrorReport) -> Answer {
    let mut answer = Answer::new();
    answer.insert("status".into(), Status::Error.as_str().into());
    answer.insert("transferred".into(), "false".into());
    answer.insert("applied".into(), String::new());
    answer.insert("errorCode".into(), error.code.clone());
    answer.insert(
        "errorMessage".into(),
        format!("{}; nothing was applied", error.message),
    );
    answer
}

/// The first failure, with what was and was not applied, so no partial update is silent.
pub fn error_from_outcome(outcome: &Outcome) -> Option<ErrorReport> {
    let first = outcome.failures.first()?;
    let mut message = outcome
        .failures
        .iter()
        .map(|f| format!("{} failed: {}: {}", f.operation, f.code, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    message.push_str(&match outcome.applied.as_slice() {
        [] => "; nothing was applied".to_owned(),
        applied => format!("; applied: {}", names(applied)),
    });
    if !outcome.not_attempted.is_empty() {
        message.push_str(&format!(
            "; not attempted: {}",
            names(&outcome.not_attempted)
        ));
    }
    Some(ErrorReport {
        code: first.code.clone(),
        message,
    })
}

fn names(operations: &[Operation]) -> String {
    operations
        .iter()
        .map(Operation::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Keeps the answer under the flow's 32 KB: when `return` values make it larger, they are
/// dropped and the answer says so, keeping every key that reports what was applied.
fn fit(status: Status, answer: Answer) -> (Status, Answer) {
    let size = |answer: &Answer| serde_json::to_vec(answer).map_or(usize::MAX, |bytes| bytes.len());
    let bytes = size(&answer);
    if bytes <= ANSWER_MAX_BYTES {
        return (status, answer);
    }
    let mut trimmed: Answer = answer
        .into_iter()
        .filter(|(key, _)| RESERVED_KEYS.contains(&key.as_str()))
        .collect();
    trimmed.insert("status".into(), Status::Error.as_str().into());
    trimmed.insert("errorCode".into(), "AnswerTooLarge".into());
    let before = trimmed
        .get("errorMessage")
        .map(|m| format!("{m}; "))
        .unwrap_or_default();
    trimmed.insert(
        "errorMessage".into(),
        format!("{before}the answer took {bytes} bytes, over the flow's {ANSWER_MAX_BYTES}; return values were dropped"),
    );
    (Status::Error, trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Failure;
    use crate::plan::Calls;

    fn plan(matched: &[&str]) -> Plan {
        Plan {
            rule_set: "main".into(),
            matched_rules: matched.iter().map(|s| s.to_string()).collect(),
            calls: Calls::default(),
            answer: [("route".to_owned(), "vip".to_owned())].into(),
            skipped: vec![],
            transfer_refused: None,
        }
    }

    #[test]
    fn ok_answer_lists_rules_and_applied_calls() {
        let outcome = Outcome {
            applied: vec![
                Operation::UpdateContactAttributes,
                Operation::TransferContact,
            ],
            ..Outcome::default()
        };
        let (status, answer) = from_outcome(&plan(&["a", "b"]), &outcome);
        assert_eq!(status, Status::Ok);
        assert_eq!(answer["status"], "ok");
        assert_eq!(answer["matchedRules"], "a,b");
        assert_eq!(answer["transferred"], "true");
        assert_eq!(answer["applied"], "UpdateContactAttributes,TransferContact");
        assert_eq!(answer["notApplied"], "");
        assert_eq!(answer["route"], "vip");
        assert!(!answer.contains_key("errorCode"));
    }

    #[test]
    fn no_match_when_no_rule_matched() {
        let (status, answer) = from_outcome(&plan(&[]), &Outcome::default());
        assert_eq!(status, Status::NoMatch);
        assert_eq!(answer["status"], "no_match");
        assert_eq!(answer["transferred"], "false");
    }

    #[test]
    fn partial_failure_reports_what_was_applied_and_what_was_not() {
        let outcome = Outcome {
            applied: vec![Operation::UpdateContactAttributes],
            failures: vec![Failure {
                operation: Operation::UpdateContact,
                code: "ThrottlingException".into(),
                message: "Rate exceeded".into(),
            }],
            not_attempted: vec![Operation::TransferContact],
            ..Outcome::default()
        };
        let (status, answer) = from_outcome(&plan(&["a"]), &outcome);
        assert_eq!(status, Status::Error);
        assert_eq!(answer["errorCode"], "ThrottlingException");
        assert_eq!(
            answer["errorMessage"],
            "UpdateContact failed: ThrottlingException: Rate exceeded; applied: UpdateContactAttributes; \
             not attempted: TransferContact"
        );
        assert_eq!(answer["applied"], "UpdateContactAttributes");
        assert_eq!(answer["notApplied"], "UpdateContact,TransferContact");
    }

    #[test]
    fn error_before_any_call_says_nothing_was_applied() {
        let answer = from_error(&ErrorReport {
            code: "InvalidEvent".into(),
            message: "bad".into(),
        });
        assert_eq!(answer["status"], "error");
        assert_eq!(answer["errorMessage"], "bad; nothing was applied");
    }

    #[test]
    fn oversized_answers_drop_return_values_but_keep_the_report() {
        let mut big = plan(&["a"]);
        big.answer.insert("blob".into(), "x".repeat(40_000));
        let outcome = Outcome {
            applied: vec![Operation::UpdateContactAttributes],
            ..Outcome::default()
        };
        let (status, answer) = from_outcome(&big, &outcome);
        assert_eq!(status, Status::Error);
        assert_eq!(answer["errorCode"], "AnswerTooLarge");
        assert_eq!(answer["applied"], "UpdateContactAttributes");
        assert!(!answer.contains_key("blob") && !answer.contains_key("route"));
        assert!(serde_json::to_vec(&answer).unwrap().len() < ANSWER_MAX_BYTES);
    }
}
