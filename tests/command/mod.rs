//! The real binary run as a user runs it, from the workspace, with nothing of the
//! environment choosing its rules file or making it serve Lambda.

use std::process::{Command, Output};

use connect_local::fixtures::workspace;

pub fn connect_rules(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connect-rules"))
        .args(arguments)
        .current_dir(workspace())
        .env_remove("RULES_FILE")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
