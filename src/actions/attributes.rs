//! `set_attributes`: user-defined attributes, written with UpdateContactAttributes on the
//! initial contact, whose attributes the flow reads. Tasks take attributes by the same rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Action, ActionError, At, Draft, RuleContext};
use crate::calls::{AttributesCall, Call};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Encoding, Template, Text};

pub type File = BTreeMap<String, Text>;

const PATH: &str = "actions.set_attributes";

#[derive(Debug)]
struct SetAttributes(Vec<(String, Template)>);

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    let values = check_values(file, PATH, scope)?;
    Some(Arc::new(SetAttributes(values)))
}

/// Keys of letters, digits, `-` and `_`, and values that fit a contact's 32,768 bytes.
pub(super) fn check_values(
    file: File,
    path: &str,
    scope: &mut RuleScope<'_, '_>,
) -> Option<Vec<(String, Template)>> {
    let mut values = Vec::with_capacity(file.len());
    let mut complete = true;
    let mut bytes = 0;
    for (key, value) in file {
        let key_path = At::key(path, &key);
        if let Err(message) = limits::check_key(&key) {
            scope.problem(&key_path.to_string(), format!("attribute {message}"));
        }
        let template = super::template(scope, key_path, &value);
        bytes += key.len() + template.as_ref().map_or(0, Template::min_bytes);
        match template {
            Some(template) => values.push((key, template)),
            None => complete = false,
        }
    }
    if bytes > limits::ATTRIBUTES_TOTAL_BYTES {
        scope.problem(
            path,
            format!(
                "the attributes take at least {bytes} bytes; a contact holds at most {}",
                limits::ATTRIBUTES_TOTAL_BYTES
            ),
        );
    }
    complete.then_some(values)
}

/// Renders each value; skipped ones are left out.
pub(super) fn render_values(
    values: &[(String, Template)],
    path: &str,
    rule: &RuleContext<'_>,
    draft: &mut Draft<'_>,
) -> Result<BTreeMap<String, String>, ActionError> {
    let mut rendered = BTreeMap::new();
    for (key, template) in values {
        if let Some(value) = draft.render(rule, At::key(path, key), template, Encoding::Plain)? {
            rendered.insert(key.clone(), value);
        }
    }
    Ok(rendered)
}

/// The attributes a contact would hold after the update, within Connect's total. An empty
/// value removes an attribute, so it takes no room.
pub(super) fn check_total(
    existing: &BTreeMap<String, String>,
    updates: &BTreeMap<String, String>,
) -> Result<(), ActionError> {
    let mut merged: BTreeMap<&str, &str> = existing
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    merged.extend(updates.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let bytes = limits::total_bytes(merged.into_iter().filter(|(_, value)| !value.is_empty()));
    if bytes > limits::ATTRIBUTES_TOTAL_BYTES {
        return Err(ActionError::AttributesTooLarge { bytes });
    }
    Ok(())
}

impl Action for SetAttributes {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        let rendered = render_values(&self.0, PATH, rule, draft)?;
        if rendered.is_empty() {
            return Ok(());
        }
        let existing = draft.calls.iter_mut().find_map(|call| match call {
            Call::UpdateContactAttributes(call) => Some(call),
            _ => None,
        });
        match existing {
            Some(call) => call.attributes.extend(rendered),
            None => {
                let contact = draft.contact;
                draft
                    .calls
                    .push(Call::UpdateContactAttributes(AttributesCall {
                        instance_id: contact.instance_id.clone(),
                        initial_contact_id: contact.initial_contact_id().to_owned(),
                        attributes: rendered,
                    }));
            }
        }
        Ok(())
    }
}
