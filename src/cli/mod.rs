//! The authoring tool, in the same binary: check a rules file, run an event through it
//! offline and see every call it would make, run test files, print the schemas.

mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::answer::{Answer, Status};
use crate::diagnostics::FileError;
use crate::execute::Connect;
use crate::function::Function;
use crate::lambda::rules_path;
use crate::moment::moment;
use crate::plan::Plan;
use crate::rules::{self, Form, RuleBook};

const USAGE: &str = "\
usage:
  connect-rules check RULES_FILE
      Check a rules file; print every problem with its location.
  connect-rules compile RULES_FILE [-o OUTPUT]
      Check a rules file and write its compiled form, what a cold start reads fastest
      (default OUTPUT: beside it, RULES_FILE.compiled; `sam build` compiles the rules
      layer's). Only this version of connect-rules reads what it compiles; every command
      here reads either form.
  connect-rules invoke EVENT_FILE [--rules RULES_FILE] [--execute] [--at TIME]
      Evaluate a flow event offline and print the plan (every Connect call, with its
      parameters) and the answer the flow would get. Connect is called only with --execute.
      The rules file defaults to $RULES_FILE, else rules.yaml; the time to now (--at takes
      RFC 3339: 2026-03-30T09:00:00Z, or with a zone: 2026-03-30T09:00:00[Europe/Paris]).
  connect-rules explain EVENT_FILE [--rules RULES_FILE] [--at TIME] [--json]
      For the rule set the event chooses, every rule in order: matched or not, and for one
      that did not, the tests that decided it with the event's values.
  connect-rules test [--rules RULES_FILE] [TEST_FILE...]
      Run test files offline: one line per case, the differences of a failing one, and
      `N passed, N failed`; exit 1 on any failure. Without TEST_FILE, the *.test.yaml files
      beside the rules file. A test file's `rules:` names its rules file; --rules overrides.
  connect-rules schema [--tests]
      Print the JSON Schema of rules files (committed as schema/rules.schema.json), or of
      test files (schema/test.schema.json), for editors:
      `# yaml-language-server: $schema=PATH` at the top of the file.

Started by Lambda (AWS_LAMBDA_RUNTIME_API set, no arguments) it serves invocations.";

/// Exit codes: 0 success, 1 invalid rules, an answer with status=error or a failed test,
/// 2 bad usage.
pub async fn run(arguments: &[String]) -> ExitCode {
    let words: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["check", rules] => check(Path::new(rules)),
        ["compile", rules] => compile(Path::new(rules), None),
        ["compile", rules, "-o", output] => compile(Path::new(rules), Some(Path::new(output))),
        ["invoke", event, rest @ ..] => match Options::parse(rest, &["--execute", "--at"]) {
            Some(options) => invoke(Path::new(event), options).await,
            None => usage(),
        },
        ["explain", event, rest @ ..] => match Options::parse(rest, &["--at", "--json"]) {
            Some(options) => explain(Path::new(event), options),
            None => usage(),
        },
        ["test", options @ ..] => match test::Request::parse(options) {
            Some(request) => test::run(request).await,
            None => usage(),
        },
        ["schema"] => {
            println!("{:#}", rules::schema::schema());
            ExitCode::SUCCESS
        }
        ["schema", "--tests"] => {
            println!("{:#}", crate::suite::schema());
            ExitCode::SUCCESS
        }
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

/// The options of `invoke` and `explain`: `--rules FILE` and those `allowed`.
#[derive(Default)]
struct Options {
    rules: Option<PathBuf>,
    execute: bool,
    at: Option<String>,
    json: bool,
}

impl Options {
    fn parse(words: &[&str], allowed: &[&str]) -> Option<Options> {
        let mut options = Options::default();
        let mut rest = words.iter();
        while let Some(&word) = rest.next() {
            match word {
                "--rules" => options.rules = Some(PathBuf::from(rest.next()?)),
                _ if !allowed.contains(&word) => return None,
                "--execute" => options.execute = true,
                "--at" => options.at = Some((*rest.next()?).to_owned()),
                "--json" => options.json = true,
                _ => return None,
            }
        }
        Some(options)
    }

    /// The rules file, the event and the moment they are read at; what is wrong with
    /// them is printed.
    fn read(&self, event: &Path) -> Option<(RuleBook, Value, SystemTime)> {
        let rules = self.rules.clone().unwrap_or_else(rules_path);
        let book = RuleBook::load(&rules)
            .map_err(|error| eprintln!("{error}"))
            .ok()?;
        let payload = std::fs::read(event)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<Value>(&bytes).map_err(|e| format!("not JSON: {e}"))
            })
            .map_err(|message| eprintln!("{}: {message}", event.display()))
            .ok()?;
        let at = match &self.at {
            Some(text) => moment(text)
                .map_err(|message| eprintln!("--at: {message}"))
                .ok()?,
            None => SystemTime::now(),
        };
        Some((book, payload, at))
    }
}

