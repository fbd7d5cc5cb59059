//! The connection opened at cold start: the request that opens it leaves as an unsigned
//! `GET /` with nothing of a call in it, and the first real call goes out on that same
//! connection instead of opening its own.

#[allow(dead_code)] // the in-process function, which this does not need
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connect_rules::calls::{AttributesCall, Call, Calls};
use connect_rules::execute::{open_connection, Connect};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Each request as (connection number, request line, its header lines).
type Seen = Arc<Mutex<Vec<(usize, String, Vec<String>)>>>;

/// An HTTP/1.1 server that keeps connections open and answers every request `{}`.
async fn server() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let record = seen.clone();
    tokio::spawn(async move {
        for connection in 0.. {
            let (stream, _) = listener.accept().await.unwrap();
            let record = record.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        stream.read_line(&mut header).await.unwrap();
                        let header = header.trim_end().to_ascii_lowercase();
                        if header.is_empty() {
                            break;
                        }
                        if let Some(value) = header.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap();
                        }
                        headers.push(header);
                    }
                    let mut body = vec![0; length];
                    stream.read_exact(&mut body).await.unwrap();
                    record
                        .lock()
                        .unwrap()
                        .push((connection, line.trim_end().to_owned(), headers));
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                    stream.get_mut().write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn the_first_call_goes_out_on_the_connection_opened_at_cold_start() {
    let (url, seen) = server().await;
    let loader = support::loader(&url);
    let client = Connect::client(loader).await;
    open_connection(&client).await;
    {
        let seen = seen.lock().unwrap();
        let [(0, line, headers)] = seen.as_slice() else {
            panic!("one request on one connection: {seen:?}");
        };
        assert_eq!(line, "GET / HTTP/1.1");
        for header in headers {
            assert!(
                header.starts_with("host:"),
                "nothing of a call leaves with it, no signature: {header}"
            );
        }
    }

    // A 1 s block: each attempt gets less than the longest connect, which must not change
    // the pool the call draws from.
    let connect = Connect::new(client, Duration::from_secs(1));
    let call = Call::UpdateContactAttributes(AttributesCall {
        instance_id: "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa".to_owned(),
        initial_contact_id: "5ca32fbd-8f92-46af-92a5-6b0f970f0efe".to_owned(),
        attributes: BTreeMap::from([("tier".to_owned(), "gold".to_owned())]),
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let outcome = connect.execute(&Calls(vec![call]), deadline).await;
    assert_eq!(outcome.applied().len(), 1, "{outcome:?}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (connection, line, headers) = &seen[1];
    assert_eq!(
        *connection, 0,
        "the call opened a connection of its own: {seen:?}"
    );
    assert!(line.starts_with("POST /contact/attributes"), "{line}");
    assert!(headers.iter().any(|h| h.starts_with("authorization:")));
}
