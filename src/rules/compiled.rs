//! The compiled form of a rules file: what `connect-rules compile` writes and a cold start
//! reads instead of the YAML. The YAML stays the file authors edit, check, test and version.
//!
//! One header line says what wrote the file and from what, with a checksum of the body; the
//! body is the checked file as compact JSON. Reading it needs neither YAML's parser nor the
//! search for unknown keys and misshapen parts, which `compile` has already done. Only the
//! connect-rules that wrote a compiled file reads it: another version's rules language may
//! mean something else by the same body, so it is refused with what to run.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::body;
use super::{RuleBook, RulesError};
use crate::diagnostics::FileError;

/// How a compiled file starts: how a loader tells one from a rules file.
const MAGIC: &str = "connect-rules compiled rules ";
/// The layout of header and body; bumped whenever either changes.
const FORMAT: u32 = 1;
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The extension `compile` gives its output by default, and by which a file whose header is
/// damaged is still known for a compiled one.
pub const EXTENSION: &str = "compiled";

/// What a compiled file says of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub format: u32,
    /// The connect-rules that compiled it.
    pub version: String,
    /// The rules file's name (not its path: the build host's folders are nobody's business).
    pub source: String,
    pub source_sha256: String,
    body_sha256: String,
}

/// Whether `text` is a compiled file, by its first bytes.
pub fn is_compiled(text: &str) -> bool {
    text.starts_with(MAGIC)
}

/// Checks the rules file `source` (named `name` in messages and the header) and returns the
/// compiled file's text. The same text always compiles to the same bytes.
pub fn compile(source: &str, name: &str) -> Result<String, RulesError> {
    let book = RuleBook::from_source(source, name)?;
    let problem = |message: String| FileError::whole(name, message);
    let tree: serde_yaml::Value = serde_yaml::from_str(source)
        .map_err(|error| problem(format!("cannot be compiled: {error}")))?;
    let body = serde_json::to_string(&tree)
        .map_err(|error| problem(format!("cannot be compiled: {error}")))?;
    // The body is read by JSON's rules, the source by YAML's: refuse, rather than ship, a
    // file whose rules the two would read differently.
    let read_back = body::read(&body, name)?;
    if format!("{read_back:?}") != format!("{book:?}") {
        return Err(problem(
            "cannot be compiled: its compiled form would not read back as the same rules \
             (a YAML feature JSON lacks); write the values plainly"
                .to_owned(),
        ));
    }
    let provenance = Provenance {
        format: FORMAT,
        version: VERSION.to_owned(),
        source: name.to_owned(),
        source_sha256: sha256(source),
        body_sha256: sha256(&body),
    };
    let header = serde_json::to_string(&provenance)
        .map_err(|error| problem(format!("cannot write the header: {error}")))?;
    Ok(format!("{MAGIC}{header}\n{body}\n"))
}

/// Reads a compiled file's text; `origin` names it in messages.
pub fn read(text: &str, origin: &str) -> Result<(RuleBook, Provenance), RulesError> {
    let refuse = |message: String| FileError::whole(origin, message);
    let (header, body) = text
        .strip_prefix(MAGIC)
        .and_then(|rest| rest.split_once('\n'))
        .ok_or_else(|| refuse(damaged(origin, "its header is missing or cut", None)))?;
    let provenance: Provenance = serde_json::from_str(header)
        .map_err(|_| refuse(damaged(origin, "its header cannot be read", None)))?;
    if provenance.format != FORMAT || provenance.version != VERSION {
        return Err(refuse(format!(
            "compiled by connect-rules {} (format {}), and this is connect-rules {VERSION} \
             (format {FORMAT}), which reads only what it compiled itself: compile {} again \
             with this version: `connect-rules compile {} -o {origin}` (`sam build` does)",
            provenance.version, provenance.format, provenance.source, provenance.source
        )));
    }
    let body = body.strip_suffix('\n').unwrap_or(body);
    if sha256(body) != provenance.body_sha256 {
        return Err(refuse(damaged(
            origin,
            "its content does not match its checksum (it was changed or cut after it \
             was compiled)",
            Some(&provenance.source),
        )));
    }
    let book = body::read(body, origin)?;
    Ok((book, provenance))
}

/// What a loader says of a file named `.compiled` that does not start as one.
pub fn not_compiled(origin: &str) -> RulesError {
    let why = "it does not start the way a compiled rules file does";
    FileError::whole(origin, damaged(origin, why, None))
}

