//! `update_contact`: the contact's name and description, sent with UpdateContact.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Action, ActionError, At, Draft, RuleContext};
use crate::diagnostics::RuleScope;
use crate::limits::{self, Length};
use crate::template::{Template, Text};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "update_contact: name, description")]
#[schemars(deny_unknown_fields)]
pub struct File {
    /// At most 1,024 characters.
    pub name: Option<Text>,
    /// At most 4,096 characters.
    pub description: Option<Text>,
}

const NAME: &str = "actions.update_contact.name";
const DESCRIPTION: &str = "actions.update_contact.description";

#[derive(Debug)]
struct UpdateContact {
    name: Option<Template>,
    description: Option<Template>,
}

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    if file.name.is_none() && file.description.is_none() {
        scope.problem(
            "actions.update_contact",
            "give a `name`, a `description` or both",
        );
    }
    let mut member = |path, text: Option<Text>, length: Length| match text {
        None => Some(None),
        Some(text) => super::bounded(scope, path, &text, length).map(Some),
    };
    let name = member(NAME, file.name, limits::CONTACT_NAME);
    let description = member(DESCRIPTION, file.description, limits::CONTACT_DESCRIPTION);
    Some(Arc::new(UpdateContact {
        name: name?,
        description: description?,
    }))
}

impl Action for UpdateContact {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        if let Some(template) = &self.name {
            if let Some(name) =
                draft.render_within(rule, At::path(NAME), template, limits::CONTACT_NAME)?
            {
                draft.contact_update().name = Some(name);
            }
        }
        if let Some(template) = &self.description {
            let length = limits::CONTACT_DESCRIPTION;
            if let Some(text) =
                draft.render_within(rule, At::path(DESCRIPTION), template, length)?
            {
                draft.contact_update().description = Some(text);
            }
        }
        Ok(())
    }
}
