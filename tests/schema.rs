//! The committed JSON Schema of rules files: what the code generates, accepted by an
//! independent validator (Python's `jsonschema`) for every shipped file, and in agreement
//! with the loader on which keys are known, at every place of the file.

mod validators;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use connect_local::fixtures::workspace;
use connect_rules::rules::RuleBook;
use serde_json::{json, Value};

const SCHEMA: &str = "schema/rules.schema.json";
const TEST_SCHEMA: &str = "schema/test.schema.json";
const NOT_A_KEY: &str = "zz_not_a_key";

/// The validator's report for each rules file: `(validator, path, message)` per error.
fn validate(
    documents: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<(String, String, String)>> {
    validate_against(SCHEMA, documents)
}

fn validate_against(
    schema: &str,
    documents: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<(String, String, String)>> {
    let request = json!({"schema": workspace().join(schema), "documents": documents});
    let output = validators::run("validate_schema.py", request.to_string().as_bytes());
    let report: BTreeMap<String, Vec<Value>> = serde_json::from_slice(&output).unwrap();
    report
        .into_iter()
        .map(|(name, errors)| {
            let errors = errors
                .iter()
                .map(|e| {
                    let field = |name: &str| e[name].as_str().unwrap().to_owned();
                    (field("validator"), field("path"), field("message"))
                })
                .collect();
            (name, errors)
        })
        .collect()
}

fn shipped_rules_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["rules", "bench"] {
        for entry in std::fs::read_dir(workspace().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let extension = path.extension().and_then(|e| e.to_str());
            if matches!(extension, Some("yaml" | "yml" | "json")) && !name.contains(".test.") {
                files.push(path);
            }
        }
    }
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_committed_schemas_are_the_ones_the_code_generates() {
    for (arguments, file) in [
        (&["schema"][..], SCHEMA),
        (&["schema", "--tests"], TEST_SCHEMA),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_connect-rules"))
            .args(arguments)
            .output()
            .unwrap();
        assert!(output.status.success());
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            read(&workspace().join(file)),
            "{file} is stale: cargo run -- {} > {file}",
            arguments.join(" ")
        );
    }
}

#[test]
fn an_independent_validator_accepts_the_example_test_file() {
    let path = workspace().join("rules/rules.test.yaml");
    let documents = BTreeMap::from([("tests".to_owned(), read(&path))]);
    assert_eq!(validate_against(TEST_SCHEMA, &documents)["tests"], []);
    let wrong = BTreeMap::from([(
        "wrong".to_owned(),
        "cases: [{name: a, expcet: {}}]".to_owned(),
    )]);
    let errors = &validate_against(TEST_SCHEMA, &wrong)["wrong"];
    assert!(
        errors
            .iter()
            .any(|(validator, ..)| validator == "additionalProperties"),
        "{errors:?}"
    );
}

#[test]
fn an_independent_validator_accepts_every_shipped_rules_file() {
    let files = shipped_rules_files();
    assert!(files.len() >= 2, "{files:?}");
    let documents: BTreeMap<String, String> = files
        .iter()
        .map(|path| (path.display().to_string(), read(path)))
        .collect();
    for (name, errors) in validate(&documents) {
        assert_eq!(errors, [], "{name}");
        RuleBook::from_source(&documents[&name], &name).unwrap();
    }
    assert!(
        read(&workspace().join("rules/rules.yaml"))
            .starts_with("# yaml-language-server: $schema=../schema/rules.schema.json\n"),
        "the example names its schema for editors"
    );
}

#[test]
fn an_independent_validator_rejects_unknown_keys_and_wrong_types() {
    let source = read(&workspace().join("tests/data/eight-mistakes.yaml"));
    let documents = BTreeMap::from([("eight".to_owned(), source)]);
    let errors = &validate(&documents)["eight"];
    let found: HashSet<(&str, &str)> = errors
        .iter()
        .map(|(validator, path, _)| (validator.as_str(), path.as_str()))
        .collect();
    for expected in [
        ("type", "rule_sets.inbound.0.when.greater_than"),
        ("type", "rule_sets.inbound.2.stop"),
        ("additionalProperties", "rule_sets.inbound.1.when"),
        ("additionalProperties", "rule_sets.inbound.2.actions"),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {errors:#?}");
    }
}

/// Every place of a rules file that takes keys: its path from the top (a rule set named
/// `main`, a list's first item, a map's key `x`) and the keys its schema names.
fn places(schema: &Value) -> Vec<(Vec<Value>, Vec<String>)> {
    fn resolve<'s>(root: &'s Value, schema: &'s Value) -> Vec<&'s Value> {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            return resolve(root, &root["$defs"][name]);
        }
        let mut all = vec![schema];
        for branch in schema["anyOf"].as_array().into_iter().flatten() {
            all.extend(resolve(root, branch));
        }
        all
    }
    fn walk(
        root: &Value,
        schema: &Value,
        path: Vec<Value>,
        seen: &mut HashSet<String>,
        found: &mut Vec<(Vec<Value>, Vec<String>)>,
    ) {
        for schema in resolve(root, schema) {
            if let Some(properties) = schema["properties"].as_object() {
                let key = schema.to_string();
                if !seen.insert(key) {
                    continue;
                }
                found.push((path.clone(), properties.keys().cloned().collect()));
                for (name, property) in properties {
                    let inner = [path.clone(), vec![json!(name)]].concat();
                    walk(root, property, inner, seen, found);
                }
            }
            if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                let key = if path.len() == 1 { "main" } else { "x" };
                let inner = [path.clone(), vec![json!(key)]].concat();
                walk(root, values, inner, seen, found);
            }
            if let Some(items) = schema.get("items") {
                walk(
                    root,
                    items,
                    [path.clone(), vec![json!(0)]].concat(),
                    seen,
                    found,
                );
            }
        }
    }
    let mut found = Vec::new();
    walk(schema, schema, Vec::new(), &mut HashSet::new(), &mut found);
    found
}

/// A document with `key: null` at `path`, as YAML (JSON is YAML).
fn document(path: &[Value], key: &str) -> String {
    let mut value = json!({ key: null });
    for segment in path.iter().rev() {
        value = match segment {
            Value::String(name) => json!({ name: value }),
            _ => json!([value]),
        };
    }
    value.to_string()
}

#[test]
fn the_schema_and_the_loader_agree_on_every_known_key_at_every_place() {
    let schema: Value = serde_json::from_str(&read(&workspace().join(SCHEMA))).unwrap();
    let places = places(&schema);
    assert!(places.len() >= 10, "{places:#?}");
    let mut documents = BTreeMap::new();
    for (number, (path, keys)) in places.iter().enumerate() {
        for key in keys.iter().map(String::as_str).chain([NOT_A_KEY]) {
            documents.insert(format!("{number:02}:{key}"), document(path, key));
        }
    }
    let validated = validate(&documents);
    for (name, source) in &documents {
        let key = name.split_once(':').unwrap().1;
        let unknown = format!("unknown key `{key}`");
        let loader_says_unknown = match RuleBook::from_source(source, name) {
            Ok(_) => false,
            Err(error) => error
                .problems
                .iter()
                .any(|p| p.message.starts_with(&unknown)),
        };
        let schema_says_unknown = validated[name].iter().any(|(validator, _, message)| {
            validator == "additionalProperties" && message.contains(&format!("'{key}'"))
        });
        assert_eq!(
            (loader_says_unknown, schema_says_unknown),
            (key == NOT_A_KEY, key == NOT_A_KEY),
            "{source}: (loader, schema) disagree on whether `{key}` is known"
        );
    }
}
