//! `add_references`: references shown to the agent, sent with UpdateContact. Tasks take
//! references by the same rules, less the types Connect refuses at task creation.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Action, ActionError, At, Draft, RuleContext};
use crate::calls::PlannedReference;
use crate::diagnostics::RuleScope;
use crate::event::Reference;
use crate::limits::{self, ReferenceType};
use crate::template::{Encoding, Template, Text};

pub type File = BTreeMap<String, ReferenceFile>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "a reference: type and value")]
#[schemars(deny_unknown_fields)]
pub struct ReferenceFile {
    /// URL, NUMBER, STRING, DATE, EMAIL or ATTACHMENT.
    #[serde(rename = "type")]
    pub kind: String,
    /// Checked for its type; at most 4,096 characters.
    pub value: Text,
}

const PATH: &str = "actions.add_references";

#[derive(Debug)]
pub(super) struct ReferenceValue {
    name: String,
    kind: ReferenceType,
    value: Template,
}

#[derive(Debug)]
struct AddReferences(Vec<ReferenceValue>);

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    let references = check_values(file, PATH, &ReferenceType::ALL, scope)?;
    Some(Arc::new(AddReferences(references)))
}

/// Names, types (of those `allowed`), values checked for their type where they are fixed,
/// and the whole within a contact's 4,096 bytes.
pub(super) fn check_values(
    file: File,
    path: &str,
    allowed: &[ReferenceType],
    scope: &mut RuleScope<'_, '_>,
) -> Option<Vec<ReferenceValue>> {
    let mut references = Vec::with_capacity(file.len());
    let mut complete = true;
    let mut bytes = 0;
    for (name, reference) in file {
        let path = format!("{path}.{name}");
        bytes += name.len();
        match check_value(scope, &path, name, reference, allowed) {
            Some(reference) => {
                bytes += reference.value.min_bytes();
                references.push(reference);
            }
            None => complete = false,
        }
    }
    if bytes > limits::REFERENCES_TOTAL_BYTES {
        scope.problem(
            path,
            format!(
                "the references take at least {bytes} bytes; a contact holds at most {}",
                limits::REFERENCES_TOTAL_BYTES
            ),
        );
    }
    complete.then_some(references)
}

fn check_value(
    scope: &mut RuleScope<'_, '_>,
    path: &str,
    name: String,
    file: ReferenceFile,
    allowed: &[ReferenceType],
) -> Option<ReferenceValue> {
    if let Err(message) =
        limits::check_length("a reference name", &name, 1, limits::REFERENCE_NAME_MAX)
    {
        scope.problem(path, message);
    }
    let kind = match file.kind.parse::<ReferenceType>() {
        Ok(kind) if allowed.contains(&kind) => Some(kind),
        Ok(kind) => {
            let allowed: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            scope.problem(
                &format!("{path}.type"),
                format!(
                    "Connect takes no {kind} reference when a task is created; use one of {}",
                    allowed.join(", ")
                ),
            );
            None
        }
        Err(message) => {
            scope.problem(&format!("{path}.type"), message);
            None
        }
    };
    let value_path = format!("{path}.value");
    let value = super::template(scope, &value_path, &file.value)?;
    let kind = kind?;
    if let Some(literal) = value.as_literal() {
        if let Err(message) = kind.check_value(&literal) {
            scope.problem(&value_path, format!("{kind} reference: {message}"));
        }
    } else if kind == ReferenceType::Url && !value.starts_with_web_scheme() {
        scope.problem(
            &value_path,
            "a URL template must start with `http://` or `https://`, or with a field marked `| raw` \
             that holds a whole URL",
        );
    }
    Some(ReferenceValue { name, kind, value })
}

/// Renders each reference and checks it for its type; skipped ones are left out. Every
/// part of a URL is percent-encoded unless it says otherwise, so contact data cannot change
/// where a link goes.
pub(super) fn render_values(
    references: &[ReferenceValue],
    path: &str,
    rule: &RuleContext<'_>,
    draft: &mut Draft<'_>,
) -> Result<BTreeMap<String, PlannedReference>, ActionError> {
    let mut rendered = BTreeMap::new();
    for reference in references {
        let at = At::key(path, &reference.name);
        let encoding = match reference.kind {
            ReferenceType::Url => Encoding::UrlParts,
            _ => Encoding::Plain,
        };
        if let Some(value) = draft.render(rule, at, &reference.value, encoding)? {
            reference
                .kind
                .check_value(&value)
                .map_err(|message| ActionError::invalid(rule, &at.to_string(), message))?;
            let planned = PlannedReference {
                kind: reference.kind,
                value,
            };
            rendered.insert(reference.name.clone(), planned);
        }
    }
    Ok(rendered)
}

/// The references a contact would hold after the update, within Connect's total.
pub(super) fn check_total(
    existing: &BTreeMap<String, Reference>,
    added: &BTreeMap<String, PlannedReference>,
) -> Result<(), ActionError> {
    if added.is_empty() {
        return Ok(());
    }
    let mut merged: BTreeMap<&str, &str> = existing
        .iter()
        .map(|(name, r)| (name.as_str(), r.value.as_deref().unwrap_or_default()))
        .collect();
    merged.extend(
        added
            .iter()
            .map(|(name, r)| (name.as_str(), r.value.as_str())),
    );
    let bytes = limits::total_bytes(merged);
    if bytes > limits::REFERENCES_TOTAL_BYTES {
        return Err(ActionError::ReferencesTooLarge { bytes });
    }
    Ok(())
}

impl Action for AddReferences {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        let rendered = render_values(&self.0, PATH, rule, draft)?;
        if !rendered.is_empty() {
            draft.contact_update().references.extend(rendered);
        }
        Ok(())
    }
}
