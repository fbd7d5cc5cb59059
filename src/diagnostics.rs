//! Problems found in a rules file, each with its location, collected rather than stopped at:
//! the rules checker and every action's load-time check report through one `Diagnostics`.
//! It knows the text of the file but nothing of its meaning, so everything can use it.

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
}

impl<'s> Diagnostics<'s> {
    pub fn new(source: &'s str) -> Self {
        Diagnostics {
            locator: Locator::new(source),
            problems: Vec::new(),
        }
    }

    /// A problem outside any rule, at a dotted key path from the top of the file.
    pub fn top(&mut self, field: &str, message: impl Into<String>) {
        let line = self.locator.path_line(1, field);
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
        let locator = &self.diagnostics.locator;
        let line = locator
            .rule_line(self.at.set, self.at.index, self.at.id)
            .map(|from| locator.path_line(from, field).unwrap_or(from));
        self.diagnostics.problems.push(Problem {
            line,
            column: None,
            rule_set: Some(self.at.set.to_owned()),
            rule: Some(self.at.id.to_owned()),
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

    /// The 1-based line of the first `key` at or after line `from`.
    fn key_line(&self, from: usize, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, line)| Self::key_value(line).is_some_and(|(k, _)| k == key))
            .map(|(index, _)| index + 1)
    }

    /// The line of a dotted key path, each key searched after the one before; stops at
    /// the deepest key found.
    fn path_line(&self, from: usize, path: &str) -> Option<usize> {
        let mut found = None;
        for key in path
            .split('.')
            .map(|key| key.split('[').next().unwrap_or(key))
        {
            match self.key_line(found.unwrap_or(from), key) {
                Some(line) => found = Some(line),
                None => break,
            }
        }
        found
    }

    /// The line of the `index`-th rule of a set: the `index`-th `- ` item under the set's
    /// key in YAML, else (JSON, flow style) the first line with the rule's id.
    fn rule_line(&self, set: &str, index: usize, id: &str) -> Option<usize> {
        let set_line = self
            .key_line(1, "rule_sets")
            .and_then(|line| self.key_line(line, set))?;
        let indent = |line: &str| line.len() - line.trim_start().len();
        let set_indent = indent(self.lines[set_line - 1]);
        let mut items = self
            .lines
            .iter()
            .enumerate()
            .skip(set_line)
            .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .take_while(|(_, line)| indent(line) > set_indent);
        let (first, first_line) = items.next()?;
        let item_indent = indent(first_line);
        let by_position = std::iter::once((first, *first_line))
            .chain(items.map(|(number, line)| (number, *line)))
            .filter(|(_, line)| indent(line) == item_indent && line.trim_start().starts_with("- "))
            .nth(index)
            .map(|(number, _)| number + 1);
        by_position.or_else(|| {
            self.lines
                .iter()
                .position(|line| Self::key_value(line) == Some(("id", id)))
                .map(|number| number + 1)
        })
    }
}
