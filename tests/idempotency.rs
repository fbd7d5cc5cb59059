//! Connect retries an invocation up to three times. Property: for generated rules and
//! contacts, invoking the same event again and again converges to the state the first
//! invocation left — attributes, references, expiry and routing priority are overwrites, and
//! a transfer and each follow-up task happen once.

mod support;

use connect_local::contacts::Contact;
use connect_rules::rules::RuleBook;
use proptest::prelude::*;
use serde_json::json;

const INSTANCE: &str = "inst-prop";

#[derive(Debug, Clone)]
struct Scenario {
    channel: &'static str,
    existing: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
    references: Vec<(String, &'static str, String)>,
    name: Option<String>,
    transfer: Option<String>,
    /// Follow-up tasks: name, linked as `previous` or `related`, scheduled or not.
    tasks: Vec<(String, &'static str, bool)>,
    priority: Option<i64>,
    queued: bool,
    expiry_minutes: Option<i64>,
    invocations: usize,
}

fn value_template() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,12}",
        Just("{{ attributes.x | default: 'none' }}".to_owned()),
        Just("{{ contact_id }}".to_owned()),
        Just("{{ channel | lower }}".to_owned()),
    ]
}

fn tasks() -> impl Strategy<Value = Vec<(String, &'static str, bool)>> {
    // Names are unique in a rule set: a map, so none repeats.
    let link = prop::sample::select(vec!["previous", "related"]);
    prop::collection::btree_map("[a-z]{1,6}", (link, any::<bool>()), 0..3).prop_map(|tasks| {
        tasks
            .into_iter()
            .map(|(name, (link, scheduled))| (name, link, scheduled))
            .collect()
    })
}

prop_compose! {
    fn scenario()(
        channel in prop::sample::select(vec!["VOICE", "CHAT", "TASK", "EMAIL"]),
        existing in prop::collection::vec(("[a-z]{1,6}", "[a-z0-9]{1,10}"), 0..4),
        attributes in prop::collection::vec(("[a-z]{1,6}", value_template()), 0..5),
        references in prop::collection::vec(
            ("[a-z]{1,6}", prop::sample::select(vec!["STRING", "URL", "NUMBER"]), "[a-z0-9]{1,8}"),
            0..3,
        ),
        name in prop::option::of(value_template()),
        transfer in prop::option::of("q-[a-z0-9]{1,6}"),
        tasks in tasks(),
        priority in prop::option::of(1..10i64),
        queued in any::<bool>(),
        expiry_minutes in prop::option::of(1..20_000i64),
        invocations in 2..5usize,
    ) -> Scenario {
        Scenario { channel, existing, attributes, references, name, transfer, tasks, priority, queued, expiry_minutes, invocations }
    }
}

fn rules(scenario: &Scenario) -> String {
    let mut actions = serde_json::Map::new();
    if !scenario.attributes.is_empty() {
        let attributes: serde_json::Map<_, _> = scenario
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        actions.insert("set_attributes".into(), attributes.into());
    }
    if !scenario.references.is_empty() {
        let references: serde_json::Map<_, _> = scenario
            .references
            .iter()
            .map(|(name, kind, value)| {
                let value = match *kind {
                    "URL" => format!("https://crm.example.com/{value}"),
                    "NUMBER" => value.bytes().map(|b| (b % 10).to_string()).collect(),
                    _ => value.clone(),
                };
                (name.clone(), json!({ "type": kind, "value": value }))
            })
            .collect();
        actions.insert("add_references".into(), references.into());
    }
    if let Some(name) = &scenario.name {
        actions.insert("update_contact".into(), json!({ "name": name }));
    }
    let tasks: serde_json::Map<_, _> = scenario
        .tasks
        .iter()
        .map(|(name, link, scheduled)| {
            let mut task = json!({
                "name": format!("{name} for {{{{ contact_id }}}}"),
                "contact_flow_id": "f-task",
                "link": link,
                "attributes": { "from": "{{ channel }}" },
            });
            if *scheduled {
                // An absolute time: every retry sends the same request.
                task["schedule"] = json!({ "at": (unix_now() + 3600).to_string() });
            }
            (name.clone(), task)
        })
        .collect();
    if !tasks.is_empty() {
        actions.insert("create_task".into(), tasks.into());
    }
    if let Some(priority) = scenario.priority {
        actions.insert("set_routing".into(), json!({ "queue_priority": priority }));
    }
    if let Some(minutes) = scenario.expiry_minutes {
        actions.insert("contact_expiry".into(), json!(minutes.to_string()));
    }
    if let Some(queue) = &scenario.transfer {
        actions.insert(
            "transfer".into(),
            json!({ "queue_id": queue, "contact_flow_id": "f-1" }),
        );
    }
    json!({ "rule_sets": { "main": [{ "id": "generated", "actions": actions }] } }).to_string()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn repeated_invocations_converge_to_the_first_ones_state(scenario in scenario()) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(check(scenario))?;
    }
}

async fn check(scenario: Scenario) -> Result<(), TestCaseError> {
    let endpoint = support::local_connect().await;
    let book = RuleBook::from_source(&rules(&scenario), "generated.json").unwrap();
    let function = support::function_against(&endpoint, book).await;

    let existing: serde_json::Map<_, _> = scenario
        .existing
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    endpoint.put_contact(Contact {
        instance_id: INSTANCE.into(),
        contact_id: "c-1".into(),
        channel: scenario.channel.into(),
        active: true,
        attributes: serde_json::from_value(existing.clone().into()).unwrap(),
        queue_id: scenario.queued.then(|| "q-waiting".to_owned()),
        ..Contact::default()
    });
    let queue = match scenario.queued {
        true => {
            json!({ "ARN": format!("arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE}/queue/q-waiting"), "Name": "Waiting" })
        }
        false => json!(null),
    };
    let event = json!({"Details": {
        "ContactData": {
            "ContactId": "c-1", "InitialContactId": "c-1", "Channel": scenario.channel,
            "InstanceARN": format!("arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE}"),
            "Attributes": existing, "CustomerEndpoint": null, "Queue": queue
        },
        "Parameters": {}
    }});

    let first = function.invoke(event.clone(), None).await;
    let after_first = endpoint.contacts(INSTANCE);
    for _ in 1..scenario.invocations {
        let again = function.invoke(event.clone(), None).await;
        prop_assert_eq!(&again.answer, &first.answer);
        prop_assert_eq!(&endpoint.contacts(INSTANCE), &after_first);
    }
    prop_assert_eq!(
        after_first.len(),
        1 + scenario.tasks.len(),
        "one of each task"
    );
    let contact = endpoint.contact(INSTANCE, "c-1").unwrap();
    let routed = scenario.priority.filter(|_| scenario.queued);
    prop_assert_eq!(contact.queue_priority, routed);
    prop_assert_eq!(
        contact.expiry_minutes,
        scenario.expiry_minutes.filter(|_| transferable(&scenario))
    );
    let expected_transfers = usize::from(scenario.transfer.is_some() && transferable(&scenario));
    prop_assert_eq!(contact.transfers.len(), expected_transfers);
    prop_assert_eq!(first.answer["status"].as_str(), "ok", "{:?}", first.answer);
    Ok(())
}

/// TASK and EMAIL contacts take transfers and an expiry; others have both refused.
fn transferable(scenario: &Scenario) -> bool {
    matches!(scenario.channel, "TASK" | "EMAIL")
}
