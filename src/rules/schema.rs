//! The rules file's JSON Schema, generated from the types the loader reads it with, so an
//! editor and the loader agree on every key; the loader also asks it which keys a place
//! takes, to name the one an unknown key was closest to.

use std::sync::OnceLock;

use serde_json::Value;

use super::file::RulesFile;
use crate::diagnostics::Segment;

/// The schema, as `connect-rules schema` prints it.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = schemars::schema_for!(RulesFile).to_value();
        schema["title"] = "connect-rules rules file".into();
        sorted(schema)
    })
}

/// Keys in order, whatever order the JSON map keeps, so the printed schema is one text.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The keys the mapping at `path` (from the top of the file) takes, in the schema's order.
pub fn known_keys(path: &[Segment]) -> Vec<String> {
    let root = schema();
    let mut places = vec![root];
    for segment in path {
        places = places
            .into_iter()
            .flat_map(|place| alternatives(root, place))
            .filter_map(|place| child(place, segment))
            .collect();
    }
    let mut keys: Vec<String> = Vec::new();
    for place in places
        .into_iter()
        .flat_map(|place| alternatives(root, place))
    {
        for key in place["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys
}

/// A schema and every schema it stands for: what it refers to, and each of its branches.
fn alternatives<'s>(root: &'s Value, schema: &'s Value) -> Vec<&'s Value> {
    let mut found = Vec::new();
    let mut pending = vec![schema];
    while let Some(schema) = pending.pop() {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            pending.push(&root["$defs"][name]);
            continue;
        }
        for branches in ["anyOf", "oneOf", "allOf"] {
            pending.extend(schema[branches].as_array().into_iter().flatten());
        }
        found.push(schema);
    }
    found
}

fn child<'s>(schema: &'s Value, segment: &Segment) -> Option<&'s Value> {
    let found = match segment {
        Segment::Key(key) => schema["properties"]
            .get(key)
            .or_else(|| schema.get("additionalProperties")),
        Segment::Index(_) => schema.get("items"),
    };
    found.filter(|schema| schema.is_object())
}
