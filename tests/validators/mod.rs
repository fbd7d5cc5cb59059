//! The independent validators some tests run: Python scripts in `tests/` using packages
//! `scripts/test` installs in `.venv` (`jsonschema`, PyYAML), fed on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

use connect_local::fixtures::workspace;

/// What `tests/SCRIPT` printed for `input`; the test fails if it could not run.
pub fn run(script: &str, input: &[u8]) -> Vec<u8> {
    let python = workspace().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{}: run scripts/test, which installs the validators' packages",
        python.display()
    );
    let mut child = Command::new(python)
        .arg(workspace().join("tests").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "tests/{script} failed");
    output.stdout
}
