//! Serving invocations under Lambda: the cold start reads the environment, checks the rules
//! and builds the Connect client once; a bad rules file or setting fails it with a report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lambda_runtime::service_fn;

use crate::execute::Connect;
use crate::function::Function;
use crate::metrics::{Metrics, MetricsSetting};
use crate::rules::{Form, RuleBook};

pub const RULES_FILE_VARIABLE: &str = "RULES_FILE";
pub const DEFAULT_RULES_FILE: &str = "rules.yaml";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Rules(#[from] crate::rules::RulesError),
    #[error("DRY_RUN is `{0}`; use true or false")]
    DryRun(String),
    #[error(transparent)]
    Metrics(#[from] MetricsSetting),
    #[error("cannot start a thread to load the rules: {0}")]
    Thread(std::io::Error),
    #[error("the Lambda runtime stopped: {0}")]
    Runtime(lambda_runtime::Error),
}

pub async fn serve() -> Result<(), StartError> {
    let started = Instant::now();
    crate::logging::init(std::io::stdout);
    let logging_ready = started.elapsed();
    let dry_run = dry_run()?;
    // Loading the rules and building the client are independent and each takes milliseconds,
    // so the rules load on a thread of their own meanwhile: the cold start waits for the
    // longer of the two rather than their sum.
    let path = rules_path();
    let (send_rules, loaded) = tokio::sync::oneshot::channel();
    let (send_client, client_built) = std::sync::mpsc::sync_channel(1);
    let rules = std::thread::Builder::new()
        .name("rules".to_owned())
        .spawn(move || {
            let book = RuleBook::open(&path);
            let patterns = book
                .as_ref()
                .map(|(book, _)| book.patterns())
                .unwrap_or_default();
            let _ = send_rules.send((book, started.elapsed()));
            // The first invocation would run the SDK's path for the first time, and compile
            // the patterns it tests, while its caller waits; this thread does both ahead, with
            // CPU time nothing else wants. It rather than a thread of its own rehearses the
            // call: spawning one delayed init's end (BENCHMARKS.md, "Work done ahead, on the
            // rules' thread").
            crate::background::run_only_when_idle();
            if let Ok(client) = client_built.recv() {
                Connect::rehearse_here(client);
            }
            for pattern in patterns {
                pattern.compile();
            }
        })
        .map_err(StartError::Thread)?;
    let client = if dry_run {
        None
    } else {
        Some(Connect::client(Connect::environment()).await)
    };
    let client_ready = started.elapsed();
    if let Some(client) = &client {
        let _ = send_client.send(client.clone());
    }
    // Without a client (a dry run), the rules' thread then goes straight on to the patterns.
    drop(send_client);
    let (book, rules_ready) = loaded.await.unwrap_or_else(|_| {
        // The thread ended without sending the rules: it panicked, and its panic is the report.
        let panic = rules.join().err();
        std::panic::resume_unwind(panic.unwrap_or_else(|| Box::new("the rules' thread ended")))
    });
    let (book, form) = book?;
    if dry_run {
        tracing::info!("DRY_RUN is on: plans are logged and no Connect call is made");
    }
    let rules_form = match form {
        Form::Compiled(_) => "compiled",
        Form::Source => {
            "source: read and checked at cold start; `connect-rules compile` makes it faster"
        }
    };
    tracing::info!(
        rules = book.rule_count(),
        rules_form,
        logging_us = logging_ready.as_micros() as u64,
        rules_us = (rules_ready - logging_ready).as_micros() as u64,
        client_us = (client_ready - logging_ready).as_micros() as u64,
        init_us = started.elapsed().as_micros() as u64,
        "cold start"
    );
    let metrics = Metrics::from_environment(book.settings.rule_metrics)?;
    let connect = client.map(|client| Connect::new(client, book.settings.block_timeout));
    let function = Function::new(book, connect).with_metrics(metrics);
    let function = &function;
    lambda_runtime::run(service_fn(move |event| function.handle(event)))
        .await
        .map_err(StartError::Runtime)
}

/// `RULES_FILE`, else `rules.yaml` beside the binary (where `sam build` puts it), else in
/// the working directory.
pub fn rules_path() -> PathBuf {
    if let Some(path) = std::env::var_os(RULES_FILE_VARIABLE).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(DEFAULT_RULES_FILE)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| Path::new(DEFAULT_RULES_FILE).to_path_buf())
}

/// `DRY_RUN`: unset, empty, `false` or `0` is off; `true` or `1` is on; anything else is a
/// mistake that fails the cold start rather than guessing.
pub fn dry_run() -> Result<bool, StartError> {
    match std::env::var("DRY_RUN")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "false" | "0" => Ok(false),
        "true" | "1" => Ok(true),
        _ => Err(StartError::DryRun(
            std::env::var("DRY_RUN").unwrap_or_default(),
        )),
    }
}
