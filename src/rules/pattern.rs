//! `matches` patterns. Read from a rules file, a pattern is compiled at load, so that a bad
//! one is reported with its line. Read from a compiled file, which `compile` checked with the
//! same regex engine, it is compiled when a contact is first tested against it, or before, by
//! whoever holds a handle to it (`compile`): loading a large file then compiles none.

use std::fmt;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder};

/// Compiled-size cap: the regex engine runs in linear time, so size is the only risk.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// When a file's patterns are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compile {
    AtLoad,
    OnFirstUse,
}

/// A clone is a handle to the same compiled pattern.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    ignore_case: bool,
    regex: Arc<OnceLock<Option<Regex>>>,
}

impl Pattern {
    /// The pattern, or why it is bad in a few words.
    pub(super) fn new(source: String, ignore_case: bool, compile: Compile) -> Result<Self, String> {
        let regex = Arc::new(OnceLock::new());
        if compile == Compile::AtLoad {
            let compiled = build(&source, ignore_case).map_err(|error| {
                // The parser's text draws a caret under the pattern; its last line says why.
                let text = error.to_string();
                let reason = text.lines().last().unwrap_or_default();
                reason.trim().trim_start_matches("error: ").to_owned()
            })?;
            let _ = regex.set(Some(compiled));
        }
        Ok(Pattern {
            source,
            ignore_case,
            regex,
        })
    }

    /// Whether `value` matches; a pattern that would not compile (which `compile` refuses to
    /// write) matches nothing.
    pub fn is_match(&self, value: &str) -> bool {
        self.compile().is_some_and(|regex| regex.is_match(value))
    }

    /// The compiled pattern, compiled now if it was not yet; a test that needs it meanwhile
    /// waits for it rather than compiling it again.
    pub fn compile(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| build(&self.source, self.ignore_case).ok())
            .as_ref()
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// The pattern as written: whether it has been compiled yet is not part of what it is.
impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("source", &self.source)
            .field("ignore_case", &self.ignore_case)
            .finish()
    }
}

fn build(source: &str, ignore_case: bool) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .case_insensitive(ignore_case)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_the_same_compiled_at_load_or_on_first_use() {
        for compile in [Compile::AtLoad, Compile::OnFirstUse] {
            let pattern = Pattern::new("^call\\s".to_owned(), true, compile).unwrap();
            assert!(pattern.is_match("CALL back"));
            assert!(!pattern.is_match("recall"));
        }
    }

    #[test]
    fn a_pattern_compiled_through_a_clone_is_compiled_for_every_clone() {
        let pattern = Pattern::new("^ZZ-[0-9]+$".to_owned(), false, Compile::OnFirstUse).unwrap();
        let handle = pattern.clone();
        assert!(pattern.regex.get().is_none());
        assert!(handle.compile().is_some());
        assert!(pattern.regex.get().is_some());
        assert!(pattern.is_match("ZZ-12"));
    }

    #[test]
    fn a_bad_pattern_is_refused_at_load_with_why() {
        let error = Pattern::new("(".to_owned(), false, Compile::AtLoad).unwrap_err();
        assert_eq!(error, "unclosed group");
        let huge = Pattern::new("\\w{1000}{1000}".to_owned(), false, Compile::AtLoad);
        assert!(huge.unwrap_err().contains("size limit"));
    }
}
