//! Problems found in a rules file, each with its location, collected rather than stopped at:
//! the rules checker and every action's load-time check report through one `Diagnostics`.
//! It knows the text of the file but nothing of its meaning, so everything can use it.

use std::fmt;
use std::path::Path;

mod keys;
mod locator;
pub mod shape;

pub use keys::{closest, schema_of, unknown_key, UnknownKey};
use locator::Locator;

/// One thing wrong with a rules file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub rule_set: Option<String>,
    pub rule: Option<String>,
    /// The key path, within the rule when there is one.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn whole_file(message: String) -> Problem {
        Problem {
            line: None,
            column: None,
            rule_set: None,
            rule: None,
            field: String::new(),
            message,
        }
    }

    /// `origin:line[:column]: rule `id` in rule set `set`: field: message`
    pub fn display(&self, origin: &str) -> String {
        let mut text = origin.to_owned();
        if let Some(line) = self.line {
            text.push_str(&format!(":{line}"));
            if let Some(column) = self.column {
                text.push_str(&format!(":{column}"));
            }
        }
        text.push_str(": ");
        if let (Some(set), Some(rule)) = (&self.rule_set, &self.rule) {
            text.push_str(&format!("rule `{rule}` in rule set `{set}`: "));
        }
        if !self.field.is_empty() {
            text.push_str(&format!("{}: ", self.field));
        }
        text.push_str(&self.message);
        text
    }
}

/// A file that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct FileError {
    pub origin: String,
    pub problems: Vec<Problem>,
}

impl FileError {
    /// The text of the file at `path`, or the one problem that it cannot be read; `what`
    /// names the file in that message (`the rules file`).
    pub fn read(path: &Path, what: &str) -> Result<String, FileError> {
        std::fs::read_to_string(path).map_err(|error| {
            FileError::whole(
                &path.display().to_string(),
                format!("cannot read {what}: {error}"),
            )
        })
    }

    /// One problem with the file as a whole.
    pub fn whole(origin: &str, message: String) -> FileError {
        FileError {
            origin: origin.to_owned(),
            problems: vec![Problem::whole_file(message)],
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{}", problem.display(&self.origin))?;
        }
        let count = self.problems.len();
        write!(
            f,
            "{}: {count} problem{}",
            self.origin,
            if count == 1 { "" } else { "s" }
        )
    }
}

/// The rule a problem belongs to. Its line is looked up only when a problem is reported,
/// so checking a valid file never reads the text again.
#[derive(Debug, Clone, Copy)]
pub struct RuleAt<'a> {
    pub set: &'a str,
    pub index: usize,
    pub id: &'a str,
}

/// Every problem found so far, and the text they are located in.
pub struct Diagnostics<'s> {
    locator: Locator<'s>,
    problems: Vec<Problem>,
    /// Places already reported for their shape or as unknown keys: what the checker then
    /// finds in, under or around them follows from that report, so it is not repeated.
    reported: Vec<Place>,
}

/// A field of the file: in a rule (its set and position) or outside any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    rule: Option<(String, usize)>,
    field: String,
}

impl Place {
    fn of(rule: Option<&RuleAt<'_>>, field: &str) -> Place {
        Place {
            rule: rule.map(|at| (at.set.to_owned(), at.index)),
            field: field.to_owned(),
        }
    }

    /// The same field, one inside the other, or one around the other (the rule itself is
    /// around everything in it only when it is the place reported).
    fn overlaps(&self, reported: &Place) -> bool {
        let within = |inner: &str, outer: &str| {
            outer.is_empty()
                || inner == outer
                || inner
                    .strip_prefix(outer)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        };
        self.rule == reported.rule
            && (within(&self.field, &reported.field)
                || (!self.field.is_empty() && within(&reported.field, &self.field)))
    }
}

impl<'s> Diagnostics<'s> {
    pub fn new(source: &'s str) -> Self {
        Diagnostics {
            locator: Locator::new(source),
            problems: Vec::new(),
            reported: Vec::new(),
        }
    }

    /// From now on, leaves out problems overlapping `field` of `rule` (or of the top of the
    /// file), which was reported for its shape or as an unknown key.
    pub fn reported(&mut self, rule: Option<&RuleAt<'_>>, field: &str) {
        self.reported.push(Place::of(rule, field));
    }

    fn repeats(&self, rule: Option<&RuleAt<'_>>, field: &str) -> bool {
        let place = Place::of(rule, field);
        self.reported
            .iter()
            .any(|reported| place.overlaps(reported))
    }

    /// A problem outside any rule, at a dotted key path from the top of the file.
    pub fn top(&mut self, field: &str, message: impl Into<String>) {
        if self.repeats(None, field) {
            return;
        }
        let line = self.locator.line(&split(field));
        self.problems.push(Problem {
            line,
            field: field.to_owned(),
            ..Problem::whole_file(message.into())
        });
    }

    /// Reports problems of one rule.
    pub fn rule<'d>(&'d mut self, at: RuleAt<'d>) -> RuleScope<'d, 's> {
        RuleScope {
            diagnostics: self,
            at,
        }
    }

    /// The problems, in the order of the file.
    pub fn into_problems(self) -> Vec<Problem> {
        let mut problems = self.problems;
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        problems
    }
}

/// Problems of one rule, located under it.
pub struct RuleScope<'d, 's> {
    diagnostics: &'d mut Diagnostics<'s>,
    at: RuleAt<'d>,
}

impl RuleScope<'_, '_> {
    pub fn rule_id(&self) -> &str {
        self.at.id
    }

    /// A problem at `field`, a key path within the rule (`actions.transfer.queue_id`).
    pub fn problem(&mut self, field: &str, message: impl Into<String>) {
        if self.diagnostics.repeats(Some(&self.at), field) {
            return;
        }
        let line = self.diagnostics.locator.rule_line(
            self.at.set,
            self.at.index,
            self.at.id,
            &split(field),
        );
        self.diagnostics.problems.push(Problem {
            line,
            column: None,
            rule_set: Some(self.at.set.to_owned()),
            // A rule whose id is missing is named by its place in the set.
            rule: Some(match self.at.id {
                "" => format!("#{}", self.at.index + 1),
                id => id.to_owned(),
            }),
            field: field.to_owned(),
            message: message.into(),
        });
    }
}

/// A key path as serde reports it for an unknown key.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// The segments of a dotted key path: `actions.create_task.t.references` or `cases[2].expect`.
pub fn split(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|key| !key.is_empty()) {
            segments.push(Segment::Key(key.to_owned()));
        }
        for index in pieces {
            if let Ok(index) = index.trim_end_matches(']').parse() {
                segments.push(Segment::Index(index));
            }
        }
    }
    segments
}

pub fn join(path: &[Segment]) -> String {
    let mut text = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) if text.is_empty() => text.push_str(key),
            Segment::Key(key) => text.push_str(&format!(".{key}")),
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}
