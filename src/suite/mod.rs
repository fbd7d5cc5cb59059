//! `connect-rules test`: files of cases (an event, the moment it happens, what must hold),
//! run offline against a rules file exactly as the function would answer them, with no
//! Connect and no AWS account.

mod contact;
mod expect;
mod file;

use std::collections::{BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::Value;

pub use expect::{Difference, Expect};
use file::{CaseFile, ExpectFile, TestFile};

use crate::diagnostics::{closest, join, schema_of, shape, unknown_key, Diagnostics, FileError};
use crate::function::Function;
use crate::moment::moment;
use crate::rules::RuleBook;
use crate::vocabulary::Operation;

const CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];

/// A checked test file.
#[derive(Debug)]
pub struct Suite {
    pub origin: String,
    /// The rules file it names, relative to the working directory.
    pub rules: Option<PathBuf>,
    pub cases: Vec<Case>,
}

#[derive(Debug)]
pub struct Case {
    pub name: String,
    /// `None`: the time the case runs.
    pub at: Option<SystemTime>,
    pub event: Value,
    pub expect: Expect,
}

/// How one case went.
#[derive(Debug)]
pub struct Verdict {
    pub name: String,
    pub differences: Vec<Difference>,
    /// The rule set chosen and the rules matched, for what the suite left untested.
    pub matched: Option<(String, Vec<String>)>,
}

/// The JSON Schema of test files.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_of::<TestFile>("connect-rules test file"))
}

impl Suite {
    /// Reads and checks a test file, reporting every problem with its line.
    pub fn load(path: &Path) -> Result<Suite, FileError> {
        let source = FileError::read(path, "the test file")?;
        let origin = path.display().to_string();
        let folder = path.parent().unwrap_or(Path::new(""));
        let fail = |problems| FileError {
            origin: origin.clone(),
            problems,
        };
        let parsed = shape::parse::<TestFile>(&source).map_err(fail)?;
        let mut diagnostics = Diagnostics::new(&source);
        for part in parsed.misshapen {
            let field = join(&part.path);
            diagnostics.top(&field, part.message);
            diagnostics.reported(None, &field);
        }
        for path in parsed.unknown_keys {
            let unknown = unknown_key(schema(), &path);
            diagnostics.top(&join(&path), unknown.message);
            if let Some(meant) = unknown.meant {
                diagnostics.reported(None, &join(&meant));
            }
        }
        let file = parsed.file;
        let at = file.at.as_deref().and_then(|text| {
            moment(text)
                .map_err(|message| diagnostics.top("at", message))
                .ok()
        });
        if file.cases.is_empty() {
            diagnostics.top("cases", "there are no cases; add at least one");
        }
        let mut names = HashSet::new();
        let cases: Vec<Option<Case>> = file
            .cases
            .into_iter()
            .enumerate()
            .map(|(index, case)| {
                let mut checker = CaseChecker {
                    diagnostics: &mut diagnostics,
                    field: format!("cases[{index}]"),
                    folder,
                };
                checker.case(case, at, &mut names)
            })
            .collect();
        let problems = diagnostics.into_problems();
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        Ok(Suite {
            origin,
            rules: file.rules.map(|rules| relative_to(folder, &rules)),
            cases: cases.into_iter().flatten().collect(),
        })
    }

    /// Runs every case against `book`, as a dry run: nothing is called.
    pub async fn run(&self, book: &RuleBook) -> Vec<Verdict> {
        let function = Function::new(book.clone(), None);
        let mut verdicts = Vec::new();
        for case in &self.cases {
            let at = case.at.unwrap_or_else(SystemTime::now);
            let invocation = function.invoke_at(case.event.clone(), None, at).await;
            verdicts.push(Verdict {
                name: case.name.clone(),
                differences: case.expect.compare(&invocation),
                matched: invocation
                    .plan
                    .map(|plan| (plan.rule_set, plan.matched_rules)),
            });
        }
        verdicts
    }
}

/// The rules of `book` no case matched, as `rule set/rule`.
pub fn unmatched<'v>(
    book: &RuleBook,
    verdicts: impl IntoIterator<Item = &'v Verdict>,
) -> Vec<String> {
    let mut matched = BTreeSet::new();
    for (set, rules) in verdicts.into_iter().filter_map(|v| v.matched.as_ref()) {
        matched.extend(rules.iter().map(|rule| format!("{set}/{rule}")));
    }
    book.rule_sets
        .iter()
        .flat_map(|(set, rules)| rules.iter().map(move |rule| format!("{set}/{}", rule.id)))
        .filter(|name| !matched.contains(name))
        .collect()
}

/// `path` as written in a file in `folder`, with each `..` taken out where it can be: the
/// path a person would type.
fn relative_to(folder: &Path, path: &str) -> PathBuf {
    let mut joined = PathBuf::new();
    for component in folder.join(path).components() {
        match (component, joined.components().next_back()) {
            (Component::ParentDir, Some(Component::Normal(_))) => {
                joined.pop();
            }
            (component, _) => joined.push(component),
        }
    }
    joined
}

