//! The flat string-to-string map the flow reads (Response validation: STRING_MAP).

use std::collections::BTreeMap;

use crate::error::InvocationError;
use crate::limits::ANSWER_MAX_BYTES;
use crate::outcome::Outcome;
use crate::plan::Plan;
use crate::vocabulary::key;

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

/// The answer for a plan that was executed (or dry-run), and the error it reports.
pub fn from_outcome(plan: &Plan, outcome: &Outcome) -> (Status, Answer, Option<InvocationError>) {
    let mut answer: Answer = plan.answer.clone();
    let error = error_from_outcome(outcome);
    let status = match (&error, plan.matched_rules.is_empty()) {
        (Some(_), _) => Status::Error,
        (None, true) => Status::NoMatch,
        (None, false) => Status::Ok,
    };
    let mut put = |key: &str, value: String| answer.insert(key.to_owned(), value);
    put(key::STATUS, status.as_str().to_owned());
    put(key::RULE_SET, plan.rule_set.clone());
    put(key::MATCHED_RULES, plan.matched_rules.join(","));
    put(key::TRANSFERRED, outcome.transferred().to_string());
    put(key::APPLIED, outcome.applied().join(","));
    put(key::NOT_APPLIED, outcome.not_applied().join(","));
    for (refused, reason) in &plan.refused {
        put(refused, reason.clone());
    }
    for (task, contact_id) in outcome.tasks() {
        put(&key::task(task), contact_id.unwrap_or_default().to_owned());
    }
    if !plan.skipped.is_empty() {
        put(key::SKIPPED_VALUES, plan.skipped.join(","));
    }
    if outcome.dry_run {
        put(key::DRY_RUN, "true".to_owned());
    }
    if let Some(error) = &error {
        put(key::ERROR_CODE, error.code().to_owned());
        put(key::ERROR_MESSAGE, error.flow_message());
    }
    fit(plan, status, answer, error)
}

/// The answer when the invocation failed before anything was called, or panicked.
pub fn from_error(error: &InvocationError) -> Answer {
    let mut answer = Answer::new();
    answer.insert(key::STATUS.into(), Status::Error.as_str().into());
    answer.insert(key::TRANSFERRED.into(), "false".into());
    answer.insert(key::APPLIED.into(), String::new());
    answer.insert(key::ERROR_CODE.into(), error.code().to_owned());
    answer.insert(key::ERROR_MESSAGE.into(), error.flow_message());
    answer
}

/// The first failure, with what was and was not applied, so no partial update is silent.
fn error_from_outcome(outcome: &Outcome) -> Option<InvocationError> {
    let (_, first) = outcome.failures().next()?;
    let mut message = outcome
        .failures()
        .map(|(label, error)| format!("{label} failed: {}: {error}", error.code()))
        .collect::<Vec<_>>()
        .join("; ");
    message.push_str(&match outcome.applied().as_slice() {
        [] => "; nothing was applied".to_owned(),
        applied => format!("; applied: {}", applied.join(",")),
    });
    if !outcome.not_attempted.is_empty() {
        message.push_str(&format!(
            "; not attempted: {}",
            outcome.not_attempted.join(",")
        ));
    }
    Some(InvocationError::Calls {
        code: first.code().to_owned(),
        message,
    })
}

