//! `connect-local --model service-2.json.gz [--listen 127.0.0.1:8080]`: a local Connect
//! endpoint. Point the function at it with `AWS_ENDPOINT_URL_CONNECT=http://127.0.0.1:8080`.

use std::net::SocketAddr;
use std::path::PathBuf;

use connect_local::LocalConnect;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let mut model = None;
    let mut listen: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        match (argument.as_str(), rest.next()) {
            ("--model", Some(path)) => model = Some(PathBuf::from(path)),
            ("--listen", Some(address)) => match address.parse() {
                Ok(address) => listen = address,
                Err(error) => return fail(&format!("--listen {address}: {error}")),
            },
            _ => {
                return fail(
                    "usage: connect-local --model SERVICE_2_JSON [--listen 127.0.0.1:8080]",
                )
            }
        }
    }
    let Some(model) = model else {
        return fail("usage: connect-local --model SERVICE_2_JSON [--listen 127.0.0.1:8080]");
    };
    let endpoint = match LocalConnect::start(&model, listen).await {
        Ok(endpoint) => endpoint,
        Err(error) => return fail(&error.to_string()),
    };
    println!("connect-local listening on {}", endpoint.url());
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}

fn fail(message: &str) -> std::process::ExitCode {
    eprintln!("connect-local: {message}");
    std::process::ExitCode::from(2)
}
