//! Turns a rules file into a rule book, collecting every problem with its location instead
//! of stopping at the first.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use regex::RegexBuilder;

use super::file::{
    ActionsFile, ConditionFile, ReferenceFile, RuleFile, RulesFile, SettingsFile, Text,
    TransferFile,
};
use super::{
    Actions, Comparison, Condition, OnError, OnMissing, ReferenceAction, Rule, RuleBook, Settings,
    Test, TransferAction, TransferTarget,
};
use crate::answer::RESERVED_KEYS;
use crate::limits::{self, ReferenceType};
use crate::template::Template;

const DEFAULT_BLOCK_TIMEOUT_SECONDS: u64 = 3;
const DEFAULT_RULE_SET_PARAMETER: &str = "ruleSet";
/// Compiled-size cap: the regex engine runs in linear time, so size is the only risk.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

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
    pub(super) fn whole_file(message: String) -> Problem {
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

pub(super) fn check(source: &str) -> Result<RuleBook, Vec<Problem>> {
    let mut unknown_keys = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(source);
    let parsed: Result<RulesFile, _> =
        serde_ignored::deserialize(deserializer, |path| unknown_keys.push(segments(&path)));
    let file = parsed.map_err(|error| {
        let location = error.location();
        let mut message = error.to_string();
        if let Some(location) = &location {
            // Shown in front as file:line:column already.
            let suffix = format!(" at line {} column {}", location.line(), location.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_owned();
            }
        }
        vec![Problem {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            ..Problem::whole_file(message)
        }]
    })?;

    let mut checker = Checker {
        locator: Locator::new(source),
        problems: Vec::new(),
    };
    for path in unknown_keys {
        checker.unknown_key(&file, &path);
    }
    let book = checker.book(file);
    let mut problems = checker.problems;
    if problems.is_empty() {
        Ok(book)
    } else {
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Err(problems)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut list = segments(parent);
            list.push(Segment::Index(*index));
            list
        }
        Path::Map { parent, key } => {
            let mut list = segments(parent);
            list.push(Segment::Key(key.clone()));
            list
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    }
}

fn join(path: &[Segment]) -> String {
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

    /// The line of the `index`-th rule of a set: the `index`-th `- ` item under the set's
    /// key in YAML, else (JSON, flow style) the first line with the rule's id.
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

/// The rule a problem belongs to. Its line is looked up only when a problem is reported,
/// so checking a valid file never reads the text again.
struct RuleAt<'a> {
    set: &'a str,
    index: usize,
    id: &'a str,
}

struct Checker<'s> {
    locator: Locator<'s>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn top(&mut self, field: &str, message: impl Into<String>) {
        let line = self.locator.path_line(1, field);
        self.problems.push(Problem {
            line,
            field: field.to_owned(),
            ..Problem::whole_file(message.into())
        });
    }

    fn at(&mut self, rule: &RuleAt<'_>, field: &str, message: impl Into<String>) {
        let line = self
            .locator
            .rule_line(rule.set, rule.index, rule.id)
            .map(|from| self.locator.path_line(from, field).unwrap_or(from));
        self.problems.push(Problem {
            line,
            column: None,
            rule_set: Some(rule.set.to_owned()),
            rule: Some(rule.id.to_owned()),
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn unknown_key(&mut self, file: &RulesFile, path: &[Segment]) {
        let key = match path.last() {
            Some(Segment::Key(key)) => key.clone(),
            _ => return,
        };
        let message = format!("unknown key `{key}`");
        if let [Segment::Key(root), Segment::Key(set), Segment::Index(index), rest @ ..] = path {
            if root == "rule_sets" {
                if let Some(rule) = file.rule_sets.get(set).and_then(|rules| rules.get(*index)) {
                    let at = RuleAt {
                        set,
                        index: *index,
                        id: &rule.id.0,
                    };
                    return self.at(&at, &join(rest), message);
                }
            }
        }
        self.top(&join(path), message);
    }

    fn book(&mut self, file: RulesFile) -> RuleBook {
        let settings = self.settings(file.settings, &file.rule_sets);
        if file.rule_sets.is_empty() {
            self.top("rule_sets", "there are no rule sets; add at least one");
        }
        let mut rule_sets = BTreeMap::new();
        for (set, rules) in file.rule_sets {
            if rules.is_empty() {
                self.top(
                    &format!("rule_sets.{set}"),
                    format!("rule set `{set}` has no rules"),
                );
            }
            let mut seen = HashSet::new();
            let checked = rules
                .into_iter()
                .enumerate()
                .filter_map(|(index, rule)| self.rule(&set, index, rule, &mut seen))
                .collect();
            rule_sets.insert(set, checked);
        }
        RuleBook {
            settings,
            rule_sets,
        }
    }

    fn settings(
        &mut self,
        file: SettingsFile,
        rule_sets: &BTreeMap<String, Vec<RuleFile>>,
    ) -> Settings {
        let on_error = match file.on_error.as_deref() {
            None | Some("answer") => OnError::Answer,
            Some("raise") => OnError::Raise,
            Some(other) => {
                self.top(
                    "settings.on_error",
                    format!("`{other}` is neither `answer` nor `raise`"),
                );
                OnError::Answer
            }
        };
        let seconds = file
            .block_timeout_seconds
            .unwrap_or(DEFAULT_BLOCK_TIMEOUT_SECONDS);
        if !(1..=limits::BLOCK_TIMEOUT_MAX_SECONDS).contains(&seconds) {
            self.top(
                "settings.block_timeout_seconds",
                format!(
                    "{seconds} is outside the flow block's range of 1 to {} seconds",
                    limits::BLOCK_TIMEOUT_MAX_SECONDS
                ),
            );
        }
        let rule_set_parameter = file
            .rule_set_parameter
            .unwrap_or_else(|| DEFAULT_RULE_SET_PARAMETER.to_owned());
        if rule_set_parameter.is_empty() {
            self.top("settings.rule_set_parameter", "cannot be empty");
        }
        let default_rule_set = match file.default_rule_set {
            Some(name) if !rule_sets.contains_key(&name) => {
                let known = rule_sets
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.top(
                    "settings.default_rule_set",
                    format!("`{name}` names no rule set; the rule sets are: {known}"),
                );
                None
            }
            Some(name) => Some(name),
            None if rule_sets.len() == 1 => rule_sets.keys().next().cloned(),
            None => None,
        };
        Settings {
            on_error,
            block_timeout: Duration::from_secs(seconds),
            rule_set_parameter,
            default_rule_set,
        }
    }

    fn rule(
        &mut self,
        set: &str,
        index: usize,
        rule: RuleFile,
        seen: &mut HashSet<String>,
    ) -> Option<Rule> {
        let id = rule.id.0;
        let at = RuleAt {
            set,
            index,
            id: &id,
        };
        if let Err(message) = limits::check_key(&id) {
            self.at(&at, "id", format!("rule id: {message}"));
        }
        if !seen.insert(id.clone()) {
            self.at(
                &at,
                "id",
                format!("duplicate rule id `{id}` in rule set `{set}`"),
            );
        }
        let on_missing = match rule.on_missing.as_deref() {
            None | Some("fail") => OnMissing::Fail,
            Some("skip") => OnMissing::Skip,
            Some(other) => {
                self.at(
                    &at,
                    "on_missing",
                    format!("`{other}` is neither `fail` nor `skip`"),
                );
                OnMissing::Fail
            }
        };
        let when = rule
            .when
            .map(|condition| self.condition(&at, "when", condition));
        let actions = self.actions(&at, rule.actions);
        let when = match when {
            Some(None) => return None,
            Some(checked) => checked,
            None => None,
        };
        Some(Rule {
            id: id.clone(),
            description: rule.description,
            when,
            actions: actions?,
            stop: rule.stop,
            on_missing,
        })
    }

    fn condition(&mut self, at: &RuleAt<'_>, path: &str, file: ConditionFile) -> Option<Condition> {
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
                self.at(
                    at,
                    &format!("{path}.one_of"),
                    "the list is empty, so it can never match",
                );
            }
            tests.push((
                "one_of",
                Some(Test::OneOf(options.into_iter().map(|t| t.0).collect())),
            ));
        }
        if let Some(wanted) = file.exists {
            tests.push(("exists", Some(Test::Exists(wanted))));
        }
        if let Some(pattern) = file.matches {
            let compiled = RegexBuilder::new(&pattern)
                .case_insensitive(ignore_case)
                .size_limit(REGEX_SIZE_LIMIT)
                .build();
            let test = match compiled {
                Ok(regex) => Some(Test::Matches(regex)),
                Err(error) => {
                    // The parser's text draws a caret under the pattern; its last line says why.
                    let text = error.to_string();
                    let reason = text.lines().last().unwrap_or_default();
                    let reason = reason.trim().trim_start_matches("error: ");
                    let message = format!("bad regular expression `{pattern}`: {reason}");
                    self.at(at, &format!("{path}.matches"), message);
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
                    self.at(at, &format!("{path}.{name}"), "must be a finite number");
                }
                tests.push((name, Some(Test::Compare(comparison, bound))));
            }
        }

        let forms = [
            file.all.is_some(),
            file.any.is_some(),
            file.not.is_some(),
            file.field.is_some(),
        ];
        if forms.iter().filter(|present| **present).count() != 1 {
            self.at(
                at,
                path,
                "a condition needs exactly one of `field`, `all`, `any` or `not`",
            );
            return None;
        }
        if let Some(field) = file.field {
            let field = match field.parse() {
                Ok(field) => Some(field),
                Err(error) => {
                    self.at(at, &format!("{path}.field"), format!("{error}"));
                    None
                }
            };
            let names = tests
                .iter()
                .map(|(name, _)| format!("`{name}`"))
                .collect::<Vec<_>>();
            if tests.len() != 1 {
                let found = if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(" and ")
                };
                self.at(
                    at,
                    path,
                    format!(
                        "a field test needs exactly one operator (equals, not_equals, one_of, exists, prefix, \
                         suffix, contains, matches, greater_than, at_least, less_than, at_most); found {found}"
                    ),
                );
                return None;
            }
            let (_, test) = tests.pop()?;
            return Some(Condition::Test {
                field: field?,
                test: test?,
                ignore_case,
            });
        }
        if !tests.is_empty() || ignore_case {
            self.at(
                at,
                path,
                "operators and `ignore_case` go with `field`, not with `all`, `any` or `not`",
            );
        }
        if let Some(inner) = file.not {
            return Some(Condition::Not(Box::new(self.condition(
                at,
                &format!("{path}.not"),
                *inner,
            )?)));
        }
        let (name, list, combine): (_, _, fn(Vec<Condition>) -> Condition) =
            match (file.all, file.any) {
                (Some(list), _) => ("all", list, Condition::All),
                (_, Some(list)) => ("any", list, Condition::Any),
                _ => return None,
            };
        if list.is_empty() {
            self.at(
                at,
                &format!("{path}.{name}"),
                "the list is empty; give at least one condition",
            );
        }
        let checked: Vec<_> = list
            .into_iter()
            .enumerate()
            .map(|(index, c)| self.condition(at, &format!("{path}.{name}[{index}]"), c))
            .collect();
        checked.into_iter().collect::<Option<Vec<_>>>().map(combine)
    }

    fn template(&mut self, at: &RuleAt<'_>, path: &str, text: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(template) => Some(template),
            Err(error) => {
                self.at(at, path, format!("{error}"));
                None
            }
        }
    }

    /// A template whose literal text alone breaks a limit can never be sent.
    fn bounded(
        &mut self,
        at: &RuleAt<'_>,
        path: &str,
        text: &str,
        max_chars: usize,
    ) -> Option<Template> {
        let template = self.template(at, path, text)?;
        if let Some(literal) = template.as_literal() {
            if let Err(message) = limits::check_length("the value", &literal, 0, max_chars) {
                self.at(at, path, message);
            }
        } else if template.min_chars() > max_chars {
            self.at(
                at,
                path,
                format!("its fixed text alone exceeds the limit of {max_chars} characters"),
            );
        }
        Some(template)
    }

    fn actions(&mut self, at: &RuleAt<'_>, file: ActionsFile) -> Option<Actions> {
        let mut actions = Actions::default();
        let mut complete = true;

        let mut attribute_bytes = 0;
        for (key, value) in file.set_attributes.unwrap_or_default() {
            let path = format!("actions.set_attributes.{key}");
            if let Err(message) = limits::check_key(&key) {
                self.at(at, &path, format!("attribute {message}"));
            }
            let template = self.template(at, &path, &value.0);
            attribute_bytes += key.len() + template.as_ref().map_or(0, Template::min_bytes);
            match template {
                Some(template) => actions.set_attributes.push((key, template)),
                None => complete = false,
            }
        }
        if attribute_bytes > limits::ATTRIBUTES_TOTAL_BYTES {
            self.at(
                at,
                "actions.set_attributes",
                format!(
                    "the attributes take at least {attribute_bytes} bytes; a contact holds at most {}",
                    limits::ATTRIBUTES_TOTAL_BYTES
                ),
            );
        }

        let mut reference_bytes = 0;
        for (name, reference) in file.add_references.unwrap_or_default() {
            let path = format!("actions.add_references.{name}");
            reference_bytes += name.len();
            match self.reference(at, &path, name, reference) {
                Some(action) => {
                    reference_bytes += action.value.min_bytes();
                    actions.add_references.push(action);
                }
                None => complete = false,
            }
        }
        if reference_bytes > limits::REFERENCES_TOTAL_BYTES {
            self.at(
                at,
                "actions.add_references",
                format!(
                    "the references take at least {reference_bytes} bytes; a contact holds at most {}",
                    limits::REFERENCES_TOTAL_BYTES
                ),
            );
        }

        if let Some(update) = file.update_contact {
            if update.name.is_none() && update.description.is_none() {
                self.at(
                    at,
                    "actions.update_contact",
                    "give a `name`, a `description` or both",
                );
            }
            if let Some(name) = update.name {
                actions.name = self.bounded(
                    at,
                    "actions.update_contact.name",
                    &name.0,
                    limits::CONTACT_NAME_MAX,
                );
                complete &= actions.name.is_some();
            }
            if let Some(description) = update.description {
                actions.description = self.bounded(
                    at,
                    "actions.update_contact.description",
                    &description.0,
                    limits::CONTACT_DESCRIPTION_MAX,
                );
                complete &= actions.description.is_some();
            }
        }

        if let Some(transfer) = file.transfer {
            actions.transfer = self.transfer(at, transfer);
            complete &= actions.transfer.is_some();
        }

        for (key, value) in file.answer.unwrap_or_default() {
            let path = format!("actions.return.{key}");
            if let Err(message) = limits::check_key(&key) {
                self.at(at, &path, format!("answer {message}"));
            }
            if RESERVED_KEYS.contains(&key.as_str()) {
                self.at(
                    at,
                    &path,
                    format!("`{key}` is a key the function answers itself; choose another name"),
                );
            }
            match self.template(at, &path, &value.0) {
                Some(template) => actions.answer.push((key, template)),
                None => complete = false,
            }
        }
        complete.then_some(actions)
    }

    fn reference(
        &mut self,
        at: &RuleAt<'_>,
        path: &str,
        name: String,
        file: ReferenceFile,
    ) -> Option<ReferenceAction> {
        if let Err(message) =
            limits::check_length("a reference name", &name, 1, limits::REFERENCE_NAME_MAX)
        {
            self.at(at, path, message);
        }
        let kind = match file.kind.parse::<ReferenceType>() {
            Ok(kind) => Some(kind),
            Err(message) => {
                self.at(at, &format!("{path}.type"), message);
                None
            }
        };
        let value_path = format!("{path}.value");
        let value = self.template(at, &value_path, &file.value.0)?;
        let kind = kind?;
        if let Some(literal) = value.as_literal() {
            if let Err(message) = kind.check_value(&literal) {
                self.at(at, &value_path, format!("{kind} reference: {message}"));
            }
        } else if kind == ReferenceType::Url && !value.starts_with_web_scheme() {
            self.at(
                at,
                &value_path,
                "a URL template must start with `http://` or `https://`, or with a field marked `| raw` \
                 that holds a whole URL",
            );
        }
        Some(ReferenceAction { name, kind, value })
    }

    fn transfer(&mut self, at: &RuleAt<'_>, file: TransferFile) -> Option<TransferAction> {
        let mut id = |field: &str, text: Option<Text>| {
            let path = format!("actions.transfer.{field}");
            text.and_then(|text| self.bounded(at, &path, &text.0, limits::RESOURCE_ID_MAX))
        };
        let queue = id("queue_id", file.queue_id);
        let user = id("user_id", file.user_id);
        let flow = id("contact_flow_id", file.contact_flow_id);
        let target = match (queue, user) {
            (Some(queue), None) => Some(TransferTarget::Queue(queue)),
            (None, Some(user)) => Some(TransferTarget::User(user)),
            (Some(_), Some(_)) => {
                self.at(
                    at,
                    "actions.transfer",
                    "a transfer names a `queue_id` or a `user_id`, not both",
                );
                None
            }
            (None, None) => {
                self.at(
                    at,
                    "actions.transfer",
                    "a transfer needs a `queue_id` or a `user_id`",
                );
                None
            }
        };
        if flow.is_none() {
            self.at(
                at,
                "actions.transfer",
                "a transfer needs a `contact_flow_id` (a flow of type Inbound, Transfer to queue or Transfer to agent)",
            );
        }
        Some(TransferAction {
            target: target?,
            contact_flow_id: flow?,
        })
    }
}
