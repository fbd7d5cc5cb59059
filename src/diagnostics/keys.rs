//! Keys a file does not have: which keys their place takes, read from the file's JSON
//! Schema (generated from the types it is read into), and the one a misspelt key most
//! likely meant.

use schemars::JsonSchema;
use serde_json::Value;

use super::Segment;

/// How alike a misspelt name must be to a known one to be offered (Jaro-Winkler).
const CLOSE_ENOUGH: f64 = 0.8;

/// The JSON Schema of a file read into `T`, its keys in order whatever order the JSON map
/// keeps, so that printed it is always the same text.
pub fn schema_of<T: JsonSchema>(title: &str) -> Value {
    let mut schema = schemars::schema_for!(T).to_value();
    schema["title"] = title.into();
    sorted(schema)
}

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

/// A key the file's types do not have, as reported.
pub struct UnknownKey {
    /// `unknown key `x``, with the known key it is closest to, or all the keys its place
    /// takes.
    pub message: String,
    /// The path of the key it most likely meant: that key is missing only because of this
    /// mistake, so what is missing there goes unsaid.
    pub meant: Option<Vec<Segment>>,
}

pub fn unknown_key(schema: &Value, path: &[Segment]) -> UnknownKey {
    let Some((Segment::Key(key), parent)) = path.split_last() else {
        return UnknownKey {
            message: "unknown key".to_owned(),
            meant: None,
        };
    };
    let known = known_keys(schema, parent);
    let close = closest(key, &known);
    let message = match close {
        Some(close) => format!("unknown key `{key}`; did you mean `{close}`?"),
        None if known.is_empty() => format!("unknown key `{key}`"),
        None => format!("unknown key `{key}`; known here: {}", known.join(", ")),
    };
    UnknownKey {
        message,
        meant: close.map(|close| [parent, &[Segment::Key(close.to_owned())]].concat()),
    }
}

/// The known name a misspelt one most likely meant, if any is close.
pub fn closest<'k, K: AsRef<str>>(name: &str, known: &'k [K]) -> Option<&'k str> {
    known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate.as_ref()), candidate))
        .filter(|(likeness, _)| *likeness >= CLOSE_ENOUGH)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_ref())
}

/// The keys the mapping at `path` (from the top of the file) takes, in the schema's order.
fn known_keys(root: &Value, path: &[Segment]) -> Vec<String> {
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