/// Why a file is not a usable compiled one, and what to run; `source` is the rules file's
/// name when the header could be read.
fn damaged(origin: &str, why: &str, source: Option<&str>) -> String {
    let source = source.unwrap_or("RULES_FILE");
    format!(
        "not a usable compiled rules file: {why}; compile {source} again: \
         `connect-rules compile {source} -o {origin}`"
    )
}

fn sha256(text: &str) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(text.as_bytes()) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_local::fixtures::{example_rules, workspace};

    fn source(path: &std::path::Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_compiled_file_reads_back_as_the_rules_it_was_compiled_from_every_time() {
        for path in [example_rules(), workspace().join("bench/rules-100.yaml")] {
            let text = source(&path);
            let compiled = compile(&text, "rules.yaml").unwrap();
            assert_eq!(compile(&text, "rules.yaml").unwrap(), compiled);
            let (book, provenance) = read(&compiled, "rules.compiled").unwrap();
            let expected = RuleBook::from_source(&text, "rules.yaml").unwrap();
            assert_eq!(format!("{book:?}"), format!("{expected:?}"));
            assert_eq!(provenance.version, VERSION);
            assert_eq!(provenance.source, "rules.yaml");
            assert_eq!(provenance.source_sha256, sha256(&text));
        }
    }

    #[test]
    fn a_rules_file_with_problems_is_not_compiled() {
        let text = source(&workspace().join("tests/data/five-mistakes.yaml"));
        let error = compile(&text, "five.yaml").unwrap_err();
        assert_eq!(error.problems.len(), 5, "{error}");
    }

    #[test]
    fn another_format_is_refused_even_from_the_same_version() {
        let compiled = compile(&source(&example_rules()), "rules.yaml").unwrap();
        let other = compiled.replacen("{\"format\":1,", "{\"format\":2,", 1);
        assert_ne!(other, compiled);
        let message = read(&other, "r.compiled").unwrap_err().to_string();
        assert!(message.contains("(format 2)"), "{message}");
        assert!(
            message.contains("`connect-rules compile rules.yaml -o r.compiled`"),
            "{message}"
        );
    }

    #[test]
    fn any_byte_of_the_body_changed_or_cut_is_refused() {
        let compiled = compile(&source(&example_rules()), "rules.yaml").unwrap();
        let body_starts = compiled.find('\n').unwrap() + 1;
        for at in (body_starts..compiled.len() - 1).step_by(97) {
            let mut bytes = compiled.clone().into_bytes();
            bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
            let changed = String::from_utf8(bytes).unwrap();
            let message = read(&changed, "r.compiled").unwrap_err().to_string();
            assert!(message.contains("does not match its checksum"), "{message}");
            let cut = &compiled[..at];
            assert!(read(cut, "r.compiled").is_err(), "cut at {at}");
        }
    }

    #[test]
    fn a_body_no_compile_wrote_is_refused_for_what_is_wrong_with_it() {
        let unreadable = [
            (
                r#"{"rule_sets":{"main":[{"id":"a"},{"id":"b","when":3}]}}"#,
                "expected a condition",
            ),
            (r#"{"settings":{}}"#, "missing field `rule_sets`"),
            (r#"{"rule_sets":{"main":[]}} {}"#, "trailing characters"),
        ];
        for (body, wanted) in unreadable {
            let message = body::read(body, "r.compiled").unwrap_err().to_string();
            assert!(
                message.contains("the compiled rules cannot be read"),
                "{message}"
            );
            assert!(message.contains(wanted), "{message}");
        }
        let unchecked = r#"{"rule_sets":{"main":[{"id":"a"},{"id":"a"}],"spare":[]}}"#;
        let error = body::read(unchecked, "r.compiled").unwrap_err();
        let problems: Vec<_> = error.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            problems,
            [
                "duplicate rule id `a` in rule set `main`",
                "rule set `spare` has no rules"
            ]
        );
    }

    #[test]
    fn a_compiled_file_without_its_header_is_named_for_what_it_is() {
        let dir = std::env::temp_dir().join(format!("compiled-header-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.compiled");
        std::fs::write(&path, source(&example_rules())).unwrap();
        let message = RuleBook::load(&path).unwrap_err().to_string();
        assert!(
            message.contains("not a usable compiled rules file"),
            "{message}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
