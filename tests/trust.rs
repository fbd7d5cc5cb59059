//! Over real TLS. Which certificates the function trusts: by default Amazon's roots (which
//! store is chosen, and that it holds those roots: `execute::https`'s unit tests), so a
//! throwaway authority's certificate for localhost, in front of the local endpoint, is refused
//! with a report naming why; once `SSL_CERT_FILE` names the authority, as an operator with a
//! private endpoint would, the same call succeeds. And the connection opened ahead
//! (`execute::connection`): the calls go over it, and over the SDK's pool only when it is busy.

#[allow(dead_code)] // the in-process function, which this does not need
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use connect_local::fixtures::workspace;
use connect_local::LocalConnect;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::Acceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::LazyConfigAcceptor;

/// A throwaway authority (`ca.pem`) and a certificate it signed for localhost, made by
/// `openssl` in `dir`.
fn authority_and_localhost(dir: &Path) {
    let openssl = |arguments: &[&str]| {
        let status = Command::new("openssl")
            .args(arguments)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(status.status.success(), "openssl {arguments:?}: {status:?}");
    };
    let curve = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &curve,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "1"],
            &["-subj", "/CN=connect-rules trust test"],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &curve,
            &["-keyout", "localhost.key", "-out", "localhost.csr"],
            &["-subj", "/CN=localhost"],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("extensions"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "localhost.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "extensions",
        "-out",
        "localhost.pem",
    ]);
}

/// The protocols the client offered (ALPN) on each connection the front accepted.
type Accepted = Arc<Mutex<Vec<Vec<String>>>>;

