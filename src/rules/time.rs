//! Conditions on time: local-time fields (`now.time`, `now.date`, `now.weekday`,
//! `now.holiday`) with their operands checked at load, windows with `between` (business
//! hours, across midnight too), a condition's own `zone`, and the age of an epoch value
//! (`older_than: 48h`).

use super::condition::Test;
use crate::calendar::{self, Part, Zone};
use crate::contact::Field;
use crate::template::Text;

/// From `from` to `to`, compared as text (`HH:MM`, `YYYY-MM-DD`), across midnight when `to`
/// comes first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub from: String,
    pub to: String,
    pub end_included: bool,
}

impl Span {
    pub(super) fn holds(&self, value: &str) -> bool {
        let before_end = if self.end_included {
            value <= self.to.as_str()
        } else {
            value < self.to.as_str()
        };
        if self.from <= self.to {
            self.from.as_str() <= value && before_end
        } else {
            self.from.as_str() <= value || before_end
        }
    }
}

/// How an operand of a local-time field is written, or why it is not.
type Form = fn(&str) -> Result<String, String>;

/// The time operators of a condition as written, each made a test if it reads.
pub(super) fn tests(
    between: Option<Vec<Text>>,
    older_than: Option<Text>,
    newer_than: Option<Text>,
    problem: &mut dyn FnMut(&str, String),
) -> Vec<(&'static str, Option<Test>)> {
    let mut tests = Vec::new();
    if let Some(bounds) = between {
        let test = match <[Text; 2]>::try_from(bounds) {
            Ok([from, to]) => Some(Test::Between(Span {
                from: from.0,
                to: to.0,
                end_included: false,
            })),
            Err(_) => {
                problem(
                    "between",
                    "give two values, the start and the end: [\"08:30\", \"18:00\"]".to_owned(),
                );
                None
            }
        };
        tests.push(("between", test));
    }
    for (name, value, older) in [
        ("older_than", older_than, true),
        ("newer_than", newer_than, false),
    ] {
        if let Some(value) = value {
            let test = calendar::duration_seconds(&value.0)
                .map(|seconds| Test::Age { older, seconds })
                .map_err(|message| problem(name, message))
                .ok();
            tests.push((name, test));
        }
    }
    tests
}

/// The field in the condition's `zone`, when it names one: only local-time fields have one.
pub(super) fn in_zone(field: Field, zone: Option<&str>) -> Result<Field, String> {
    match (field, zone) {
        (field, None) => Ok(field),
        (Field::Local { part, .. }, Some(name)) => Ok(Field::Local {
            part,
            zone: Some(Zone::named(name)?),
        }),
        (field, Some(_)) => Err(format!(
            "`zone` goes with a local-time field (now.time, now.date, now.weekday, now.holiday), not `{field}`"
        )),
    }
}

/// The test as the field reads: operands of a local-time field in its form (`08:30`,
/// `2026-12-25`, `mon`), and `between` only on times (a window, which may cross midnight)
/// and dates (both ends included).
pub(super) fn fit(field: &Field, test: Test) -> Result<Test, String> {
    let part = match field {
        Field::Local { part, .. } => Some(*part),
        _ => None,
    };
    let form: Option<Form> = match part {
        Some(Part::Time) => Some(calendar::time_of_day),
        Some(Part::Date) => Some(|text| calendar::date(text).map(|date| date.to_string())),
        Some(Part::Weekday) => Some(calendar::weekday),
        Some(Part::Holiday) => Some(|text| match text {
            "true" | "false" => Ok(text.to_owned()),
            _ => Err(format!("`{text}` is neither true nor false")),
        }),
        Some(Part::Local) | None => None,
    };
    let Some(form) = form else {
        return match test {
            Test::Between(_) => Err(format!(
                "`between` goes with now.time or now.date, not `{field}`"
            )),
            test => Ok(test),
        };
    };
    Ok(match test {
        Test::Equals(text) => Test::Equals(form(&text)?),
        Test::NotEquals(text) => Test::NotEquals(form(&text)?),
        Test::OneOf(options) => {
            Test::OneOf(options.iter().map(|o| form(o)).collect::<Result<_, _>>()?)
        }
        Test::Between(span) => {
            let (from, to) = (form(&span.from)?, form(&span.to)?);
            match part {
                Some(Part::Time) => Test::Between(Span {
                    from,
                    to,
                    end_included: false,
                }),
                Some(Part::Date) if from <= to => Test::Between(Span {
                    from,
                    to,
                    end_included: true,
                }),
                Some(Part::Date) => {
                    return Err(format!(
                        "`{from}` comes after `{to}`; give the earlier date first"
                    ))
                }
                _ => {
                    return Err(format!(
                        "`between` goes with now.time or now.date, not `{field}`"
                    ))
                }
            }
        }
        test => test,
    })
}
