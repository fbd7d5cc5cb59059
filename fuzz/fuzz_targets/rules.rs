//! Any text as a rules file: a rule book or a report with at least one problem.
#![no_main]

use connect_rules::rules::RuleBook;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(error) = RuleBook::from_source(text, "fuzz.yaml") {
        assert!(!error.problems.is_empty());
        let _ = error.to_string();
    }
});