/// TLS with the localhost certificate in front of `backend`; its `https://localhost:PORT`,
/// and what it accepts.
async fn tls_front(dir: &Path, backend: std::net::SocketAddr) -> (String, Accepted) {
    let chain = CertificateDer::pem_file_iter(dir.join("localhost.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("localhost.key")).unwrap();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Accepted::default();
    let record = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (config, record) = (config.clone(), record.clone());
            tokio::spawn(async move {
                let Ok(hello) = LazyConfigAcceptor::new(Acceptor::default(), stream).await else {
                    return;
                };
                let offered: Vec<String> = hello
                    .client_hello()
                    .alpn()
                    .map(|protocols| {
                        protocols
                            .map(|protocol| String::from_utf8_lossy(protocol).into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                // A refused handshake is what one of the tests expects.
                let Ok(mut secure) = hello.into_stream(config).await else {
                    return;
                };
                record.lock().unwrap().push(offered);
                let mut plain = TcpStream::connect(backend).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut secure, &mut plain).await;
            });
        }
    });
    (format!("https://localhost:{port}"), accepted)
}

/// A throwaway authority and localhost's certificate in a folder named for `test`, and a local
/// endpoint knowing the sample events' contacts, with its address for a TLS front.
async fn authority_and_endpoint(test: &str) -> (PathBuf, LocalConnect, std::net::SocketAddr) {
    let dir = std::env::temp_dir().join(format!("connect-rules-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    authority_and_localhost(&dir);
    let endpoint = support::local_connect().await;
    endpoint.put_event_contacts();
    let backend = endpoint
        .url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    (dir, endpoint, backend)
}

/// `connect-rules invoke --execute` of `event` against `url`, with `SSL_CERT_FILE` set to
/// `trust_store` or unset; its printed report.
fn invoke(event: &str, url: &str, trust_store: Option<&PathBuf>) -> Value {
    invoke_with(event, ("AWS_ENDPOINT_URL_CONNECT", url), trust_store)
}

/// `invoke`, with the endpoint given by `setting`, an environment variable.
fn invoke_with(event: &str, setting: (&str, &str), trust_store: Option<&PathBuf>) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connect-rules"));
    command
        .args(["invoke", event, "--rules", "rules/rules.yaml"])
        .arg("--execute")
        .current_dir(workspace())
        .env(setting.0, setting.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
        .env("AWS_SECRET_ACCESS_KEY", "local-secret")
        .env_remove("SSL_CERT_DIR")
        .env_remove("AWS_PROFILE");
    match trust_store {
        Some(path) => command.env("SSL_CERT_FILE", path),
        None => command.env_remove("SSL_CERT_FILE"),
    };
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("a report: {output:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn only_amazon_roots_are_trusted_unless_ssl_cert_file_names_a_store() {
    let (dir, endpoint, backend) = authority_and_endpoint("trust").await;
    let (url, _) = tls_front(&dir, backend).await;

    let refused = tokio::task::spawn_blocking({
        let url = url.clone();
        move || invoke("events/voice.json", &url, None)
    })
    .await
    .unwrap();
    assert_eq!(
        refused["answer"]["errorCode"], "ConnectUnreachable",
        "{refused:#}"
    );
    assert!(
        refused.to_string().contains("UnknownIssuer"),
        "the report names the untrusted certificate: {refused:#}"
    );
    assert!(endpoint.served().is_empty());

    let accepted = tokio::task::spawn_blocking({
        let ca = dir.join("ca.pem");
        move || invoke("events/voice.json", &url, Some(&ca))
    })
    .await
    .unwrap();
    assert_eq!(accepted["answer"]["errorCode"], Value::Null, "{accepted:#}");
    assert_eq!(endpoint.served().len(), 1, "{accepted:#}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_go_over_the_connection_opened_ahead_and_the_pool_only_when_it_is_busy() {
    let (dir, endpoint, backend) = authority_and_endpoint("ahead").await;
    // The connection opened ahead speaks HTTP/1.1 alone; the SDK's pool offers HTTP/2 too.
    // With one CPU, none is opened ahead.
    let pool = || vec!["h2".to_owned(), "http/1.1".to_owned()];
    let spare_cpu = std::thread::available_parallelism().unwrap().get() > 1;
    let ahead = || match spare_cpu {
        true => vec!["http/1.1".to_owned()],
        false => pool(),
    };
    let cases = [
        // One call: it goes over the connection opened ahead, the only one opened.
        ("events/voice.json", 1, vec![ahead()]),
        // Two updates at once, then the transfer: the second update finds the connection
        // busy and goes through the pool; the transfer finds one of them idle.
        ("events/task.json", 3, vec![ahead(), pool()]),
    ];
    for (event, calls, expected) in cases {
        let (url, accepted) = tls_front(&dir, backend).await;
        let report = tokio::task::spawn_blocking({
            let ca = dir.join("ca.pem");
            move || invoke(event, &url, Some(&ca))
        })
        .await
        .unwrap();
        assert_eq!(report["answer"]["errorCode"], Value::Null, "{report:#}");
        let mut offered = accepted.lock().unwrap().clone();
        offered.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(offered, expected, "{event}");
        assert_eq!(endpoint.served().len(), calls, "{event}: {report:#}");
        endpoint.clear_served();
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_connection_opened_ahead_goes_where_a_profile_sends_the_calls() {
    let (dir, endpoint, backend) = authority_and_endpoint("profile").await;
    let (url, accepted) = tls_front(&dir, backend).await;
    // The connection starts opening to the region's endpoint, the environment's guess, before
    // the profile is read; it must be given up for the profile's endpoint.
    let profile = dir.join("config");
    std::fs::write(&profile, format!("[default]\nendpoint_url = {url}\n")).unwrap();
    let report = tokio::task::spawn_blocking({
        let ca = dir.join("ca.pem");
        move || {
            invoke_with(
                "events/voice.json",
                ("AWS_CONFIG_FILE", profile.to_str().unwrap()),
                Some(&ca),
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(report["answer"]["errorCode"], Value::Null, "{report:#}");
    assert_eq!(endpoint.served().len(), 1, "{report:#}");
    let opened_ahead = std::thread::available_parallelism().unwrap().get() > 1;
    let offered = match opened_ahead {
        true => vec!["http/1.1".to_owned()],
        false => vec!["h2".to_owned(), "http/1.1".to_owned()],
    };
    assert_eq!(*accepted.lock().unwrap(), [offered]);
    std::fs::remove_dir_all(dir).unwrap();
}