/// Keeps the answer under the flow's 32 KB: when `return` values make it larger, they are
/// dropped and the answer says so, keeping every key that reports what was applied (the
/// function's own, a task's id, a refusal).
fn fit(
    plan: &Plan,
    status: Status,
    answer: Answer,
    error: Option<InvocationError>,
) -> (Status, Answer, Option<InvocationError>) {
    let size = |answer: &Answer| serde_json::to_vec(answer).map_or(usize::MAX, |bytes| bytes.len());
    let bytes = size(&answer);
    if bytes <= ANSWER_MAX_BYTES {
        return (status, answer, error);
    }
    let error = InvocationError::AnswerTooLarge {
        bytes,
        earlier: error.map(Box::new),
    };
    let mut trimmed: Answer = answer
        .into_iter()
        .filter(|(key, _)| !plan.answer.contains_key(key))
        .collect();
    trimmed.insert(key::STATUS.into(), Status::Error.as_str().into());
    trimmed.insert(key::ERROR_CODE.into(), error.code().to_owned());
    trimmed.insert(key::ERROR_MESSAGE.into(), error.flow_message());
    (Status::Error, trimmed, Some(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::Calls;
    use crate::outcome::{Applied, CallError, CallReport};
    use crate::vocabulary::Operation;
    use std::time::Duration;

    fn plan(matched: &[&str]) -> Plan {
        Plan {
            rule_set: "main".into(),
            matched_rules: matched.iter().map(|s| s.to_string()).collect(),
            calls: Calls::default(),
            answer: [("route".to_owned(), "vip".to_owned())].into(),
            skipped: vec![],
            refused: BTreeMap::new(),
        }
    }

    fn report(operation: Operation, result: Result<Applied, CallError>) -> CallReport {
        CallReport {
            operation,
            label: operation.to_string(),
            result,
            latency: Duration::from_millis(5),
            throttled: 0,
        }
    }

    fn throttled() -> CallError {
        CallError::Connect {
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
        }
    }

    #[test]
    fn ok_answer_lists_rules_and_applied_calls() {
        let outcome = Outcome {
            calls: vec![
                report(Operation::UpdateContactAttributes, Ok(Applied::Done)),
                report(Operation::TransferContact, Ok(Applied::Done)),
            ],
            ..Outcome::default()
        };
        let (status, answer, error) = from_outcome(&plan(&["a", "b"]), &outcome);
        assert_eq!(status, Status::Ok);
        assert!(error.is_none());
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
        let (status, answer, _) = from_outcome(&plan(&[]), &Outcome::default());
        assert_eq!(status, Status::NoMatch);
        assert_eq!(answer["status"], "no_match");
        assert_eq!(answer["transferred"], "false");
    }

    #[test]
    fn partial_failure_reports_what_was_applied_and_what_was_not() {
        let outcome = Outcome {
            calls: vec![
                report(Operation::UpdateContactAttributes, Ok(Applied::Done)),
                report(Operation::UpdateContact, Err(throttled())),
            ],
            not_attempted: vec!["TransferContact".into()],
            ..Outcome::default()
        };
        let (status, answer, error) = from_outcome(&plan(&["a"]), &outcome);
        assert_eq!(status, Status::Error);
        assert_eq!(error.unwrap().code(), "ThrottlingException");
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
    fn created_tasks_and_refusals_are_answered_by_name() {
        let mut plan = plan(&["a"]);
        plan.refused
            .insert("expiryRefused".into(), "a VOICE contact".into());
        let outcome = Outcome {
            calls: vec![CallReport {
                label: "StartTaskContact:callback".into(),
                ..report(
                    Operation::StartTaskContact,
                    Ok(Applied::TaskCreated {
                        task: "callback".into(),
                        contact_id: Some("t-1".into()),
                    }),
                )
            }],
            ..Outcome::default()
        };
        let (_, answer, _) = from_outcome(&plan, &outcome);
        assert_eq!(answer["task_callback"], "t-1");
        assert_eq!(answer["applied"], "StartTaskContact:callback");
        assert_eq!(answer["expiryRefused"], "a VOICE contact");
    }

    #[test]
    fn error_before_any_call_says_nothing_was_applied() {
        let error = InvocationError::Plan(crate::plan::PlanError::NoRuleSet {
            parameter: "ruleSet".into(),
        });
        let answer = from_error(&error);
        assert_eq!(answer["status"], "error");
        assert_eq!(answer["errorCode"], "NoRuleSet");
        assert_eq!(
            answer["errorMessage"],
            "no rule set chosen: set the block parameter `ruleSet` (the rules file has no \
             default_rule_set); nothing was applied"
        );
    }

    #[test]
    fn oversized_answers_drop_return_values_but_keep_the_report_and_the_error() {
        let mut big = plan(&["a"]);
        big.answer.insert("blob".into(), "x".repeat(40_000));
        big.refused
            .insert("transferRefused".into(), "a VOICE contact".into());
        let outcome = Outcome {
            calls: vec![
                report(Operation::UpdateContactAttributes, Ok(Applied::Done)),
                report(Operation::UpdateContact, Err(throttled())),
            ],
            ..Outcome::default()
        };
        let (status, answer, error) = from_outcome(&big, &outcome);
        assert_eq!(status, Status::Error);
        assert_eq!(answer["errorCode"], "AnswerTooLarge");
        assert_eq!(
            error.as_ref().map(InvocationError::code),
            Some("AnswerTooLarge"),
            "the error a raise reports is the one the answer reports"
        );
        assert!(answer["errorMessage"].starts_with(
            "UpdateContact failed: ThrottlingException: Rate exceeded; applied: UpdateContactAttributes; \
             the answer took "
        ));
        assert_eq!(answer["applied"], "UpdateContactAttributes");
        assert_eq!(answer["transferRefused"], "a VOICE contact");
        assert!(!answer.contains_key("blob") && !answer.contains_key("route"));
        assert!(serde_json::to_vec(&answer).unwrap().len() < ANSWER_MAX_BYTES);
    }
}
