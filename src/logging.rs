//! Logs through `tracing`, honouring Lambda's log controls (`AWS_LAMBDA_LOG_FORMAT`,
//! `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`) as the runtime's own subscriber does.
//!
//! Unlike that subscriber, dependencies are held at INFO or less whatever the level:
//! `lambda_runtime` and the SDK log whole request and event bodies at DEBUG and TRACE, and
//! those hold callers' phone numbers and attribute values.

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub fn init<W>(writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|text| LevelFilter::from_str(&text).ok())
        .unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let filter = Targets::new()
        .with_default(level.min(LevelFilter::INFO))
        .with_target("connect_rules", level);
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .with_writer(writer);
    // A second init (tests, the CLI after an error) keeps the first subscriber.
    let _already_set = if json {
        subscriber.json().finish().with(filter).try_init()
    } else {
        subscriber.finish().with(filter).try_init()
    };
}
