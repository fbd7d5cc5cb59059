//! The connection to Connect, opened during the cold start instead of by the first call. A
//! function that opens it when its first call is made keeps that caller waiting through the
//! credentials' first resolution, the TCP and TLS handshakes and the trust store's loading.
//! This sends, as soon as the client exists and while the rules load, a request along the
//! client's own path (endpoint, credentials, signing, connection pool) that is replaced just
//! before it leaves by an unsigned `GET /`: Connect answers it with an error and nothing is
//! changed, and the connection waits in the pool for the first call.

use std::collections::HashMap;

use aws_config::retry::RetryConfig;
use aws_sdk_connect::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

/// Opens the client's connection to Connect; what Connect answers is of no interest.
pub async fn open_connection(client: &Client) {
    let _ = client
        .update_contact_attributes()
        .instance_id("connection")
        .initial_contact_id("connection")
        .set_attributes(Some(HashMap::new()))
        .customize()
        .config_override(
            aws_sdk_connect::config::Builder::default().retry_config(RetryConfig::disabled()),
        )
        .interceptor(Unsent)
        .send()
        .await;
}

/// Replaces the request by an unsigned `GET /` on the same endpoint: nothing of the call
/// it was built as leaves the function.
#[derive(Debug)]
struct Unsent;

impl Intercept for Unsent {
    fn name(&self) -> &'static str {
        "Unsent"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let root = endpoint_root(request.uri()).ok_or("an endpoint without a host")?;
        request.set_uri(root)?;
        request.set_method("GET")?;
        *request.headers_mut() = Headers::new();
        *request.body_mut() = SdkBody::empty();
        Ok(())
    }
}

/// `https://host[:port]/` of a request's URI.
fn endpoint_root(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?']).next().filter(|a| !a.is_empty())?;
    Some(format!("{scheme}://{authority}/"))
}

#[cfg(test)]
mod tests {
    use super::endpoint_root;

    #[test]
    fn the_root_keeps_scheme_host_and_port_and_nothing_else() {
        assert_eq!(
            endpoint_root("https://connect.us-east-1.amazonaws.com/contact/attributes").as_deref(),
            Some("https://connect.us-east-1.amazonaws.com/")
        );
        assert_eq!(
            endpoint_root("http://127.0.0.1:4566/contact/transfer?x=1").as_deref(),
            Some("http://127.0.0.1:4566/")
        );
        assert_eq!(endpoint_root("no-scheme/path"), None);
    }
}
