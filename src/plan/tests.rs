use super::*;
use crate::calls::{AttributesCall, Call, ContactCall, TransferTarget};
use crate::event::FlowEvent;
use std::time::{Duration, UNIX_EPOCH};

fn attributes(plan: &Plan) -> Option<&AttributesCall> {
    plan.calls.iter().find_map(|call| match call {
        Call::UpdateContactAttributes(call) => Some(call),
        _ => None,
    })
}

fn contact_update(plan: &Plan) -> Option<&ContactCall> {
    plan.calls.iter().find_map(|call| match call {
        Call::UpdateContact(call) => Some(call),
        _ => None,
    })
}

const RULES: &str = r#"
settings:
  default_rule_set: main
rule_sets:
  main:
    - id: tier
      when: {field: attributes.tier, equals: gold}
      actions:
        set_attributes: {priority: "1", tier_seen: "yes"}
        return: {route: gold}
    - id: override
      actions:
        set_attributes: {priority: "2"}
    - id: halt
      stop: true
    - id: never
      actions:
        set_attributes: {unreachable: "x"}
  tasks:
    - id: to-queue
      when: {field: channel, one_of: [TASK, EMAIL]}
      actions:
        transfer: {queue_id: "{{ parameters.queue | default: 'q-default' }}", contact_flow_id: f-1}
  strict:
    - id: needs-case
      actions:
        set_attributes: {case: "{{ attributes.caseId }}"}
  lenient:
    - id: maybe-case
      on_missing: skip
      actions:
        set_attributes: {case: "{{ attributes.caseId }}", fixed: "v"}
  links:
    - id: link
      actions:
        add_references:
          crm: {type: URL, value: "https://crm.example.com/c?q={{ attributes.q }}"}
  raw-links:
    - id: raw
      actions:
        add_references:
          crm: {type: URL, value: "{{ attributes.q | raw }}"}
  two-transfers:
    - id: first
      actions: {transfer: {queue_id: q-1, contact_flow_id: f}}
    - id: second
      actions: {transfer: {user_id: u-1, contact_flow_id: f}}
"#;

fn book() -> RuleBook {
    RuleBook::from_source(RULES, "test").unwrap()
}

