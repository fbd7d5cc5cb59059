use super::*;

fn problems(source: &str) -> Vec<String> {
    match RuleBook::from_source(source, "r.yaml") {
        Ok(_) => panic!("expected problems in:\n{source}"),
        Err(error) => error
            .problems
            .iter()
            .map(|p| p.display(&error.origin))
            .collect(),
    }
}

fn one_problem(source: &str) -> String {
    let mut all = problems(source);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

/// A one-rule file around `rule`, which is indented as a list item under `main`.
fn rule(rule: &str) -> String {
    let body: String = rule.lines().map(|line| format!("    {line}\n")).collect();
    format!("rule_sets:\n  main:\n{body}")
}

#[test]
fn the_example_rules_file_is_valid() {
    let book = RuleBook::load(&connect_local::fixtures::example_rules()).unwrap();
    assert_eq!(book.rule_sets.len(), 5);
    assert_eq!(book.settings.default_rule_set.as_deref(), Some("inbound"));
    assert_eq!(book.settings.block_timeout, Duration::from_secs(3));
}

#[test]
fn every_problem_is_reported_at_once_with_its_line() {
    let source = std::fs::read_to_string(
        connect_local::fixtures::workspace().join("tests/data/five-mistakes.yaml"),
    )
    .unwrap();
    let error = RuleBook::from_source(&source, "five.yaml").unwrap_err();
    let lines: Vec<_> = error.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(7), Some(11), Some(14), Some(21), Some(25)]);
    assert!(error.to_string().ends_with("five.yaml: 5 problems"));
}

#[test]
fn unknown_keys_anywhere() {
    let all = problems(
        "settings:\n  on_eror: raise\nrule_sets:\n  main:\n    - id: a\n      stop: true\n      actoins: {}\n",
    );
    assert_eq!(
        all,
        [
            "r.yaml:2: settings.on_eror: unknown key `on_eror`; did you mean `on_error`?",
            "r.yaml:7: rule `a` in rule set `main`: actoins: unknown key `actoins`; did you mean `actions`?",
        ]
    );
}

#[test]
fn duplicate_rule_ids() {
    assert_eq!(
        one_problem(&rule("- id: a\n- id: a\n")),
        "r.yaml:4: rule `a` in rule set `main`: id: duplicate rule id `a` in rule set `main`"
    );
}

#[test]
fn rule_ids_are_keys() {
    assert_eq!(
        one_problem(&rule("- id: a,b\n")),
        "r.yaml:3: rule `a,b` in rule set `main`: id: rule id: key `a,b` has the character ','; \
         keys take only letters, digits, `-` and `_`"
    );
}

#[test]
fn bad_regular_expressions() {
    assert_eq!(
        one_problem(&rule(
            "- id: a\n  when:\n    field: name\n    matches: '[a-'\n"
        )),
        "r.yaml:6: rule `a` in rule set `main`: when.matches: bad regular expression `[a-`: \
         unclosed character class"
    );
}

#[test]
fn unknown_fields_in_conditions_and_templates() {
    let all = problems(&rule(
        "- id: a\n  when:\n    field: queue.id\n    exists: true\n  actions:\n    return:\n      x: '{{ caller }}'\n",
    ));
    assert_eq!(all.len(), 2);
    assert!(all[0].starts_with(
        "r.yaml:5: rule `a` in rule set `main`: when.field: unknown contact field `queue.id`"
    ));
    assert!(all[1].starts_with(
        "r.yaml:9: rule `a` in rule set `main`: actions.return.x: unknown contact field `caller`"
    ));
}

#[test]
fn template_syntax() {
    assert_eq!(
        one_problem(&rule(
            "- id: a\n  actions:\n    return:\n      x: '{{ name | shout }}'\n"
        )),
        "r.yaml:6: rule `a` in rule set `main`: actions.return.x: unknown filter `shout`; \
         filters are default: \"text\", url, lower, upper, raw"
    );
}

#[test]
fn transfers_name_one_target_and_a_flow() {
    let both = "- id: a\n  actions:\n    transfer:\n      queue_id: q\n      user_id: u\n      contact_flow_id: f\n";
    assert_eq!(
        one_problem(&rule(both)),
        "r.yaml:5: rule `a` in rule set `main`: actions.transfer: \
         a transfer names a `queue_id` or a `user_id`, not both"
    );
    let neither = "- id: a\n  actions:\n    transfer:\n      queue_id: q\n";
    assert_eq!(
        one_problem(&rule(neither)),
        "r.yaml:5: rule `a` in rule set `main`: actions.transfer: a transfer needs a `contact_flow_id` \
         (a flow of type Inbound, Transfer to queue or Transfer to agent)"
    );
}

#[test]
fn values_that_can_never_satisfy_connect() {
    let long_name = "x".repeat(1025);
    let source = rule(&format!(
        "- id: a\n  actions:\n    update_contact:\n      name: '{long_name}{{{{ name }}}}'\n    set_attributes:\n      bad key: v\n      ok: '{}'\n",
        "y".repeat(40_000)
    ));
    assert_eq!(
        problems(&source),
        [
            "r.yaml:6: rule `a` in rule set `main`: actions.update_contact.name: its fixed text alone \
             exceeds the limit of 1024 characters",
            "r.yaml:7: rule `a` in rule set `main`: actions.set_attributes: the attributes take at least \
             40010 bytes; a contact holds at most 32768",
            "r.yaml:8: rule `a` in rule set `main`: actions.set_attributes.bad key: attribute key `bad key` \
             has the character ' '; keys take only letters, digits, `-` and `_`",
        ]
    );
}

