//! Conditions: checking them as written, and evaluating them against a contact (pure, no I/O).

use std::fmt;
use std::time::SystemTime;

use super::file::ConditionFile;
use super::pattern::{Compile, Pattern};
use super::time::{self, Span};
use crate::calendar;
use crate::contact::{Contact, Field, UnknownField};
use crate::diagnostics::{Diagnostics, RuleAt};
use crate::template::Text;

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
    /// With `ignore_case` it is compiled case-insensitive.
    Matches(Pattern),
    Compare(Comparison, f64),
    /// A local time or date within a span (`rules::time`).
    Between(Span),
    /// An epoch value older (or newer) than so many seconds before now.
    Age {
        older: bool,
        seconds: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    AtLeast,
    LessThan,
    AtMost,
}

impl Condition {
    /// Its `matches` patterns, in the order they are tested.
    pub(super) fn patterns<'a>(&'a self, found: &mut Vec<&'a Pattern>) {
        match self {
            Condition::All(conditions) | Condition::Any(conditions) => {
                conditions.iter().for_each(|c| c.patterns(found));
            }
            Condition::Not(condition) => condition.patterns(found),
            Condition::Test {
                test: Test::Matches(pattern),
                ..
            } => found.push(pattern),
            Condition::Test { .. } => {}
        }
    }

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
                test.holds(value.as_deref(), *ignore_case, contact.now())
            }
        }
    }
}

impl Test {
    /// A missing value fails every test but `not_equals` and `exists: false`.
    pub(super) fn holds(&self, value: Option<&str>, ignore_case: bool, now: SystemTime) -> bool {
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
            (Test::Matches(pattern), Some(value)) => pattern.is_match(value),
            (Test::Compare(comparison, bound), Some(value)) => match value.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => match comparison {
                    Comparison::GreaterThan => number > *bound,
                    Comparison::AtLeast => number >= *bound,
                    Comparison::LessThan => number < *bound,
                    Comparison::AtMost => number <= *bound,
                },
                _ => false,
            },
            (Test::Between(span), Some(value)) => span.holds(value),
            (Test::Age { older, seconds }, Some(value)) => calendar::age_seconds(value, now)
                .is_some_and(|age| {
                    if *older {
                        age > *seconds
                    } else {
                        age < *seconds
                    }
                }),
        }
    }
}

/// Where a condition sits in its rule (`when.all[2].not`), written out only for a message:
/// checking a large file formats no paths.
#[derive(Debug, Clone, Copy)]
pub(super) enum Place<'a> {
    When,
    Not(&'a Place<'a>),
    Item(&'a Place<'a>, &'static str, usize),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::When => f.write_str("when"),
            Place::Not(parent) => write!(f, "{parent}.not"),
            Place::Item(parent, list, index) => write!(f, "{parent}.{list}[{index}]"),
        }
    }
}

