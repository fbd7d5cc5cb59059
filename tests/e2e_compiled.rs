//! End to end with compiled rules, as `sam build` ships them: the function reads what
//! `connect-rules compile` wrote and answers as it does from the YAML; a compiled file it
//! cannot trust fails the cold start, naming the file and what to run.

mod emulator;

use std::path::{Path, PathBuf};
use std::process::Command;

use connect_local::fixtures::{event, event_names, example_rules, mask_now};
use emulator::{endpoint, Lambda};

/// A compiled rules file in a folder of the test's own, removed when the test ends.
struct Compiled {
    folder: PathBuf,
    path: PathBuf,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

impl std::ops::Deref for Compiled {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Compiled {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// `connect-rules compile` run as a user runs it.
fn compile(folder: &str) -> Compiled {
    let folder =
        std::env::temp_dir().join(format!("connect-rules-{folder}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("rules.compiled");
    let output = Command::new(env!("CARGO_BIN_EXE_connect-rules"))
        .args(["compile", example_rules().to_str().unwrap(), "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    Compiled { folder, path }
}

fn rules_file(path: &Path) -> [(&'static str, &str); 1] {
    [("RULES_FILE", path.to_str().unwrap())]
}

#[tokio::test(flavor = "multi_thread")]
async fn compiled_rules_give_every_event_the_answer_and_calls_of_the_yaml() {
    let compiled = compile("same-answers");
    let (from_yaml, from_compiled) = (endpoint().await, endpoint().await);
    let yaml = Lambda::start(&from_yaml, &[]);
    let quick = Lambda::start(&from_compiled, &rules_file(&compiled));
    for name in event_names() {
        let expected = yaml.invoke(&event(&name)).await;
        let answer = quick.invoke(&event(&name)).await;
        assert_eq!(answer, expected, "{name}");
    }
    // The same requests, in any order: calls that run together arrive as they come.
    let requests = |served: Vec<connect_local::Served>| -> Vec<_> {
        served
            .into_iter()
            .map(|s| (s.operation, mask_now(s.input), s.status))
            .collect()
    };
    let mut expected = requests(from_yaml.served());
    for request in requests(from_compiled.served()) {
        let found = expected.iter().position(|other| *other == request);
        let found = found.unwrap_or_else(|| panic!("not made from the YAML: {request:?}"));
        expected.swap_remove(found);
    }
    assert_eq!(expected, [], "made from the YAML only");
    assert!(!from_yaml.served().is_empty());
    assert!(
        quick.output().contains("rules_form=\"compiled\""),
        "{}",
        quick.output()
    );
    assert!(yaml
        .output()
        .contains("`connect-rules compile` makes it faster"));
}

/// What a cold start with the compiled file at `path` prints, after an invocation that
/// gets no answer.
async fn failed_cold_start(path: &Path) -> String {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &rules_file(path));
    let (_, body) = lambda.invoke_raw(&event("task.json")).await;
    assert!(
        !body.contains("\"status\""),
        "an answer from rules it refused: {body}"
    );
    assert_eq!(endpoint.served(), []);
    let output = lambda.output();
    assert!(
        output.contains("connect-rules: cold start failed:"),
        "{output}"
    );
    output
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_another_version_compiled_fails_the_cold_start_saying_what_to_run() {
    let compiled = compile("other-version");
    let text = std::fs::read_to_string(&compiled).unwrap();
    let ours = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.lines().next().unwrap().contains(&ours), "{text}");
    std::fs::write(&compiled, text.replacen(&ours, "\"version\":\"0.0.1\"", 1)).unwrap();
    let output = failed_cold_start(&compiled).await;
    let path = compiled.display();
    assert!(
        output.contains(&format!("{path}: compiled by connect-rules 0.0.1")),
        "{output}"
    );
    assert!(
        output.contains(&format!("`connect-rules compile rules.yaml -o {path}`")),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_compiled_file_fails_the_cold_start_saying_what_to_run() {
    let compiled = compile("corrupted");
    let path = compiled.display().to_string();
    let text = std::fs::read_to_string(&compiled).unwrap();
    // A time zone swapped in the body: valid JSON, valid rules, not what was compiled.
    let changed = text.replacen("\"Europe/Paris\"", "\"Europe/Rome\"", 1);
    assert_ne!(changed, text);
    // And the file cut short, as an interrupted copy leaves it.
    let cut = text[..text.len() / 2].to_owned();
    for (what, damaged) in [("changed", changed), ("cut", cut)] {
        std::fs::write(&compiled, damaged).unwrap();
        let output = failed_cold_start(&compiled).await;
        assert!(
            output.contains(&format!("{path}: not a usable compiled rules file")),
            "{what}: {output}"
        );
        assert!(
            output.contains(&format!("`connect-rules compile rules.yaml -o {path}`")),
            "{what}: {output}"
        );
    }
}
