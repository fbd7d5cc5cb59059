//! Problems found in a rules file, each with its location, collected rather than stopped at:
//! the rules checker and every action's load-time check report through one `Diagnostics`.
//! It knows the text of the file but nothing of its meaning, so everything can use it.

use std::ops::Range;

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
        let line = self.locator.path_line(self.locator.everything(), field);
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
        let locator = &self.diagnostics.locator;
        let line = locator
            .rule_lines(self.at.set, self.at.index, self.at.id)
            .map(|lines| {
                let start = lines.start;
                locator.path_line(lines, field).unwrap_or(start)
            });
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

/// How alike a misspelt name must be to a known one to be offered (Jaro-Winkler).
const CLOSE_ENOUGH: f64 = 0.8;

/// The known name a misspelt one most likely meant, if any is close.
pub fn closest<'k, K: AsRef<str>>(name: &str, known: &'k [K]) -> Option<&'k str> {
    known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate.as_ref()), candidate))
        .filter(|(likeness, _)| *likeness >= CLOSE_ENOUGH)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_ref())
}

/// A key path as serde reports it for an unknown key.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
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

/// Finds the line a key is on, for messages. serde_yaml gives no positions for values, so
/// this reads the text: good for files laid out one key per line, silent otherwise.
struct Locator<'s> {
    lines: Vec<&'s str>,
}

impl<'s> Locator<'s> {
    fn new(source: &'s str) -> Self {
        Locator {
            lines: source.lines().collect(),
        }
    }

    /// The key and value written on a line, as `key: value` or `"key": "value",`.
    fn key_value(line: &str) -> Option<(&str, &str)> {
        let text = line.trim_start().trim_start_matches(['-', '{', ' ']);
        let (key, rest) = if let Some(quoted) = text.strip_prefix('"') {
            let end = quoted.find('"')?;
            (
                &quoted[..end],
                quoted[end + 1..].trim_start().strip_prefix(':')?,
            )
        } else {
            let (key, rest) = text.split_once(':')?;
            (key.trim().trim_matches('\''), rest)
        };
        let value = rest
            .trim()
            .trim_end_matches([',', '}'])
            .trim()
            .trim_matches(['"', '\'']);
        Some((key, value))
    }

    /// The 1-based line of the first `key` in `lines` (1-based, end excluded).
    fn key_line(&self, lines: Range<usize>, key: &str) -> Option<usize> {
        let end = lines.end.min(self.lines.len() + 1);
        (lines.start.max(1)..end)
            .find(|number| Self::key_value(self.lines[number - 1]).is_some_and(|(k, _)| k == key))
    }

    /// The line of a dotted key path within `lines`, each key searched after the one
    /// before; stops at the deepest key found.
    fn path_line(&self, lines: Range<usize>, path: &str) -> Option<usize> {
        let mut found = None;
        for key in path
            .split('.')
            .map(|key| key.split('[').next().unwrap_or(key))
        {
            match self.key_line(found.unwrap_or(lines.start)..lines.end, key) {
                Some(line) => found = Some(line),
                None => break,
            }
        }
        found
    }

    fn everything(&self) -> Range<usize> {
        1..self.lines.len() + 1
    }

    /// The lines of the `index`-th rule of a set: from the `index`-th `- ` item under the
    /// set's key in YAML to the next, else (JSON, flow style) from the first line with the
    /// rule's id to the end.
    fn rule_lines(&self, set: &str, index: usize, id: &str) -> Option<Range<usize>> {
        let set_line = self
            .key_line(self.everything(), "rule_sets")
            .and_then(|line| self.key_line(line..self.lines.len() + 1, set))?;
        let indent = |line: &str| line.len() - line.trim_start().len();
        let set_indent = indent(self.lines[set_line - 1]);
        let block: Vec<(usize, &str)> = self
            .lines
            .iter()
            .enumerate()
            .skip(set_line)
            .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .take_while(|(_, line)| indent(line) > set_indent)
            .map(|(number, line)| (number + 1, *line))
            .collect();
        let item_indent = indent(block.first()?.1);
        let end = block.last()?.0 + 1;
        let starts: Vec<usize> = block
            .iter()
            .filter(|(_, line)| indent(line) == item_indent && line.trim_start().starts_with("- "))
            .map(|(number, _)| *number)
            .collect();
        match starts.get(index) {
            Some(start) => Some(*start..starts.get(index + 1).copied().unwrap_or(end)),
            None => self
                .lines
                .iter()
                .position(|line| Self::key_value(line) == Some(("id", id)))
                .map(|number| number + 1..self.lines.len() + 1),
        }
    }
}
