//! Finds the line a key path is on, for messages. serde_yaml gives no positions for values,
//! so this reads the text by its indentation: exact for files laid out one key per line
//! (as YAML and pretty-printed JSON are), the nearest line it can tell otherwise.

use std::ops::Range;

use super::Segment;

pub(super) struct Locator<'s> {
    lines: Vec<&'s str>,
}

impl<'s> Locator<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Locator {
            lines: source.lines().collect(),
        }
    }

    /// The 1-based line of a path from the top of the file: the deepest part of it found.
    pub(super) fn line(&self, path: &[Segment]) -> Option<usize> {
        self.within(self.everything(), path).0
    }

    /// The line of `field`, a path within the `index`-th rule of a set; the rule's own
    /// line when the field is not written (a missing key). A rule not laid out one key per
    /// line (JSON, flow style) is found by its id instead, else the nearest line found.
    pub(super) fn rule_line(
        &self,
        set: &str,
        index: usize,
        id: &str,
        field: &[Segment],
    ) -> Option<usize> {
        let rule = [
            Segment::Key("rule_sets".to_owned()),
            Segment::Key(set.to_owned()),
            Segment::Index(index),
        ];
        match self.within(self.everything(), &rule) {
            (Some(line), Some(lines)) => self.within(lines, field).0.or(Some(line)),
            (nearest, _) => self
                .lines
                .iter()
                .position(|line| key_value(line) == Some(("id", id)))
                .map(|number| number + 1)
                .or(nearest),
        }
    }

    fn everything(&self) -> Range<usize> {
        1..self.lines.len() + 1
    }

    /// The line of the deepest part of `path` found within `lines`, and the lines that
    /// part spans, when the whole path was found.
    fn within(
        &self,
        mut lines: Range<usize>,
        path: &[Segment],
    ) -> (Option<usize>, Option<Range<usize>>) {
        let mut found = None;
        for segment in path {
            let line = match segment {
                Segment::Key(key) => self.key_line(lines.clone(), key),
                Segment::Index(index) => self.items(lines.clone()).get(*index).copied(),
            };
            let Some(line) = line else {
                return (found, None);
            };
            found = Some(line);
            lines = match segment {
                Segment::Key(_) => line + 1..self.block_end(line, key_column(self.text(line))),
                Segment::Index(_) => line..self.block_end(line, indent(self.text(line))),
            };
        }
        (found, Some(lines))
    }

    fn text(&self, line: usize) -> &'s str {
        self.lines[line - 1]
    }

    /// Content lines of `lines`: not blank, not a comment.
    fn content(&self, lines: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let end = lines.end.min(self.lines.len() + 1);
        (lines.start.max(1)..end).filter(|&number| {
            let text = self.text(number).trim();
            !text.is_empty() && !text.starts_with('#')
        })
    }

    /// The first line in `lines` with `key`, at the shallowest depth it has there.
    fn key_line(&self, lines: Range<usize>, key: &str) -> Option<usize> {
        self.content(lines)
            .filter(|&number| key_value(self.text(number)).is_some_and(|(k, _)| k == key))
            .min_by_key(|&number| key_column(self.text(number)))
    }

    /// The lines that start the items of a list in `lines`: `- ` at the first one's depth.
    fn items(&self, lines: Range<usize>) -> Vec<usize> {
        let mut content = self.content(lines).peekable();
        let Some(&first) = content.peek() else {
            return Vec::new();
        };
        let depth = indent(self.text(first));
        content
            .filter(|&number| {
                let text = self.text(number);
                indent(text) == depth && text.trim_start().starts_with("- ")
            })
            .collect()
    }

    /// Where what belongs to `line` ends: the first content line after it at `column` or
    /// less.
    fn block_end(&self, line: usize, column: usize) -> usize {
        self.content(line + 1..self.lines.len() + 1)
            .find(|&number| indent(self.text(number)) <= column)
            .unwrap_or(self.lines.len() + 1)
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The column a line's key starts at, after any list dash or opening brace.
fn key_column(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-', '{']).len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::split;

    const YAML: &str = "\
cases:
  - name: first
    expect:
      calls: {}
  # a comment
  - name: second

    event: e.json
    expect:
      answer: {}
      calls:
        X: 1
rule_sets:
  main:
    - id: a
    - id: b
      when: {field: x}
";

    #[test]
    fn list_items_are_found_by_position() {
        let locator = Locator::new(YAML);
        assert_eq!(locator.line(&split("cases[0].expect.calls")), Some(4));
        assert_eq!(locator.line(&split("cases[1].expect.calls.X")), Some(12));
        assert_eq!(locator.line(&split("cases[1].event")), Some(8));
        assert_eq!(
            locator.line(&split("cases[1].nothing")),
            Some(6),
            "the deepest part found"
        );
        assert_eq!(locator.rule_line("main", 1, "b", &split("when")), Some(17));
        assert_eq!(
            locator.rule_line("main", 0, "a", &split("when")),
            Some(15),
            "not the next rule's key"
        );
    }

    #[test]
    fn pretty_json_is_found_by_indentation_and_flow_style_by_id() {
        let json = "{\n  \"rule_sets\": {\n    \"main\": [\n      {\n        \"id\": \"a\",\n        \"stop\": true\n      }\n    ]\n  }\n}\n";
        let locator = Locator::new(json);
        assert_eq!(locator.line(&split("rule_sets.main")), Some(3));
        let flow = r#"{"rule_sets": {"main": [{"id": "a"}]}}"#;
        assert_eq!(Locator::new(flow).rule_line("main", 0, "a", &[]), Some(1));
    }
}
