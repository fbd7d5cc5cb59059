//! The local endpoint with a few contacts, and the real SDK client pointed at it.

use std::net::SocketAddr;

use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_connect::error::ProvideErrorMetadata;
use aws_sdk_connect::Client;
use connect_local::contacts::Contact;
use connect_local::{find_model, LocalConnect};

pub const INSTANCE: &str = "inst-1";

pub async fn endpoint() -> LocalConnect {
    let model = find_model()
        .expect("the Connect API model: set CONNECT_MODEL or run scripts/test, which installs it");
    let address: SocketAddr = ([127, 0, 0, 1], 0).into();
    let endpoint = LocalConnect::start(&model, address).await.unwrap();
    for (id, channel, active) in [
        ("task", "TASK", true),
        ("email", "EMAIL", true),
        ("voice", "VOICE", true),
        ("done", "TASK", false),
        ("queued", "VOICE", true),
    ] {
        endpoint.put_contact(Contact {
            instance_id: INSTANCE.into(),
            contact_id: id.into(),
            channel: channel.into(),
            active,
            queue_id: (id == "queued").then(|| "q-1".to_owned()),
            ..Contact::default()
        });
    }
    endpoint
}

pub fn client(endpoint: &LocalConnect) -> Client {
    let config = aws_sdk_connect::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDLOCAL", "secret", None, None, "test"))
        .endpoint_url(endpoint.url())
        .retry_config(aws_sdk_connect::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

pub fn code<E: ProvideErrorMetadata>(error: E) -> String {
    error.code().unwrap_or("none").to_owned()
}