fn contact(channel: &str, attributes: serde_json::Value, parameters: serde_json::Value) -> Contact {
    let event = FlowEvent::from_value(serde_json::json!({"Details": {
        "ContactData": {
            "ContactId": "c-2", "InitialContactId": "c-1", "Channel": channel,
            "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/inst",
            "Attributes": attributes
        },
        "Parameters": parameters
    }}))
    .unwrap();
    Contact::new(event, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

fn plan_for(rule_set: &str, attributes: serde_json::Value) -> Result<Plan, PlanError> {
    let contact = contact("TASK", attributes, serde_json::json!({"ruleSet": rule_set}));
    plan(&book(), &contact)
}

#[test]
fn rules_apply_in_order_later_values_win_and_stop_halts() {
    let contact = contact(
        "VOICE",
        serde_json::json!({"tier": "gold"}),
        serde_json::json!({}),
    );
    let plan = plan(&book(), &contact).unwrap();
    assert_eq!(plan.rule_set, "main");
    assert_eq!(plan.matched_rules, ["tier", "override", "halt"]);
    let call = attributes(&plan).unwrap();
    assert_eq!(
        call.initial_contact_id, "c-1",
        "attributes are written on the initial contact"
    );
    assert_eq!(call.instance_id, "inst");
    assert_eq!(
        call.attributes,
        BTreeMap::from([
            ("priority".into(), "2".into()),
            ("tier_seen".into(), "yes".into())
        ])
    );
    assert_eq!(plan.answer["route"], "gold");
    assert!(contact_update(&plan).is_none() && plan.calls.transfer().is_none());
}

#[test]
fn rule_sets_are_chosen_by_the_block_parameter() {
    let contact = |ruleset: &str| {
        contact(
            "TASK",
            serde_json::json!({}),
            serde_json::json!({"ruleSet": ruleset}),
        )
    };
    assert_eq!(plan(&book(), &contact("tasks")).unwrap().rule_set, "tasks");
    assert_eq!(
        plan(&book(), &contact("nope")).unwrap_err().to_string(),
        "the block parameter `ruleSet` names rule set `nope`, which the rules file does not have; \
         it has: lenient, links, main, raw-links, strict, tasks, two-transfers"
    );
    let mut no_default = book();
    no_default.settings.default_rule_set = None;
    let plain = self::contact("TASK", serde_json::json!({}), serde_json::json!({}));
    assert_eq!(plan(&no_default, &plain).unwrap_err().code(), "NoRuleSet");
}

#[test]
fn transfers_only_tasks_and_emails_with_a_derived_token() {
    let task = contact(
        "TASK",
        serde_json::json!({}),
        serde_json::json!({"ruleSet": "tasks", "queue": "q-9"}),
    );
    let transfer = plan(&book(), &task)
        .unwrap()
        .calls
        .transfer()
        .cloned()
        .unwrap();
    assert_eq!(transfer.target, TransferTarget::Queue("q-9".into()));
    assert_eq!(
        transfer.contact_id, "c-2",
        "the current contact is transferred"
    );
    let again = plan(&book(), &task)
        .unwrap()
        .calls
        .transfer()
        .cloned()
        .unwrap();
    assert_eq!(
        transfer.client_token, again.client_token,
        "the same intent gives the same token"
    );
    assert_eq!(transfer.client_token.len(), 64);

    let voice = contact(
        "VOICE",
        serde_json::json!({}),
        serde_json::json!({"ruleSet": "tasks"}),
    );
    let refused = plan(&book(), &voice).unwrap();
    assert!(refused.calls.transfer().is_none());
    assert!(
        refused.matched_rules.is_empty(),
        "the rule's condition excludes voice"
    );
}

#[test]
fn a_voice_contact_is_never_transferred_and_the_plan_says_why() {
    let voice = contact(
        "VOICE",
        serde_json::json!({}),
        serde_json::json!({"ruleSet": "two-transfers"}),
    );
    let plan = plan(&book(), &voice).unwrap();
    assert!(plan.calls.transfer().is_none());
    assert_eq!(
        plan.refused.get("transferRefused").map(String::as_str),
        Some("rule `first`: a VOICE contact cannot be transferred; TransferContact takes TASK and EMAIL contacts only")
    );
}

#[test]
fn two_transfers_in_one_invocation_are_refused() {
    assert_eq!(
        plan_for("two-transfers", serde_json::json!({})).unwrap_err(),
        PlanError::Action(ActionError::ConflictingTransfers {
            first: "first".into(),
            second: "second".into()
        })
    );
}

#[test]
fn missing_values_fail_or_skip_as_the_rule_says() {
    assert_eq!(
        plan_for("strict", serde_json::json!({})).unwrap_err().to_string(),
        "rule `needs-case`: actions.set_attributes.case: `attributes.caseId` is missing (the rule says on_missing: fail)"
    );
    let lenient = plan_for("lenient", serde_json::json!({})).unwrap();
    assert_eq!(lenient.skipped, ["maybe-case.actions.set_attributes.case"]);
    assert_eq!(
        attributes(&lenient).unwrap().attributes,
        BTreeMap::from([("fixed".into(), "v".into())])
    );
}

#[test]
fn url_references_stay_on_their_site() {
    let encoded = plan_for(
        "links",
        serde_json::json!({"q": "\"><script>alert(1)</script>"}),
    )
    .unwrap();
    let reference = &contact_update(&encoded).unwrap().references["crm"];
    assert_eq!(
        reference.value,
        "https://crm.example.com/c?q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
    );
    assert_eq!(
        plan_for("raw-links", serde_json::json!({"q": "javascript:alert(1)"}))
            .unwrap_err()
            .to_string(),
        "rule `raw`: actions.add_references.crm: is not an http or https URL"
    );
    assert!(plan_for(
        "raw-links",
        serde_json::json!({"q": "https://crm.example.com/x"})
    )
    .is_ok());
}

#[test]
fn totals_include_what_the_contact_already_holds() {
    let existing = serde_json::json!({"big": "x".repeat(32_760), "tier": "gold"});
    let contact = contact("VOICE", existing, serde_json::json!({}));
    assert_eq!(
        plan(&book(), &contact).unwrap_err(),
        PlanError::Action(ActionError::AttributesTooLarge { bytes: 32_792 })
    );
    let replaced = serde_json::json!({"q": "x".repeat(5000)});
    assert!(matches!(
        plan_for("links", replaced),
        Err(PlanError::Action(ActionError::InvalidValue { .. }))
    ));
}

#[test]
fn summaries_name_keys_never_values() {
    let contact = contact(
        "VOICE",
        serde_json::json!({"tier": "gold"}),
        serde_json::json!({}),
    );
    let summary = plan(&book(), &contact).unwrap().calls.summary();
    assert_eq!(summary, "UpdateContactAttributes(priority tier_seen)");
    let task = plan_for("tasks", serde_json::json!({}))
        .unwrap()
        .calls
        .summary();
    assert_eq!(task, "TransferContact(QueueId=q-default ContactFlowId=f-1)");
}

mod round_trip {
    use super::*;

    #[test]
    fn printed_calls_read_back_as_the_same_calls() {
        use connect_local::fixtures::{event_bytes, example_rules};
        let book = RuleBook::load(&example_rules()).unwrap();
        let event = crate::event::FlowEvent::from_slice(&event_bytes("task.json")).unwrap();
        let mut calls = plan(&book, &Contact::new(event, std::time::SystemTime::now()))
            .unwrap()
            .calls;
        let printed = serde_json::to_string(&calls).unwrap();
        let read: Calls = serde_json::from_str(&printed).unwrap();
        // The rule id is ours, not a request parameter: it is not printed.
        for call in &mut calls.0 {
            if let crate::calls::Call::TransferContact(transfer) = call {
                transfer.rule.clear();
            }
        }
        assert_eq!(read, calls);
    }
}
