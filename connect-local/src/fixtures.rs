//! The project's example files, read one way by every test: the flow events in `events/`
//! and the example rules file.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The connect-rules workspace this endpoint belongs to.
pub fn workspace() -> &'static Path {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest)
}

pub fn example_rules() -> PathBuf {
    workspace().join("rules/rules.yaml")
}

/// The file names in `events/`, sorted.
pub fn event_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("events"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|name| name.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// An event file's bytes; panics naming the file, as a test fixture should.
pub fn event_bytes(name: &str) -> Vec<u8> {
    let path = workspace().join("events").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn event(name: &str) -> Value {
    serde_json::from_slice(&event_bytes(name))
        .unwrap_or_else(|e| panic!("events/{name} is not JSON: {e}"))
}

/// Epoch seconds and milliseconds within a week of now become `<now>`, so that plans and
/// requests made at different times compare.
pub fn mask_now(value: Value) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let near = |seconds: u64| seconds.abs_diff(now) < 7 * 24 * 3600;
    match value {
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, mask_now(v))).collect(),
        Value::Array(items) => items.into_iter().map(mask_now).collect(),
        other => {
            let text = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            let epoch = text
                .parse::<u64>()
                .ok()
                .filter(|_| text.bytes().all(|b| b.is_ascii_digit()));
            match (epoch, text.len()) {
                (Some(seconds), 10) if near(seconds) => "<now>".into(),
                (Some(millis), 13) if near(millis / 1000) => "<now>".into(),
                _ => other,
            }
        }
    }
}
