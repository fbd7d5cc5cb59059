//! The floor connect-rules is measured against: the same Connect client, built the same way
//! at cold start, making the same calls the same way (updates together, then the transfer).
//! Its event is a plan's calls as `connect-rules invoke` prints them, so it has no rules, no
//! checks and no answer logic.

use std::time::Duration;

use connect_rules::calls::Calls;
use connect_rules::execute::Connect;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use tokio::time::Instant;

/// The same budget connect-rules gives the example rules (3 s block timeout).
const BLOCK_TIMEOUT: Duration = Duration::from_secs(3);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let connect = Connect::new(Connect::client(Connect::environment()).await, BLOCK_TIMEOUT);
    let connect = &connect;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Calls>| async move {
        let started = Instant::now();
        let outcome = connect
            .execute(&event.payload, started + BLOCK_TIMEOUT)
            .await;
        // How long the calls took as the SDK saw them, without the emulator and the runtime:
        // for a one-call plan, one Connect call's latency.
        let calls_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok::<Value, Error>(json!({ "applied": outcome.applied().len(), "calls_ms": calls_ms }))
    }))
    .await
}