fn check(path: &Path) -> ExitCode {
    match RuleBook::open(path) {
        Ok((book, form)) => {
            let from = match form {
                Form::Source => String::new(),
                Form::Compiled(provenance) => format!(
                    " compiled by connect-rules {} from {} (sha256 {}):",
                    provenance.version, provenance.source, provenance.source_sha256
                ),
            };
            println!(
                "{}: ok:{from} {} rule sets, {} rules",
                path.display(),
                book.rule_sets.len(),
                book.rule_count()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn compile(rules: &Path, output: Option<&Path>) -> ExitCode {
    let output = output.map_or_else(
        || {
            let mut name = rules.as_os_str().to_owned();
            name.push(format!(".{}", rules::compiled::EXTENSION));
            PathBuf::from(name)
        },
        Path::to_path_buf,
    );
    let name = rules.file_name().map_or_else(
        || rules.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let compiled = FileError::read(rules, "the rules file")
        .and_then(|source| rules::compiled::compile(&source, &name));
    let text = match compiled {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    // Written beside and renamed into place, so a cold start never reads half a file.
    let partial = output.with_extension("partial");
    if let Err(error) =
        std::fs::write(&partial, text).and_then(|()| std::fs::rename(&partial, &output))
    {
        eprintln!("{}: cannot write it: {error}", output.display());
        return ExitCode::FAILURE;
    }
    println!("{}: compiled from {}", output.display(), rules.display());
    ExitCode::SUCCESS
}

/// What `invoke` prints: the plan first, in call order, then the answer.
#[derive(Serialize)]
struct Report<'a> {
    plan: Option<&'a Plan>,
    answer: &'a Answer,
}

async fn invoke(event: &Path, options: Options) -> ExitCode {
    let Some((book, payload, at)) = options.read(event) else {
        return ExitCode::FAILURE;
    };
    let connect = if options.execute {
        crate::logging::init(std::io::stderr);
        let client = Connect::client(Connect::environment()).await;
        Some(Connect::new(client, book.settings.block_timeout))
    } else {
        None
    };
    let function = Function::new(book, connect);
    let invocation = function.invoke_at(payload, None, at).await;
    let report = Report {
        plan: invocation.plan.as_ref(),
        answer: &invocation.answer,
    };
    match serde_json::to_string_pretty(&report) {
        Ok(text) => println!("{text}"),
        Err(error) => {
            eprintln!("cannot print the result: {error}");
            return ExitCode::FAILURE;
        }
    }
    if invocation.status == Status::Error {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn explain(event: &Path, options: Options) -> ExitCode {
    let Some((book, payload, at)) = options.read(event) else {
        return ExitCode::FAILURE;
    };
    let explanation = crate::explain::explain(&book, payload, at);
    if options.json {
        match serde_json::to_string_pretty(&explanation) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                eprintln!("cannot print the explanation: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{explanation}");
    }
    ExitCode::SUCCESS
}
