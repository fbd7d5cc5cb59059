//! Connect retries an invocation up to three times. Property: for generated rules and
//! contacts, invoking the same event again and again converges to the state the first
//! invocation left — attributes and references are overwrites, and a transfer happens once.

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

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(vec!["VOICE", "CHAT", "TASK", "EMAIL"]),
        prop::collection::vec(("[a-z]{1,6}", "[a-z0-9]{1,10}"), 0..4),
        prop::collection::vec(("[a-z]{1,6}", value_template()), 0..5),
        prop::collection::vec(
            (
                "[a-z]{1,6}",
                prop::sample::select(vec!["STRING", "URL", "NUMBER"]),
                "[a-z0-9]{1,8}",
            ),
            0..3,
        ),
        prop::option::of(value_template()),
        prop::option::of("q-[a-z0-9]{1,6}"),
        2..5usize,
    )
        .prop_map(
            |(channel, existing, attributes, references, name, transfer, invocations)| Scenario {
                channel,
                existing,
                attributes,
                references,
                name,
                transfer,
                invocations,
            },
        )
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
    if let Some(queue) = &scenario.transfer {
        actions.insert(
            "transfer".into(),
            json!({ "queue_id": queue, "contact_flow_id": "f-1" }),
        );
    }
    json!({ "rule_sets": { "main": [{ "id": "generated", "actions": actions }] } }).to_string()
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
        ..Contact::default()
    });
    let event = json!({"Details": {
        "ContactData": {
            "ContactId": "c-1", "InitialContactId": "c-1", "Channel": scenario.channel,
            "InstanceARN": format!("arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE}"),
            "Attributes": existing, "CustomerEndpoint": null
        },
        "Parameters": {}
    }});

    let first = function.invoke(event.clone(), None).await;
    let after_first = endpoint.contact(INSTANCE, "c-1").unwrap();
    for _ in 1..scenario.invocations {
        let again = function.invoke(event.clone(), None).await;
        prop_assert_eq!(&again.answer, &first.answer);
        prop_assert_eq!(&endpoint.contact(INSTANCE, "c-1").unwrap(), &after_first);
    }
    let transferable = matches!(scenario.channel, "TASK" | "EMAIL");
    let expected_transfers = usize::from(scenario.transfer.is_some() && transferable);
    prop_assert_eq!(after_first.transfers.len(), expected_transfers);
    prop_assert_eq!(first.answer["status"].as_str(), "ok", "{:?}", first.answer);
    Ok(())
}
