//! `contact_expiry`: how many minutes a task or email contact stays active, sent in the same
//! UpdateContact as its references, name and description (`SegmentAttributes`
//! `connect:ContactExpiry`). Expiry is stored per contact segment: it goes on the current
//! contact. For other channels no call is made and the answer says why.

use std::sync::Arc;

use super::{Action, ActionError, AnswerKey, At, Draft, RuleContext, TASK_AND_EMAIL};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Encoding, Template, Text};
use crate::vocabulary::key;

/// Minutes, as a template.
pub type File = Text;

const PATH: &str = "actions.contact_expiry";

#[derive(Debug)]
struct ContactExpiry(Template);

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    let template = super::template(scope, PATH, &file)?;
    if let Some(literal) = template.as_literal() {
        if let Err(message) = limits::check_expiry_minutes(&literal) {
            scope.problem(PATH, message);
        }
    }
    Some(Arc::new(ContactExpiry(template)))
}

impl Action for ContactExpiry {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        let channel = draft.channel().to_owned();
        if !TASK_AND_EMAIL.contains(&channel.as_str()) {
            draft.refuse(
                key::EXPIRY_REFUSED,
                format!(
                    "rule `{}`: a {channel} contact has no expiry to set; Connect documents contact expiry for TASK and EMAIL contacts only",
                    rule.id
                ),
            );
            return Ok(());
        }
        let Some(value) = draft.render(rule, At::path(PATH), &self.0, Encoding::Plain)? else {
            return Ok(());
        };
        let minutes = limits::check_expiry_minutes(&value)
            .map_err(|message| ActionError::invalid(rule, PATH, message))?;
        draft.contact_update().expiry_minutes = Some(minutes);
        Ok(())
    }

    fn answer_keys(&self) -> Vec<AnswerKey> {
        vec![AnswerKey {
            key: key::EXPIRY_REFUSED.to_owned(),
            path: PATH.to_owned(),
            unique: false,
        }]
    }
}
