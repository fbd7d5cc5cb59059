//! A call rehearsed at cold start: the SDK's path up to sending, run once (the credentials
//! resolved and cached, the endpoint, the request built, serialized and signed) and stopped
//! before anything leaves the process. Without it the first caller waits for that path's
//! first run: its code paged in, its caches filled.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_connect::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::time::Instant;

use super::Connect;
use crate::calls::{AttributesCall, Call};

/// Long enough for credentials from anywhere the SDK looks.
const REHEARSAL_TIME: Duration = Duration::from_secs(1);

/// Stands in for every identifier of the rehearsed call, which is never sent.
const REHEARSAL_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Ends a call after it is signed and before it is sent.
#[derive(Debug)]
struct StopBeforeSending;

impl Intercept for StopBeforeSending {
    fn name(&self) -> &'static str {
        "StopBeforeSending"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Err("a rehearsal is never sent".into())
    }
}

impl Connect {
    /// Rehearses a call on the calling thread, which should take only CPU time nothing else
    /// wants (`background`): a first call that comes sooner finds whatever it has done so
    /// far. Nothing is lost when its runtime cannot start.
    pub fn rehearse_here(client: Client) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build();
        if let Ok(runtime) = runtime {
            runtime.block_on(Connect::rehearse(client));
        }
    }

    /// Rehearses an UpdateContactAttributes call, the call most plans make, the way every call
    /// is made (`send`), and ends it before it is sent. How it ended is dropped: a failure
    /// (no credentials, say) is the first real call's to report.
    pub async fn rehearse(client: Client) {
        let connect = Connect::new(client, REHEARSAL_TIME);
        let call = Call::UpdateContactAttributes(AttributesCall {
            instance_id: REHEARSAL_ID.to_owned(),
            initial_contact_id: REHEARSAL_ID.to_owned(),
            attributes: BTreeMap::from([("rehearsal".to_owned(), String::new())]),
        });
        let deadline = Instant::now() + REHEARSAL_TIME;
        let within = connect.within(deadline).interceptor(StopBeforeSending);
        let _ended = tokio::time::timeout_at(deadline, connect.send(&call, within)).await;
    }
}
