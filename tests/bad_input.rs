//! Input from people and systems we do not control: no panic anywhere, and every rejection
//! a clear message naming what was wrong and where.

use std::time::SystemTime;

use connect_local::fixtures::{event, event_bytes, example_rules};
use connect_rules::contact::Contact;
use connect_rules::event::FlowEvent;
use connect_rules::function::Function;
use connect_rules::plan::{plan, PlanError};
use connect_rules::rules::RuleBook;
use connect_rules::template::{Encoding, Template};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The task event with no block parameters, so a one-set rules file applies.
fn task() -> Value {
    let mut event = event("task.json");
    event["Details"]["Parameters"] = json!({});
    event
}

fn book(source: &str) -> RuleBook {
    RuleBook::from_source(source, "test.yaml").unwrap()
}

fn plan_for(source: &str, event: Value) -> Result<connect_rules::plan::Plan, PlanError> {
    let contact = Contact::new(FlowEvent::from_value(event).unwrap(), SystemTime::now());
    plan(&book(source), &contact)
}

#[test]
fn non_json_and_truncated_bodies_name_the_position() {
    let bytes = event_bytes("task.json");
    let json_end = bytes.trim_ascii_end().len();
    for end in (0..json_end).step_by(7) {
        let error = FlowEvent::from_slice(&bytes[..end]).unwrap_err();
        assert!(error.path.starts_with("line "), "{error}");
    }
    let error = FlowEvent::from_slice(b"not json").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the event is not a Connect flow event: line 1 column 2: expected ident at line 1 column 2"
    );
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        r#"{{"Details": {{"ContactData": {{"ContactId": "c", "InstanceARN": "a"}}, "Parameters": {{"x": {nested}}}}}}}"#
    );
    let error = FlowEvent::from_slice(body.as_bytes()).unwrap_err();
    assert!(
        error.message.contains("recursion limit exceeded"),
        "{error}"
    );
}

#[test]
fn wrong_types_everywhere_name_their_field() {
    let cases = [
        (
            "/Details/ContactData/ContactId",
            json!(42),
            "Details.ContactData.ContactId",
        ),
        (
            "/Details/ContactData/Channel",
            json!(["TASK"]),
            "Details.ContactData.Channel",
        ),
        (
            "/Details/ContactData/Attributes",
            json!("x"),
            "Details.ContactData.Attributes",
        ),
        (
            "/Details/ContactData/Attributes/priority",
            json!(1),
            "Details.ContactData.Attributes.priority",
        ),
        (
            "/Details/ContactData/References",
            json!([]),
            "Details.ContactData.References",
        ),
        (
            "/Details/ContactData/References/caseLink/Value",
            json!({}),
            "Details.ContactData.References.caseLink.Value",
        ),
        (
            "/Details/ContactData/Queue",
            json!("BasicQueue"),
            "Details.ContactData.Queue",
        ),
        (
            "/Details/ContactData/InstanceARN",
            Value::Null,
            "Details.ContactData.InstanceARN",
        ),
        (
            "/Details/Parameters",
            json!("ruleSet"),
            "Details.Parameters",
        ),
        ("/Details", json!(1), "Details"),
    ];
    for (pointer, wrong, path) in cases {
        let mut event = task();
        *event.pointer_mut(pointer).unwrap() = wrong;
        let error = FlowEvent::from_value(event).unwrap_err();
        assert_eq!(error.path, path, "{error}");
        assert!(error.message.starts_with("invalid type: "), "{error}");
    }
}

#[test]
fn a_bad_event_is_answered_and_the_function_keeps_serving() {
    let rules = example_rules();
    let function = Function::new(RuleBook::load(&rules).unwrap(), None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bad = runtime.block_on(function.invoke(json!({"Details": {"ContactData": 7}}), None));
    assert_eq!(bad.answer["errorCode"], "InvalidEvent");
    let good = runtime.block_on(function.invoke(task(), None));
    assert_eq!(good.answer["status"], "ok");
}

const COPY_BIG: &str = "rule_sets:\n  main:\n    - id: copy\n      actions:\n        set_attributes:\n          copy: \"{{ attributes.big }}\"\n";

#[test]
fn a_1_mb_attribute_value_is_refused_before_any_call() {
    let mut event = task();
    event["Details"]["ContactData"]["Attributes"] = json!({"big": "x".repeat(1 << 20)});
    assert_eq!(
        plan_for(COPY_BIG, event).unwrap_err().code(),
        "AttributesTooLarge"
    );
}

#[test]
fn attributes_over_32768_bytes_in_all_are_refused() {
    let mut event = task();
    event["Details"]["ContactData"]["Attributes"] = json!({"big": "x".repeat(20_000)});
    let error = plan_for(COPY_BIG, event).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the contact's attributes would take 40007 bytes; Connect holds at most 32768"
    );
}

#[test]
fn references_over_4096_bytes_in_all_are_refused() {
    let source = "rule_sets:\n  main:\n    - id: refs\n      actions:\n        add_references:\n          \
                  a: {type: STRING, value: \"{{ attributes.a }}\"}\n          b: {type: STRING, value: \"{{ attributes.a }}\"}\n";
    let mut event = task();
    event["Details"]["ContactData"]["Attributes"] = json!({"a": "y".repeat(2_500)});
    let error = plan_for(source, event).unwrap_err();
    assert_eq!(error.code(), "ReferencesTooLarge");
    assert!(
        error
            .to_string()
            .starts_with("the contact's references would take 5"),
        "{error}"
    );
}

