//! `connect-rules test [--rules RULES_FILE] [TEST_FILE...]`: runs test files and prints one
//! line per case, the differences of each failing one, and `N passed, N failed`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::lambda::rules_path;
use crate::rules::RuleBook;
use crate::suite::{self, Suite, Verdict};

/// What the command was asked: the rules file to use for every test file, and the files.
pub(super) struct Request {
    pub rules: Option<PathBuf>,
    pub files: Vec<PathBuf>,
}

impl Request {
    pub(super) fn parse(options: &[&str]) -> Option<Request> {
        let mut request = Request {
            rules: None,
            files: Vec::new(),
        };
        let mut rest = options.iter();
        while let Some(option) = rest.next() {
            match *option {
                "--rules" => request.rules = Some(PathBuf::from(rest.next()?)),
                flag if flag.starts_with("--") => return None,
                file => request.files.push(PathBuf::from(file)),
            }
        }
        Some(request)
    }
}

/// Exit 0 when every case of every file passed; 1 on a failed case, an invalid test or
/// rules file, or no test file at all.
pub(super) async fn run(request: Request) -> ExitCode {
    let files = if request.files.is_empty() {
        beside(&request.rules.clone().unwrap_or_else(rules_path))
    } else {
        request.files
    };
    if files.is_empty() {
        eprintln!("no test files: name them, or put NAME.test.yaml beside the rules file");
        return ExitCode::FAILURE;
    }
    let mut books: BTreeMap<PathBuf, Option<RuleBook>> = BTreeMap::new();
    let (mut passed, mut failed, mut invalid) = (0, 0, 0);
    let mut unmatched: BTreeMap<PathBuf, Vec<Vec<String>>> = BTreeMap::new();
    for file in files {
        let suite = match Suite::load(&file) {
            Ok(suite) => suite,
            Err(error) => {
                eprintln!("{error}");
                invalid += 1;
                continue;
            }
        };
        let rules = request
            .rules
            .clone()
            .or_else(|| suite.rules.clone())
            .unwrap_or_else(rules_path);
        let book = books.entry(rules.clone()).or_insert_with(|| {
            RuleBook::load(&rules)
                .map_err(|error| eprintln!("{error}"))
                .ok()
        });
        let Some(book) = book.as_ref() else {
            invalid += 1;
            continue;
        };
        println!("{} (rules: {})", suite.origin, rules.display());
        let verdicts = suite.run(book).await;
        for verdict in &verdicts {
            print_verdict(verdict);
            if verdict.differences.is_empty() {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        unmatched
            .entry(rules)
            .or_default()
            .push(suite::unmatched(book, &verdicts));
    }
    // A rule is untested when no file run against its rules file matched it.
    for (rules, lists) in unmatched {
        let untested: Vec<&String> = lists[0]
            .iter()
            .filter(|rule| lists.iter().all(|list| list.contains(rule)))
            .collect();
        if !untested.is_empty() {
            let names: Vec<&str> = untested.iter().map(|name| name.as_str()).collect();
            println!(
                "{}: rules no case matched: {}",
                rules.display(),
                names.join(", ")
            );
        }
    }
    let mut summary = format!("{passed} passed, {failed} failed");
    if invalid > 0 {
        summary.push_str(&format!(", {invalid} files not run"));
    }
    println!("{summary}");
    if failed == 0 && invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_verdict(verdict: &Verdict) {
    if verdict.differences.is_empty() {
        println!("  ok    {}", verdict.name);
        return;
    }
    println!("  FAIL  {}", verdict.name);
    for difference in &verdict.differences {
        println!("          {difference}");
    }
}

/// The test files beside a rules file: `*.test.yaml` and `*.test.yml`, in name order.
fn beside(rules: &Path) -> Vec<PathBuf> {
    let folder = match rules.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.ends_with(".test.yaml") || name.ends_with(".test.yml")
        })
        .collect();
    files.sort();
    files
}