/// Checks one case, reporting under `cases[N]`.
struct CaseChecker<'d, 's, 'f> {
    diagnostics: &'d mut Diagnostics<'s>,
    field: String,
    folder: &'f Path,
}

impl CaseChecker<'_, '_, '_> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        let at = if field.is_empty() {
            self.field.clone()
        } else {
            format!("{}.{field}", self.field)
        };
        self.diagnostics.top(&at, message);
    }

    fn case(
        &mut self,
        case: CaseFile,
        file_at: Option<SystemTime>,
        names: &mut HashSet<String>,
    ) -> Option<Case> {
        let name = match case.name {
            Some(name) if !names.insert(name.clone()) => {
                self.problem("name", format!("another case is named `{name}` too"));
                name
            }
            Some(name) => name,
            None => {
                self.problem("", "a case needs a `name`");
                String::new()
            }
        };
        let at = match case.at.as_deref().map(moment) {
            Some(Ok(at)) => Some(at),
            Some(Err(message)) => {
                self.problem("at", message);
                None
            }
            None => file_at,
        };
        let event = match (case.event, case.contact) {
            (Some(event), None) => self.event_file(&event),
            (None, Some(contact)) => {
                let channel = contact.channel.as_ref().map_or("VOICE", |c| c.0.as_str());
                if CHANNELS.contains(&channel) {
                    Some(contact::event(&contact, channel))
                } else {
                    let known = CHANNELS.join(", ");
                    self.problem(
                        "contact.channel",
                        format!(
                            "`{channel}` is not a channel Connect sends; the channels are {known}"
                        ),
                    );
                    None
                }
            }
            _ => {
                self.problem(
                    "",
                    "a case gives an `event` file or a `contact`, one of the two",
                );
                None
            }
        };
        let expect = self.expect(case.expect.unwrap_or_default());
        Some(Case {
            name,
            at,
            event: event?,
            expect: expect?,
        })
    }

    fn event_file(&mut self, event: &str) -> Option<Value> {
        let path = relative_to(self.folder, event);
        let read = std::fs::read(&path)
            .map_err(|error| format!("cannot read `{}`: {error}", path.display()))
            .and_then(|bytes| {
                serde_json::from_slice(&bytes)
                    .map_err(|error| format!("`{}` is not JSON: {error}", path.display()))
            });
        read.map_err(|message| self.problem("event", message)).ok()
    }

    fn expect(&mut self, file: ExpectFile) -> Option<Expect> {
        let expect = Expect {
            rule_set: file.rule_set,
            matched: file.matched,
            calls: file.calls.unwrap_or_default(),
            answer: file
                .answer
                .unwrap_or_default()
                .into_iter()
                .map(|(key, value)| (key, value.map(|text| text.0)))
                .collect(),
            error: file.error,
        };
        if expect.is_empty() {
            self.problem(
                "expect",
                "say what must hold: rule_set, matched, calls, answer or error",
            );
            return None;
        }
        let mut complete = true;
        for label in expect.calls.keys() {
            if let Err(message) = call_label(label) {
                self.problem(&format!("expect.calls.{label}"), message);
                complete = false;
            }
        }
        complete.then_some(expect)
    }
}

/// A call's label as plans print it: the operation, and a task's name after `:`.
fn call_label(label: &str) -> Result<(), String> {
    let operations = [
        Operation::UpdateContactAttributes,
        Operation::UpdateContact,
        Operation::UpdateContactRoutingData,
        Operation::StartTaskContact,
        Operation::TransferContact,
    ]
    .map(Operation::as_str);
    let (operation, task) = match label.split_once(':') {
        Some((operation, task)) => (operation, Some(task)),
        None => (label, None),
    };
    let tasks = operation == Operation::StartTaskContact.as_str();
    match (operations.contains(&operation), task) {
        (true, Some(task)) if tasks && !task.is_empty() => Ok(()),
        (true, None) if !tasks => Ok(()),
        (true, _) if tasks => Err("name the task: `StartTaskContact:NAME`".to_owned()),
        (true, _) => Err(format!("`{operation}` takes no `:NAME`")),
        (false, _) => Err(match closest(operation, &operations) {
            Some(close) => format!("unknown call `{operation}`; did you mean `{close}`?"),
            None => format!(
                "unknown call `{operation}`; the calls are {}",
                operations.join(", ")
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_a_test_file_are_relative_to_it() {
        let folder = Path::new("tests/data/suites");
        assert_eq!(
            relative_to(folder, "../../../rules/rules.yaml"),
            PathBuf::from("rules/rules.yaml")
        );
        assert_eq!(
            relative_to(Path::new(""), "../events/voice.json"),
            PathBuf::from("../events/voice.json")
        );
    }

    #[test]
    fn call_labels_name_an_operation_and_a_task() {
        assert!(call_label("UpdateContact").is_ok());
        assert!(call_label("StartTaskContact:callback").is_ok());
        assert_eq!(
            call_label("StartTaskContact").unwrap_err(),
            "name the task: `StartTaskContact:NAME`"
        );
        assert_eq!(
            call_label("TransferContact:x").unwrap_err(),
            "`TransferContact` takes no `:NAME`"
        );
    }
}
