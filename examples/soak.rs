//! The soak: many invocations of the example rules through the handler and its real SDK
//! client, against the local Connect endpoint, a share of them Connect's re-invocations of a
//! contact already served, under a random schedule of throttles, server errors, dropped
//! connections and latency. It reports what must never happen — a contact transferred
//! twice, a follow-up task made twice, an answer past the block's timeout — and exits 1 if
//! any did.
//!
//! `cargo run --release --example soak -- [--invocations N] [--seed N] [--concurrency N]`

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use connect_local::contacts::Contact;
use connect_local::fixtures::{event, event_names, example_rules};
use connect_local::{Fault, FaultKind, LocalConnect};
use connect_rules::rules::RuleBook;
use serde_json::Value;

#[path = "../tests/support/mod.rs"]
mod support;

/// How many of the invocations are Connect invoking again for a contact it already sent.
const REINVOKED_PERCENT: u64 = 20;
/// How many invocations are preceded by one more injected fault.
const FAULTED_PERCENT: u64 = 10;
const OPERATIONS: [&str; 6] = [
    "UpdateContactAttributes",
    "UpdateContact",
    "UpdateContactRoutingData",
    "TransferContact",
    "StartTaskContact",
    "*",
];
const KINDS: [FaultKind; 5] = [
    FaultKind::Throttle,
    FaultKind::ServerError,
    FaultKind::DropBefore,
    FaultKind::DropAfter,
    FaultKind::Latency,
];

struct Settings {
    invocations: u64,
    seed: u64,
    concurrency: usize,
}

/// xorshift64*: a reproducible schedule from `--seed`, with no dependency.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

fn settings() -> Result<Settings, String> {
    let mut settings = Settings {
        invocations: 100_000,
        seed: 1,
        concurrency: 32,
    };
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    for pair in arguments.chunks(2) {
        let value = |name: &str| {
            pair.get(1)
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|v| *v > 0)
                .ok_or(format!("{name} takes a whole number above 0"))
        };
        match pair[0].as_str() {
            "--invocations" => settings.invocations = value("--invocations")?,
            "--seed" => settings.seed = value("--seed")?,
            "--concurrency" => settings.concurrency = value("--concurrency")? as usize,
            other => return Err(format!("unknown argument {other}; see the file's header")),
        }
    }
    Ok(settings)
}

/// The schedule: which contact each invocation is for (a new one, or one invoked before),
/// and the fault, if any, injected just before it.
fn schedule(settings: &Settings, templates: &[Value]) -> (Vec<(Value, Option<Fault>)>, u64) {
    let mut random = Random(settings.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (mut contacts, mut plan, mut reinvoked): (Vec<Value>, _, _) = (Vec::new(), Vec::new(), 0);
    for index in 0..settings.invocations {
        let event = if !contacts.is_empty() && random.below(100) < REINVOKED_PERCENT {
            reinvoked += 1;
            contacts[random.below(contacts.len() as u64) as usize].clone()
        } else {
            let mut event = templates[random.below(templates.len() as u64) as usize].clone();
            let data = &mut event["Details"]["ContactData"];
            let id = format!("soak-{index}");
            data["ContactId"] = id.clone().into();
            data["InitialContactId"] = id.into();
            contacts.push(event.clone());
            event
        };
        let fault = (random.below(100) < FAULTED_PERCENT).then(|| Fault {
            operation: random.pick(&OPERATIONS).to_owned(),
            kind: random.pick(&KINDS),
            count: 1 + random.below(3) as u32,
            latency_ms: 50 + random.below(3_000),
        });
        plan.push((event, fault));
    }
    (plan, reinvoked)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let settings = settings().unwrap_or_else(|message| {
        eprintln!("soak: {message}");
        std::process::exit(2)
    });
    let endpoint = Arc::new(support::local_connect().await);
    let book = RuleBook::load(&example_rules()).expect("the example rules load");
    let budget = book.settings.block_timeout;
    let function = Arc::new(support::function_against(&endpoint, book).await);
    let templates: Vec<Value> = event_names().iter().map(|name| event(name)).collect();
    let (plan, reinvoked) = schedule(&settings, &templates);
    let mut faults: BTreeMap<String, u64> = BTreeMap::new();

    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(settings.concurrency));
    let mut running = Vec::new();
    for (index, (event, fault)) in plan.into_iter().enumerate() {
        if index % 1_000 == 0 {
            // Nothing here reads the requests served; keep memory flat over a long run.
            endpoint.clear_served();
        }
        let permit = semaphore.clone().acquire_owned().await.expect("open");
        endpoint.put_contact_once(&event);
        if let Some(fault) = fault {
            *faults.entry(format!("{:?}", fault.kind)).or_default() += 1;
            endpoint.inject(fault);
        }
        let function = function.clone();
        running.push(tokio::spawn(async move {
            let began = Instant::now();
            let invocation = function.invoke(event, None).await;
            drop(permit);
            (began.elapsed(), invocation.answer)
        }));
    }
    let (mut late, mut slowest, mut answers) = (0usize, Duration::ZERO, BTreeMap::new());
    for invocation in running {
        let (elapsed, answer) = invocation.await.expect("no invocation panics");
        late += usize::from(elapsed > budget);
        slowest = slowest.max(elapsed);
        let outcome = match answer.get("errorCode") {
            Some(code) => format!("error {code}"),
            None => answer.get("status").cloned().unwrap_or_default(),
        };
        *answers.entry(outcome).or_insert(0u64) += 1;
    }
    let (transfers, tasks) = duplicates(&endpoint);
    println!(
        "soak: {} invocations ({reinvoked} re-invocations) in {:.0?}, seed {}, concurrency {}",
        settings.invocations,
        started.elapsed(),
        settings.seed,
        settings.concurrency
    );
    println!("faults injected: {faults:?}");
    println!("answers: {answers:?}");
    println!(
        "duplicate transfers: {transfers}; duplicate tasks: {tasks}; answers past the {budget:?} budget: {late} (slowest {slowest:.2?})"
    );
    if transfers + tasks + late > 0 {
        std::process::exit(1);
    }
}

/// Contacts transferred more than once, and tasks made more than once for one contact.
fn duplicates(endpoint: &LocalConnect) -> (usize, usize) {
    let instance = Contact::from_event(&event("task.json")).instance_id;
    let contacts = endpoint.contacts(&instance);
    let transfers = contacts
        .iter()
        .map(|c| c.transfers.len().saturating_sub(1))
        .sum();
    let mut made: HashMap<(String, Option<String>), usize> = HashMap::new();
    for contact in &contacts {
        if let Some(task) = &contact.task {
            for id in task.linked_contacts() {
                *made
                    .entry((id.to_owned(), contact.name.clone()))
                    .or_default() += 1;
            }
        }
    }
    let tasks = made.values().map(|n| n.saturating_sub(1)).sum();
    (transfers, tasks)
}