#[test]
fn url_references_fed_script_and_other_schemes_stay_safe() {
    let source =
        "rule_sets:\n  main:\n    - id: link\n      actions:\n        add_references:\n          \
                  crm: {type: URL, value: \"https://crm.example.com/c/{{ attributes.q }}\"}\n";
    for hostile in [
        "javascript:alert(1)",
        "\"><script>alert(1)</script>",
        "//evil.example.com",
        "../../admin",
    ] {
        let mut event = task();
        event["Details"]["ContactData"]["Attributes"] = json!({"q": hostile});
        let plan = plan_for(source, event).unwrap();
        let calls = serde_json::to_value(&plan.calls).unwrap();
        let url = calls["UpdateContact"]["References"]["crm"]["Value"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("https://crm.example.com/c/"), "{url}");
        let rest = &url["https://crm.example.com/c/".len()..];
        assert!(
            rest.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"%-_.~".contains(&b)),
            "{url}"
        );
    }
}

#[test]
fn a_regex_that_backtracks_catastrophically_elsewhere_runs_in_linear_time_here() {
    let source = "rule_sets:\n  main:\n    - id: re\n      when: {field: attributes.s, matches: \"^(a+)+$\"}\n";
    let mut event = task();
    event["Details"]["ContactData"]["Attributes"] =
        json!({"s": format!("{}b", "a".repeat(100_000))});
    let plan = plan_for(source, event).unwrap();
    assert!(plan.matched_rules.is_empty());
}

#[test]
fn a_template_reading_a_missing_field_names_rule_value_and_field() {
    let source = "rule_sets:\n  main:\n    - id: needs\n      actions:\n        return: {x: \"{{ attributes.nope }}\"}\n";
    assert_eq!(
        plan_for(source, task()).unwrap_err().to_string(),
        "rule `needs`: actions.return.x: `attributes.nope` is missing (the rule says on_missing: fail)"
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "Details",
                    "ContactData",
                    "Parameters",
                    "ContactId",
                    "InstanceARN",
                    "Channel",
                    "Attributes",
                    "References",
                    "Queue",
                    "CustomerEndpoint",
                    "Address",
                    "Type",
                    "Value",
                    "Name",
                    "x",
                ])
                .prop_map(str::to_owned),
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A member of the task event to replace with any JSON value, or to remove.
fn mutation() -> impl Strategy<Value = (String, Option<Value>)> {
    let locations = vec![
        "Details",
        "Details.ContactData",
        "Details.Parameters",
        "Details.Parameters.ruleSet",
        "Details.ContactData.ContactId",
        "Details.ContactData.InstanceARN",
        "Details.ContactData.Channel",
        "Details.ContactData.Attributes",
        "Details.ContactData.Attributes.caseId",
        "Details.ContactData.References",
        "Details.ContactData.References.caseLink",
        "Details.ContactData.References.caseLink.Type",
        "Details.ContactData.Queue",
        "Details.ContactData.CustomerEndpoint",
        "Details.ContactData.Name",
    ];
    (
        prop::sample::select(locations).prop_map(str::to_owned),
        prop::option::of(json_value()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn event_parsing_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = FlowEvent::from_slice(&bytes);
    }

    #[test]
    fn event_parsing_rejects_with_a_path((location, replacement) in mutation()) {
        let mut event = task();
        let (parent, member) = location.rsplit_once('.').unwrap_or(("", location.as_str()));
        let holder = parent.split('.').filter(|s| !s.is_empty()).fold(&mut event, |v, key| &mut v[key]);
        match replacement {
            Some(value) => holder[member] = value,
            None => { holder.as_object_mut().unwrap().remove(member); }
        }
        // The task event parses, so any rejection is the mutation's: the path must lead to it.
        if let Err(error) = FlowEvent::from_value(event) {
            let reported = error.path.replace("(top level)", "");
            if reported.starts_with(&location) {
                prop_assert!(!error.message.is_empty());
            } else {
                // A missing member is reported at its parent, and named in the message.
                prop_assert_eq!(reported.as_str(), parent, "{}", error);
                prop_assert!(error.message.contains(&format!("`{member}`")), "{}", error);
            }
        }
    }

    #[test]
    fn rules_loading_never_panics_and_every_problem_is_said(source in "(rule_sets|settings|id|when|field|actions|set_attributes|transfer|queue_id|[:{}\\[\\], \n-]|[a-z]{1,5}|\"|\\{\\{|\\}\\}){0,60}") {
        if let Err(error) = RuleBook::from_source(&source, "fuzz.yaml") {
            let report = error.to_string();
            let lines: Vec<&str> = report.lines().collect();
            let count = error.problems.len();
            prop_assert_eq!(lines.len(), count + 1, "one line per problem and a total: {}", report);
            let total = format!("fuzz.yaml: {count} problem{}", if count == 1 { "" } else { "s" });
            prop_assert_eq!(lines[count], total.as_str());
            let file_lines = source.lines().count().max(1);
            for (problem, line) in error.problems.iter().zip(&lines) {
                prop_assert!(!problem.message.is_empty() && line.ends_with(&problem.message), "{}", line);
                prop_assert!(line.starts_with("fuzz.yaml"), "{}", line);
                let within = problem.line.is_none_or(|n| (1..=file_lines).contains(&n));
                prop_assert!(within, "line {:?} of {}: {}", problem.line, file_lines, line);
            }
        }
    }

    #[test]
    fn templates_never_panic(text in "(\\{\\{|\\}\\}|\\||default|:|'|\"|url|raw|attributes\\.x|name| |[a-z]{1,3}|é){0,20}") {
        if let Ok(template) = Template::parse(&text) {
            let contact = Contact::new(FlowEvent::from_value(task()).unwrap(), SystemTime::now());
            let _ = template.render(&contact, Encoding::Plain);
            let _ = template.render(&contact, Encoding::UrlParts);
        }
    }
}
