//! The rules file's JSON Schema, generated from the types the loader reads it with, so an
//! editor and the loader agree on every key; the loader also asks it which keys a place
//! takes, to name the one an unknown key was closest to.

use std::sync::OnceLock;

use serde_json::Value;

use super::file::RulesFile;
use crate::diagnostics::schema_of;

/// The schema, as `connect-rules schema` prints it.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_of::<RulesFile>("connect-rules rules file"))
}
