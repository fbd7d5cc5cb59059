//! Calls share the client's connection: one made with little of its budget left goes out on
//! the connection the one before it opened, instead of opening its own. The call the cold
//! start rehearses is never sent.

#[allow(dead_code)] // the in-process function, which this does not need
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connect_rules::calls::{AttributesCall, Call, Calls};
use connect_rules::execute::Connect;
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
async fn a_call_with_little_budget_left_goes_out_on_the_open_connection() {
    let (url, seen) = server().await;
    let client = Connect::client(support::loader(&url)).await;
    // A 1 s block: each attempt gets a third of it, and the second call less than that.
    let connect = Connect::new(client, Duration::from_secs(1));
    let calls = Calls(vec![tier_gold()]);
    for budget in [Duration::from_secs(1), Duration::from_millis(200)] {
        let outcome = connect
            .execute(&calls, tokio::time::Instant::now() + budget)
            .await;
        assert_eq!(outcome.applied().len(), 1, "{outcome:?}");
    }
    let seen = seen.lock().unwrap();
    let connections: Vec<usize> = seen.iter().map(|(connection, _, _)| *connection).collect();
    assert_eq!(connections, [0, 0], "{seen:?}");
    for (_, line, headers) in seen.iter() {
        assert!(line.starts_with("POST /contact/attributes"), "{line}");
        assert!(headers.iter().any(|h| h.starts_with("authorization:")));
    }
}

#[tokio::test]
async fn a_rehearsed_call_is_never_sent_and_the_first_real_one_is() {
    let (url, seen) = server().await;
    let client = Connect::client(support::loader(&url)).await;
    Connect::rehearse(client.clone()).await;
    let connect = Connect::new(client, Duration::from_secs(1));
    let outcome = connect
        .execute(
            &Calls(vec![tier_gold()]),
            tokio::time::Instant::now() + Duration::from_secs(1),
        )
        .await;
    assert_eq!(outcome.applied().len(), 1, "{outcome:?}");
    // One request, the real call's: the rehearsal sent nothing.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (_, line, headers) = &seen[0];
    assert!(line.starts_with("POST /contact/attributes"), "{line}");
    assert!(headers.iter().any(|h| h.starts_with("authorization:")));
}

fn tier_gold() -> Call {
    Call::UpdateContactAttributes(AttributesCall {
        instance_id: "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa".to_owned(),
        initial_contact_id: "5ca32fbd-8f92-46af-92a5-6b0f970f0efe".to_owned(),
        attributes: BTreeMap::from([("tier".to_owned(), "gold".to_owned())]),
    })
}
