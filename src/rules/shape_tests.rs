//! A rules file's mistakes of shape (wrong types, missing keys, misspelt keys) reported in
//! one pass, each once, with the rest of the file still checked.

use super::RuleBook;

fn report(source: &str) -> Vec<String> {
    let error = RuleBook::from_source(source, "r.yaml").unwrap_err();
    error.problems.iter().map(|p| p.display("r.yaml")).collect()
}

#[test]
fn a_wrong_type_is_one_problem_and_the_rest_is_still_checked() {
    let source = "rule_sets:\n  main:\n    - id: a\n      when: {field: attributes.n, greater_than: lots}\n\
                  \x20   - id: a\n      actions: {set_attributes: {k: [1, 2]}, transfer: {queue_id: q, user_id: u, contact_flow_id: f}}\n";
    assert_eq!(
        report(source),
        [
            "r.yaml:4: rule `a` in rule set `main`: when.greater_than: invalid type: string \"lots\", expected a number",
            "r.yaml:5: rule `a` in rule set `main`: id: duplicate rule id `a` in rule set `main`",
            "r.yaml:6: rule `a` in rule set `main`: actions.set_attributes.k: invalid type: sequence, expected a string, number or boolean",
            "r.yaml:6: rule `a` in rule set `main`: actions.transfer: a transfer names a `queue_id` or a `user_id`, not both",
        ],
        "nothing more about the condition whose operand was set aside"
    );
}

#[test]
fn a_missing_required_key_names_the_rule_by_its_place() {
    let source = "rule_sets:\n  main:\n    - when: {field: channel, equals: TASK}\n      actions: {retrun: {}}\n\
                  \x20   - id: b\n      actions: {add_references: {crm: {value: x}}}\n";
    assert_eq!(
        report(source),
        [
            "r.yaml:3: rule `#1` in rule set `main`: id: missing key `id`",
            "r.yaml:4: rule `#1` in rule set `main`: actions.retrun: unknown key `retrun`; did you mean `return`?",
            "r.yaml:6: rule `b` in rule set `main`: actions.add_references.crm.type: missing key `type`",
        ]
    );
}

#[test]
fn a_part_of_the_wrong_kind_is_reported_once_for_its_shape() {
    let source = "rule_sets:\n  main:\n    - just a string\n    - id: b\n      when: {field: nme, equals: x}\n";
    assert_eq!(
        report(source),
        [
            "r.yaml:3: rule `#1` in rule set `main`: invalid type: string \"just a string\", expected a rule: id, description, when, actions, stop, on_missing",
            "r.yaml:5: rule `b` in rule set `main`: when.field: unknown contact field `nme`; did you mean `name`?",
        ]
    );
    assert_eq!(
        report("rule_sets: {main: 5, other: [{id: a}]}\nsettings: {block_timeout_seconds: -1}\n"),
        [
            "r.yaml:1: rule_sets.main: invalid type: integer `5`, expected a sequence",
            "r.yaml:2: settings.block_timeout_seconds: invalid value: integer `-1`, expected a whole number",
        ]
    );
    assert_eq!(
        report("- a list\n"),
        ["r.yaml: invalid type: sequence, expected a rules file: `settings` and `rule_sets`"]
    );
}

#[test]
fn an_unknown_key_unlike_any_lists_the_known_ones() {
    assert_eq!(
        report("rule_sets:\n  main:\n    - id: a\n      actions: {transfer: {queue_id: q, contact_flow_id: f, zzz: 1}}\n"),
        ["r.yaml:4: rule `a` in rule set `main`: actions.transfer.zzz: unknown key `zzz`; known here: contact_flow_id, queue_id, user_id"]
    );
}
