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