/// Checks a condition as written, reporting every problem under its rule.
pub(super) fn check(
    diagnostics: &mut Diagnostics<'_>,
    at: &RuleAt<'_>,
    place: Place<'_>,
    file: ConditionFile,
    compile: Compile,
) -> Option<Condition> {
    let ignore_case = file.ignore_case;
    let mut tests: Vec<(&str, Option<Test>)> = Vec::new();
    let mut text = |name, value: Option<Text>, make: fn(String) -> Test| {
        if let Some(value) = value {
            tests.push((name, Some(make(value.0))));
        }
    };
    text("equals", file.equals, Test::Equals);
    text("not_equals", file.not_equals, Test::NotEquals);
    text("prefix", file.prefix, Test::Prefix);
    text("suffix", file.suffix, Test::Suffix);
    text("contains", file.contains, Test::Contains);
    if let Some(options) = file.one_of {
        if options.is_empty() {
            diagnostics.rule(*at).problem(
                &format!("{place}.one_of"),
                "the list is empty, so it can never match",
            );
        }
        let mut options: Vec<String> = options.into_iter().map(|t| t.0).collect();
        options.shrink_to_fit();
        tests.push(("one_of", Some(Test::OneOf(options))));
    }
    if let Some(wanted) = file.exists {
        tests.push(("exists", Some(Test::Exists(wanted))));
    }
    if let Some(pattern) = file.matches {
        let test = match Pattern::new(pattern.clone(), ignore_case, compile) {
            Ok(pattern) => Some(Test::Matches(pattern)),
            Err(reason) => {
                let message = format!("bad regular expression `{pattern}`: {reason}");
                diagnostics
                    .rule(*at)
                    .problem(&format!("{place}.matches"), message);
                None
            }
        };
        tests.push(("matches", test));
    }
    for (name, bound, comparison) in [
        ("greater_than", file.greater_than, Comparison::GreaterThan),
        ("at_least", file.at_least, Comparison::AtLeast),
        ("less_than", file.less_than, Comparison::LessThan),
        ("at_most", file.at_most, Comparison::AtMost),
    ] {
        if let Some(bound) = bound {
            if !bound.is_finite() {
                diagnostics
                    .rule(*at)
                    .problem(&format!("{place}.{name}"), "must be a finite number");
            }
            tests.push((name, Some(Test::Compare(comparison, bound))));
        }
    }
    let mut problem = |name: &str, message: String| {
        diagnostics
            .rule(*at)
            .problem(&format!("{place}.{name}"), message)
    };
    tests.extend(time::tests(
        file.between,
        file.older_than,
        file.newer_than,
        &mut problem,
    ));

    let forms = [
        file.all.is_some(),
        file.any.is_some(),
        file.not.is_some(),
        file.field.is_some(),
    ];
    if forms.iter().filter(|present| **present).count() != 1 {
        diagnostics.rule(*at).problem(
            &place.to_string(),
            "a condition needs exactly one of `field`, `all`, `any` or `not`",
        );
        return None;
    }
    if let Some(field) = file.field {
        let field = match field
            .parse()
            .map_err(|error: UnknownField| error.to_string())
        {
            Ok(field) => time::in_zone(field, file.zone.as_deref())
                .map_err(|message| {
                    diagnostics
                        .rule(*at)
                        .problem(&format!("{place}.zone"), message)
                })
                .ok(),
            Err(message) => {
                diagnostics
                    .rule(*at)
                    .problem(&format!("{place}.field"), message);
                None
            }
        };
        if tests.len() != 1 {
            let found = if tests.is_empty() {
                "none".to_owned()
            } else {
                let names: Vec<_> = tests.iter().map(|(name, _)| format!("`{name}`")).collect();
                names.join(" and ")
            };
            diagnostics.rule(*at).problem(
                &place.to_string(),
                format!(
                    "a field test needs exactly one operator (equals, not_equals, one_of, exists, prefix, \
                     suffix, contains, matches, greater_than, at_least, less_than, at_most, between, \
                     older_than, newer_than); found {found}"
                ),
            );
            return None;
        }
        let (name, test) = tests.pop()?;
        let field = field?;
        let test = time::fit(&field, test?)
            .map_err(|message| {
                diagnostics
                    .rule(*at)
                    .problem(&format!("{place}.{name}"), message)
            })
            .ok()?;
        return Some(Condition::Test {
            field,
            test,
            ignore_case,
        });
    }
    if !tests.is_empty() || ignore_case || file.zone.is_some() {
        diagnostics.rule(*at).problem(
            &place.to_string(),
            "operators, `ignore_case` and `zone` go with `field`, not with `all`, `any` or `not`",
        );
    }
    if let Some(inner) = file.not {
        return Some(Condition::Not(Box::new(check(
            diagnostics,
            at,
            Place::Not(&place),
            *inner,
            compile,
        )?)));
    }
    let (name, list, combine): (_, _, fn(Vec<Condition>) -> Condition) = match (file.all, file.any)
    {
        (Some(list), _) => ("all", list, Condition::All),
        (_, Some(list)) => ("any", list, Condition::Any),
        _ => return None,
    };
    if list.is_empty() {
        diagnostics.rule(*at).problem(
            &format!("{place}.{name}"),
            "the list is empty; give at least one condition",
        );
    }
    // Into a list of its own rather than collected in place: the list as written, several
    // times larger, is then freed for the next rule's to reuse instead of living on in the
    // rule book.
    let mut conditions = Vec::with_capacity(list.len());
    let mut complete = true;
    for (index, c) in list.into_iter().enumerate() {
        let place = Place::Item(&place, name, index);
        match check(diagnostics, at, place, c, compile) {
            Some(condition) => conditions.push(condition),
            None => complete = false,
        }
    }
    complete.then(|| combine(conditions))
}
