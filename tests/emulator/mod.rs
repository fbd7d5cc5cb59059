//! The real `connect-rules` binary under AWS's Lambda Runtime Interface Emulator (what `sam
//! local invoke` runs), its real SDK client pointed at the local Connect endpoint with
//! `AWS_ENDPOINT_URL_CONNECT`.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use connect_local::fixtures::{example_rules, workspace};
use connect_local::{find_model, LocalConnect};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The emulator: `CONNECT_RULES_RIE`, else the copy inside the `aws-sam-cli` package that
/// `scripts/test` installs in `.venv`.
fn emulator() -> PathBuf {
    if let Some(path) = std::env::var_os("CONNECT_RULES_RIE") {
        return path.into();
    }
    let name = format!("aws-lambda-rie-{}", std::env::consts::ARCH);
    std::fs::read_dir(workspace().join(".venv/lib"))
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|python| python.path().join("site-packages/samcli/local/rapid").join(&name))
        .find(|path| path.is_file())
        .expect("the Lambda Runtime Interface Emulator: set CONNECT_RULES_RIE or run scripts/test, which installs it")
}

/// What the emulator starts: `CONNECT_RULES_FUNCTION` (scripts/sam-build sets it to a
/// wrapper running the shipped aarch64 bootstrap under qemu), else this build's binary.
fn function() -> PathBuf {
    std::env::var_os("CONNECT_RULES_FUNCTION")
        .map_or_else(|| env!("CARGO_BIN_EXE_connect-rules").into(), PathBuf::from)
}

/// A port for the emulator to listen on, taken below the kernel's range of ephemeral ports:
/// a port from that range (what binding port 0 gives) may be taken by any connection a test
/// opens before the emulator binds it, which then fails to start ("address already in use").
fn free_port() -> u16 {
    const FIRST: u32 = 10_000;
    const COUNT: u32 = 22_000;
    static TAKEN: AtomicU32 = AtomicU32::new(0);
    // Test binaries may run side by side: each starts at a place of its own.
    let start = std::process::id().wrapping_mul(7_919);
    loop {
        let place = start.wrapping_add(TAKEN.fetch_add(1, Ordering::Relaxed));
        let port = u16::try_from(FIRST + place % COUNT).unwrap();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The function running under the emulator, with its output captured to a file.
pub struct Lambda {
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
    pub fn start(endpoint: &LocalConnect, environment: &[(&str, &str)]) -> Lambda {
        let (invoke_port, runtime_port) = (free_port(), free_port());
        let log = std::env::temp_dir().join(format!("connect-rules-e2e-{invoke_port}.log"));
        let output = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(emulator());
        command
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{invoke_port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_port}"))
            .arg(function())
            .current_dir(workspace())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_CONNECT", endpoint.url())
            .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
            .env("AWS_SECRET_ACCESS_KEY", "local-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "10")
            .env("RULES_FILE", example_rules())
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
    pub async fn invoke(&self, event: &Value) -> Value {
        let (_, body) = self.invoke_raw(event).await;
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}\n{}", self.output()))
    }

    /// The emulator's HTTP status line and body.
    pub async fn invoke_raw(&self, event: &Value) -> (String, String) {
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

    /// What the function and the emulator have written. The emulator answers an invoke only
    /// once the function asks for the next event, so this holds everything the function
    /// wrote for the invocations answered, its log lines and metrics (written after the
    /// answer) included.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A local endpoint holding the contact of every event in `events/`, as Connect would.
pub async fn endpoint() -> LocalConnect {
    let model = find_model().expect("the Connect API model: set CONNECT_MODEL or run scripts/test");
    let endpoint = LocalConnect::start(&model, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    endpoint.put_event_contacts();
    endpoint
}
