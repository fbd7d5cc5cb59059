//! A follow-up task's schedule: minutes from now, or an epoch time, within the 6 days
//! StartTaskContact allows and never in the past.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{ActionError, At, Draft, RuleContext};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Encoding, Template, Text};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "a schedule: after_minutes or at")]
#[schemars(deny_unknown_fields)]
pub struct File {
    /// Minutes after the start of the current minute, 1 to 8,640.
    pub after_minutes: Option<Text>,
    /// Epoch seconds, not past and at most 6 days ahead.
    pub at: Option<Text>,
}

/// The longest `after_minutes` that stays within StartTaskContact's 6 days.
const MAX_AFTER_MINUTES: i64 = limits::TASK_SCHEDULE_MAX_SECONDS / 60;

#[derive(Debug)]
pub(super) enum Schedule {
    /// Minutes after the start of the current minute: every retry asks for the same time.
    AfterMinutes(Template),
    /// Epoch seconds.
    At(Template),
}

impl Schedule {
    /// Epoch seconds within StartTaskContact's window: not past, at most 6 days ahead.
    pub(super) fn render(
        &self,
        path: &str,
        rule: &RuleContext<'_>,
        draft: &mut Draft<'_>,
    ) -> Result<Option<i64>, ActionError> {
        let now = draft.contact.epoch_seconds();
        let (at, template) = match self {
            Schedule::AfterMinutes(template) => (At::key(path, "after_minutes"), template),
            Schedule::At(template) => (At::key(path, "at"), template),
        };
        let Some(value) = draft.render(rule, at, template, Encoding::Plain)? else {
            return Ok(None);
        };
        let invalid = |message| ActionError::invalid(rule, &at.to_string(), message);
        let time = match self {
            Schedule::AfterMinutes(_) => {
                now - now % 60 + after_minutes(&value).map_err(invalid)? * 60
            }
            Schedule::At(_) => {
                let at = limits::check_integer("the scheduled time", &value, 0..=i64::MAX)
                    .map_err(invalid)?;
                if at <= now {
                    return Err(invalid("the scheduled time is in the past".to_owned()));
                }
                if at > now + limits::TASK_SCHEDULE_MAX_SECONDS {
                    return Err(invalid(
                        "the scheduled time is more than 6 days ahead".to_owned(),
                    ));
                }
                at
            }
        };
        Ok(Some(time))
    }
}

pub(super) fn check(file: File, path: &str, scope: &mut RuleScope<'_, '_>) -> Option<Schedule> {
    match (file.after_minutes, file.at) {
        (Some(text), None) => {
            let path = format!("{path}.after_minutes");
            let template = super::template(scope, &path, &text)?;
            if let Some(literal) = template.as_literal() {
                if let Err(message) = after_minutes(&literal) {
                    scope.problem(&path, message);
                }
            }
            Some(Schedule::AfterMinutes(template))
        }
        (None, Some(text)) => super::template(scope, At::key(path, "at"), &text).map(Schedule::At),
        _ => {
            scope.problem(
                path,
                "a schedule gives `after_minutes` (from now) or `at` (epoch seconds), one of them",
            );
            None
        }
    }
}

fn after_minutes(value: &str) -> Result<i64, String> {
    limits::check_integer(
        "the minutes before the task starts",
        value,
        1..=MAX_AFTER_MINUTES,
    )
}