#[test]
fn references_are_checked_for_their_type() {
    let source = rule(
        "- id: a\n  actions:\n    add_references:\n      n:\n        type: number\n        value: ten\n      \
         u:\n        type: URL\n        value: '{{ attributes.link }}'\n      t:\n        type: LINK\n        value: x\n",
    );
    assert_eq!(
        problems(&source),
        [
            "r.yaml:8: rule `a` in rule set `main`: actions.add_references.n.value: NUMBER reference: is not a number",
            "r.yaml:11: rule `a` in rule set `main`: actions.add_references.u.value: a URL template must \
             start with `http://` or `https://`, or with a field marked `| raw` that holds a whole URL",
            "r.yaml:13: rule `a` in rule set `main`: actions.add_references.t.type: unknown reference type \
             `LINK`; expected one of URL, ATTACHMENT, NUMBER, STRING, DATE, EMAIL",
        ]
    );
}

#[test]
fn answer_keys_cannot_shadow_the_functions_own() {
    assert_eq!(
        one_problem(&rule("- id: a\n  actions:\n    return:\n      status: vip\n")),
        "r.yaml:6: rule `a` in rule set `main`: actions.return.status: `status` is a key the function \
         answers itself; choose another name"
    );
}

#[test]
fn conditions_need_one_form_and_one_operator() {
    let two = rule("- id: a\n  when:\n    field: name\n    equals: x\n    prefix: y\n");
    assert_eq!(
        one_problem(&two),
        "r.yaml:4: rule `a` in rule set `main`: when: a field test needs exactly one operator (equals, \
         not_equals, one_of, exists, prefix, suffix, contains, matches, greater_than, at_least, less_than, \
         at_most, between, older_than, newer_than); found `equals` and `prefix`"
    );
    let mixed =
        rule("- id: a\n  when:\n    field: name\n    any:\n      - {field: name, exists: true}\n");
    assert_eq!(
        one_problem(&mixed),
        "r.yaml:4: rule `a` in rule set `main`: when: a condition needs exactly one of `field`, `all`, `any` or `not`"
    );
    let empty = rule("- id: a\n  when:\n    all: []\n");
    assert_eq!(
        one_problem(&empty),
        "r.yaml:5: rule `a` in rule set `main`: when.all: the list is empty; give at least one condition"
    );
}

#[test]
fn settings_are_checked() {
    let source =
        "settings:\n  on_error: shout\n  block_timeout_seconds: 12\n  default_rule_set: other\n\
                  rule_sets:\n  main:\n    - id: a\n";
    assert_eq!(
        problems(source),
        [
            "r.yaml:2: settings.on_error: `shout` is neither `answer` nor `raise`",
            "r.yaml:3: settings.block_timeout_seconds: 12 is outside the flow block's range of 1 to 8 seconds",
            "r.yaml:4: settings.default_rule_set: `other` names no rule set; the rule sets are: main",
        ]
    );
}

#[test]
fn syntax_errors_give_line_and_type_errors_their_rule() {
    assert_eq!(
        one_problem("rule_sets:\n  main:\n    - id: a\n      stop: maybe\n"),
        "r.yaml:4: rule `a` in rule set `main`: stop: invalid type: string \"maybe\", expected a boolean"
    );
    assert_eq!(
        one_problem("rule_sets: [\n"),
        "r.yaml:1: did not find expected node content at the end of the file, while parsing a flow node"
    );
    assert_eq!(
        one_problem("rule_sets:\n  main:\n    - id: 'a\n"),
        "r.yaml:3: found unexpected end of stream at the end of the file, while scanning a quoted \
         scalar at line 3 column 11",
        "the end of input is on the last line, not one past it"
    );
}

#[test]
fn json_is_accepted_and_scalars_read_as_text() {
    let book = RuleBook::from_source(
        r#"{"rule_sets": {"main": [{"id": "a", "actions": {"set_attributes": {"n": 5, "b": true}}}]}}"#,
        "r.json",
    )
    .unwrap();
    let event =
        crate::event::FlowEvent::from_value(serde_json::json!({"Details": {"ContactData": {
            "ContactId": "c", "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i"
        }}}))
        .unwrap();
    let contact = crate::contact::Contact::new(event, std::time::SystemTime::now());
    let plan = crate::plan::plan(&book, &contact).unwrap();
    assert_eq!(
        serde_json::to_value(&plan.calls).unwrap()["UpdateContactAttributes"]["Attributes"],
        serde_json::json!({"b": "true", "n": "5"})
    );
    assert_eq!(
        book.settings.default_rule_set.as_deref(),
        Some("main"),
        "a single rule set is the default"
    );
}

#[test]
fn unreadable_file() {
    let error = RuleBook::load(Path::new("/nonexistent/rules.yaml")).unwrap_err();
    assert!(error
        .to_string()
        .starts_with("/nonexistent/rules.yaml: cannot read the rules file: "));
}
