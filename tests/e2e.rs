//! End to end, as Lambda runs the function: the real `connect-rules` binary under AWS's
//! Lambda Runtime Interface Emulator (what `sam local invoke` runs), its real SDK client
//! pointed at the local Connect endpoint with `AWS_ENDPOINT_URL_CONNECT`.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use connect_local::contacts::Contact;
use connect_local::{find_model, Fault, FaultKind, LocalConnect, Served};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator: `CONNECT_RULES_RIE`, else the copy inside the `aws-sam-cli` package that
/// `scripts/test` installs in `.venv`.
fn emulator() -> PathBuf {
    if let Some(path) = std::env::var_os("CONNECT_RULES_RIE") {
        return path.into();
    }
    let name = format!("aws-lambda-rie-{}", std::env::consts::ARCH);
    std::fs::read_dir(root().join(".venv/lib"))
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|python| python.path().join("site-packages/samcli/local/rapid").join(&name))
        .find(|path| path.is_file())
        .expect("the Lambda Runtime Interface Emulator: set CONNECT_RULES_RIE or run scripts/test, which installs it")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The function running under the emulator, with its output captured to a file.
struct Lambda {
    process: Child,
    invoke_port: u16,
    log: PathBuf,
}

impl Drop for Lambda {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Lambda {
    fn start(endpoint: &LocalConnect, environment: &[(&str, &str)]) -> Lambda {
        let (invoke_port, runtime_port) = (free_port(), free_port());
        let log = std::env::temp_dir().join(format!("connect-rules-e2e-{invoke_port}.log"));
        let output = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(emulator());
        command
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{invoke_port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_port}"))
            .arg(env!("CARGO_BIN_EXE_connect-rules"))
            .current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_CONNECT", endpoint.url())
            .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
            .env("AWS_SECRET_ACCESS_KEY", "local-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "10")
            .env("RULES_FILE", root().join("rules/rules.yaml"))
            .envs(environment.iter().copied())
            .stdout(output.try_clone().unwrap())
            .stderr(output);
        let process = command.spawn().unwrap();
        let lambda = Lambda {
            process,
            invoke_port,
            log,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", invoke_port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the emulator did not start: {}",
                lambda.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        lambda
    }

    /// Invokes the function with an event, as `sam local invoke -e` does.
    async fn invoke(&self, event: &Value) -> Value {
        let (_, body) = self.invoke_raw(event).await;
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}\n{}", self.output()))
    }

    /// The emulator's HTTP status line and body.
    async fn invoke_raw(&self, event: &Value) -> (String, String) {
        let address: SocketAddr = ([127, 0, 0, 1], self.invoke_port).into();
        let body = event.to_string();
        let request = format!(
            "POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nhost: {address}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        (
            head.lines().next().unwrap_or_default().to_owned(),
            body.to_owned(),
        )
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn event(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root().join("events").join(name)).unwrap()).unwrap()
}

fn instance_of(event: &Value) -> String {
    let arn = event["Details"]["ContactData"]["InstanceARN"]
        .as_str()
        .unwrap();
    arn.rsplit('/').next().unwrap().to_owned()
}

fn contact_id_of(event: &Value) -> String {
    event["Details"]["ContactData"]["ContactId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A local endpoint holding the contact of every event in `events/`, as Connect would.
async fn endpoint() -> LocalConnect {
    let model = find_model().expect("the Connect API model: set CONNECT_MODEL or run scripts/test");
    let endpoint = LocalConnect::start(&model, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    for name in ["voice.json", "chat.json", "task.json", "email.json"] {
        let event = event(name);
        let data = &event["Details"]["ContactData"];
        endpoint.put_contact(Contact {
            instance_id: instance_of(&event),
            contact_id: contact_id_of(&event),
            channel: data["Channel"].as_str().unwrap().to_owned(),
            active: true,
            attributes: serde_json::from_value(data["Attributes"].clone()).unwrap(),
            ..Contact::default()
        });
    }
    endpoint
}

fn operations(served: &[Served]) -> Vec<&str> {
    served.iter().map(|s| s.operation.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_is_updated_and_transferred_once_even_when_invoked_twice() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let task = event("task.json");
    let answer = lambda.invoke(&task).await;
    assert_eq!(answer["status"], "ok", "{answer}\n{}", lambda.output());
    assert_eq!(answer["transferred"], "true");
    assert_eq!(
        answer["applied"],
        "UpdateContactAttributes,UpdateContact,TransferContact"
    );

    let served = endpoint.served();
    let mut calls = operations(&served);
    calls[..2].sort();
    assert_eq!(
        calls,
        [
            "UpdateContact",
            "UpdateContactAttributes",
            "TransferContact"
        ],
        "the transfer comes last"
    );
    assert!(served.iter().all(|s| s.status == 200), "{served:#?}");
    let transfer = &served[2].input;
    assert_eq!(transfer["QueueId"], "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    assert_eq!(
        transfer["ContactFlowId"],
        "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
    );
    assert_eq!(transfer["ClientToken"].as_str().unwrap().len(), 64);

    let contact = endpoint
        .contact(&instance_of(&task), &contact_id_of(&task))
        .unwrap();
    assert_eq!(contact.attributes["routedBy"], "connect-rules");
    assert_eq!(
        contact.attributes["caseId"], "CASE-2024/0815",
        "existing attributes are kept"
    );
    assert_eq!(
        contact.references["case"].value,
        "https://crm.example.com/cases/CASE-2024%2F0815"
    );
    assert_eq!(contact.references["case"].kind, "URL");
    assert_eq!(contact.name.as_deref(), Some("[URGENT] Refund request"));
    assert_eq!(contact.transfers.len(), 1);

    let again = lambda.invoke(&task).await;
    assert_eq!(again["status"], "ok", "{again}");
    assert_eq!(
        again["transferred"], "true",
        "the repeated transfer is reported as done"
    );
    let contact = endpoint
        .contact(&instance_of(&task), &contact_id_of(&task))
        .unwrap();
    assert_eq!(
        contact.transfers.len(),
        1,
        "Connect's retry did not transfer twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_in_events_is_answered_with_the_calls_its_rules_demand() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let expected: [(&str, &[&str]); 4] = [
        ("voice.json", &["UpdateContactAttributes"]),
        ("chat.json", &["UpdateContact", "UpdateContactAttributes"]),
        (
            "task.json",
            &[
                "TransferContact",
                "UpdateContact",
                "UpdateContactAttributes",
            ],
        ),
        ("email.json", &["TransferContact", "UpdateContact"]),
    ];
    for (name, operations_expected) in expected {
        endpoint.clear_served();
        let answer = lambda.invoke(&event(name)).await;
        assert_eq!(
            answer["status"],
            "ok",
            "{name}: {answer}\n{}",
            lambda.output()
        );
        assert!(
            answer.as_object().unwrap().values().all(Value::is_string),
            "{name}: a flat string map"
        );
        let served = endpoint.served();
        let mut made = operations(&served);
        made.sort();
        assert_eq!(made, operations_expected, "{name}");
        assert!(
            served.iter().all(|s| s.status == 200),
            "{name}: {served:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_voice_contact_is_never_transferred() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let mut voice = event("voice.json");
    // The task rule set on a voice contact: its transfer must be refused, not attempted.
    voice["Details"]["Parameters"]["ruleSet"] = "tasks".into();
    voice["Details"]["ContactData"]["Attributes"]["region"] = "EMEA".into();
    voice["Details"]["Parameters"]["agentId"] = "agent-7".into();
    let answer = lambda.invoke(&voice).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert_eq!(answer["transferred"], "false");
    assert!(answer["transferRefused"]
        .as_str()
        .unwrap()
        .contains("a VOICE contact cannot be transferred"));
    assert!(!operations(&endpoint.served()).contains(&"TransferContact"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_makes_no_call() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[("DRY_RUN", "true")]);
    for name in ["voice.json", "chat.json", "task.json", "email.json"] {
        let answer = lambda.invoke(&event(name)).await;
        assert_eq!(answer["dryRun"], "true", "{name}: {answer}");
        assert_eq!(answer["applied"], "");
    }
    assert_eq!(endpoint.served(), []);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rules_file_error_fails_the_cold_start_with_its_report() {
    let endpoint = endpoint().await;
    let rules = root().join("tests/data/five-mistakes.yaml");
    let lambda = Lambda::start(&endpoint, &[("RULES_FILE", rules.to_str().unwrap())]);
    let (_, body) = lambda.invoke_raw(&event("task.json")).await;
    assert!(
        !body.contains("\"status\""),
        "no answer comes from a function that did not start: {body}"
    );
    let output = lambda.output();
    assert!(output.contains("Runtime.ExitError"), "{output}");
    assert!(
        output.contains("connect-rules: cold start failed:"),
        "{output}"
    );
    for line in [7, 11, 14, 21, 25] {
        assert!(
            output.contains(&format!("five-mistakes.yaml:{line}: ")),
            "line {line} in:\n{output}"
        );
    }
    assert!(output.contains("five-mistakes.yaml: 5 problems"));
    assert_eq!(endpoint.served(), []);
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_never_hold_endpoint_addresses_or_attribute_values() {
    let endpoint = endpoint().await;
    let secrets = [
        "+15555550100",
        "+15555550199",
        "ana.customer@example.com",
        "Welcome back, Ana",
        "CASE-2024/0815",
        "Jorge",
    ];
    for level in ["DEBUG", "INFO", "WARN", "ERROR"] {
        for format in ["JSON", "Text"] {
            let lambda = Lambda::start(
                &endpoint,
                &[
                    ("AWS_LAMBDA_LOG_LEVEL", level),
                    ("AWS_LAMBDA_LOG_FORMAT", format),
                ],
            );
            for name in ["voice.json", "chat.json", "task.json", "email.json"] {
                lambda.invoke(&event(name)).await;
            }
            let output = lambda.output();
            if level == "DEBUG" || level == "INFO" {
                assert!(
                    output.contains("urgent-refund"),
                    "{level} {format}: one summary line per invocation:\n{output}"
                );
            }
            for secret in secrets {
                assert!(
                    !output.contains(secret),
                    "{level} {format}: `{secret}` is in the logs:\n{output}"
                );
            }
        }
    }
}

fn fault(operation: &str, kind: FaultKind, count: u32, latency_ms: u64) -> Fault {
    Fault {
        operation: operation.into(),
        kind,
        count,
        latency_ms,
    }
}

fn statuses(served: &[Served], operation: &str) -> Vec<u16> {
    served
        .iter()
        .filter(|s| s.operation == operation)
        .map(|s| s.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_inside_the_budget() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("UpdateContactAttributes", FaultKind::Throttle, 2, 0));
    let answer = lambda.invoke(&event("task.json")).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert_eq!(
        statuses(&endpoint.served(), "UpdateContactAttributes"),
        [429, 429, 200]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_server_errors_are_answered_as_errors_with_what_was_applied() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("TransferContact", FaultKind::ServerError, 100, 0));
    let started = Instant::now();
    let answer = lambda.invoke(&event("task.json")).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "inside the block's 3 s"
    );
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["errorCode"], "InternalServiceException");
    assert_eq!(answer["applied"], "UpdateContactAttributes,UpdateContact");
    assert_eq!(answer["notApplied"], "TransferContact");
    assert_eq!(answer["transferred"], "false");
    assert_eq!(
        statuses(&endpoint.served(), "TransferContact"),
        [500, 500, 500],
        "3 attempts, no more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_connect_still_gets_the_caller_an_answer_in_time() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    endpoint.inject(fault("UpdateContact", FaultKind::Latency, 100, 10_000));
    let started = Instant::now();
    let answer = lambda.invoke(&event("task.json")).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["applied"], "UpdateContactAttributes");
    assert_eq!(answer["notApplied"], "UpdateContact,TransferContact");
    assert_eq!(answer["errorCode"], "Timeout", "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_dropped_after_applying_then_retried_by_connect_happens_once() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let task = event("task.json");
    endpoint.inject(fault("TransferContact", FaultKind::DropAfter, 1, 0));
    lambda.invoke(&task).await;
    let answer = lambda.invoke(&task).await;
    assert_eq!(answer["transferred"], "true", "{answer}");
    let contact = endpoint
        .contact(&instance_of(&task), &contact_id_of(&task))
        .unwrap();
    assert_eq!(contact.transfers.len(), 1, "{:#?}", endpoint.served());
}

#[tokio::test(flavor = "multi_thread")]
async fn client_errors_are_not_retried() {
    let endpoint = endpoint().await;
    let lambda = Lambda::start(&endpoint, &[]);
    let mut voice = event("voice.json");
    // A contact Connect does not know: 404, which no retry can fix.
    voice["Details"]["ContactData"]["ContactId"] = "unknown-contact".into();
    voice["Details"]["ContactData"]["InitialContactId"] = "unknown-contact".into();
    let answer = lambda.invoke(&voice).await;
    assert_eq!(answer["status"], "error", "{answer}");
    assert_eq!(answer["errorCode"], "ResourceNotFoundException");
    assert_eq!(
        statuses(&endpoint.served(), "UpdateContactAttributes"),
        [404]
    );
}
