//! For tests that run the handler in-process against the local Connect endpoint.

use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_sdk_connect::config::Credentials;
use connect_local::{find_model, LocalConnect};
use connect_rules::execute::Connect;
use connect_rules::function::Function;
use connect_rules::rules::RuleBook;

/// A local endpoint on a free loopback port.
pub async fn local_connect() -> LocalConnect {
    let model = find_model().expect("the Connect API model: set CONNECT_MODEL or run scripts/test");
    LocalConnect::start(&model, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

/// The settings of a client that talks to the endpoint at `url`, with local credentials.
pub fn loader(url: &str) -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDLOCAL",
            "local-secret",
            None,
            None,
            "test",
        ))
}

/// The function with its real SDK client, built as at cold start, talking to `endpoint`.
pub async fn function_against(endpoint: &LocalConnect, book: RuleBook) -> Function {
    let loader = loader(&endpoint.url());
    let connect = Connect::new(Connect::client(loader).await, book.settings.block_timeout);
    Function::new(book, Some(connect))
}
