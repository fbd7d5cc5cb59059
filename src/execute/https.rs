//! How the client reaches Connect: one HTTPS connector, built at cold start and shared by
//! every call, that trusts the roots Connect's certificates chain to, with the connection
//! opened ahead (`connection`) in front of it.
//!
//! The SDK's default client reads and decodes the system's whole CA bundle at cold start (about
//! 150 certificates, most of a plain client's start-up), then builds its TLS settings again
//! for the first call, while a caller waits. Here the TLS settings are built once, from the five
//! roots of Amazon Trust Services, which issues the certificates of AWS service endpoints.
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` set means the operator wants another trust store (a
//! private endpoint, a proxy that inspects TLS): then the system's, as the SDK reads it.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::connection::{self, Ahead};
use super::dns::Resolver;

/// Amazon Root CA 1 to 4 and Starfield Services Root Certificate Authority - G2.
const AMAZON_ROOTS: &[u8] = include_bytes!("amazon-roots.pem");

/// The variables that name a trust store of the operator's choice (read by the SDK).
const TRUST_STORE_VARIABLES: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// An HTTP client whose every call uses one connector, and so one pool of connections, and
/// finds Connect with `resolver`. The SDK asks for a connector per call's settings; they
/// differ only in operation timeouts, which the SDK enforces above the connector, and in
/// nothing a connector holds: its connect timeout is the same for every call
/// (`connect_timeout`).
pub fn client(connect_timeout: Duration, resolver: Resolver, ahead: Ahead) -> SharedHttpClient {
    let mut builder = Connector::builder().connector_settings(
        HttpConnectorSettings::builder()
            .connect_timeout(connect_timeout)
            .build(),
    );
    builder.set_sleep_impl(default_async_sleep());
    let context = TlsContext::builder()
        .with_trust_store(trust_store(|name| std::env::var_os(name)))
        .build()
        .expect("a TLS context without server names always builds");
    let pool = SharedHttpConnector::new(
        builder
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_with_resolver(resolver),
    );
    let connector = SharedHttpConnector::new(connection::Connector { ahead, pool });
    http_client_fn(move |_, _| connector.clone())
}

/// TLS settings as the SDK's connector makes them, trusting what it trusts, for the
/// connection opened ahead (`connection`), which speaks HTTP/1.1.
pub fn tls_config() -> ClientConfig {
    let mut roots = RootCertStore::empty();
    if named_trust_store(|name| std::env::var_os(name)) {
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    } else {
        roots.add_parsable_certificates(CertificateDer::pem_slice_iter(AMAZON_ROOTS).flatten());
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("aws-lc-rs supports rustls' default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Whether the environment names a trust store of the operator's choice.
fn named_trust_store(variable: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    TRUST_STORE_VARIABLES
        .iter()
        .any(|name| variable(name).is_some_and(|value| !value.is_empty()))
}

/// Amazon's roots, unless the environment names a trust store of its own.
fn trust_store(variable: impl Fn(&str) -> Option<std::ffi::OsString>) -> TrustStore {
    if named_trust_store(variable) {
        TrustStore::default()
    } else {
        TrustStore::empty().with_pem_certificate(AMAZON_ROOTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// The SHA-256 fingerprints Amazon Trust Services publishes for its roots
    /// (amazontrust.com/repository), in the file's order.
    const FINGERPRINTS: [&str; 5] = [
        "8ECDE6884F3D87B1125BA31AC3FCB13D7016DE7F57CC904FE1CB97C6AE98196E",
        "1BA5B2AA8C65401A82960118F80BEC4F62304D83CEC4713A19C39C011EA46DB4",
        "18CE6CFE7BF14E60B2E347B8DFE868CB31D02EBB3ADA271569F50343B46DB3A4",
        "E35D28419ED02025CFA69038CD623962458DA5C695FBDEA3C22B0BFB25897092",
        "568D6905A2C88708A4B3025190EDCFEDB1974A606A13C6E5290FCB2AE63EDAB5",
    ];

    #[test]
    fn the_embedded_roots_are_amazon_trust_services_own() {
        let fingerprints: Vec<String> = CertificateDer::pem_slice_iter(AMAZON_ROOTS)
            .map(|certificate| {
                let digest = Sha256::digest(certificate.expect("a PEM certificate"));
                digest.iter().map(|byte| format!("{byte:02X}")).collect()
            })
            .collect();
        assert_eq!(fingerprints, FINGERPRINTS);
    }

    #[test]
    fn a_named_trust_store_replaces_amazon_roots() {
        let store = |file: Option<&str>, dir: Option<&str>| {
            format!(
                "{:?}",
                trust_store(|name| match name {
                    "SSL_CERT_FILE" => file.map(Into::into),
                    "SSL_CERT_DIR" => dir.map(Into::into),
                    _ => None,
                })
            )
        };
        let amazon = format!(
            "{:?}",
            TrustStore::empty().with_pem_certificate(AMAZON_ROOTS)
        );
        let system = format!("{:?}", TrustStore::default());
        assert_eq!(store(None, None), amazon);
        assert_eq!(store(Some(""), None), amazon);
        assert_eq!(store(Some("/etc/ssl/bundle.pem"), None), system);
        assert_eq!(store(None, Some("/etc/ssl/certs")), system);
        assert_ne!(amazon, system);
    }
}
