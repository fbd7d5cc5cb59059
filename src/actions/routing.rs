//! `set_routing`: the contact's queue priority, computed from its data, with
//! UpdateContactRoutingData (the flow's "Change routing priority / age" block takes only a
//! fixed value). Lower is routed first; Connect's default is 5.
//!
//! Only the absolute priority: an age adjustment (`QueueTimeAdjustmentSeconds`) is added
//! again each time it is sent, and Connect re-invokes the function with the same event after
//! a lost answer, so no rule can make it safe to repeat.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Action, ActionError, AnswerKey, At, Draft, RuleContext};
use crate::calls::{Call, RoutingCall};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Encoding, Template, Text};
use crate::vocabulary::key;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "set_routing: queue_priority")]
#[schemars(deny_unknown_fields)]
pub struct File {
    /// 1 is routed first; Connect's default is 5.
    pub queue_priority: Option<Text>,
    /// Named so that writing it gets the reason it is not offered, not "unknown key"; read
    /// as a value (not skipped), so the unknown-key report does not name it too.
    #[schemars(
        with = "Option<serde_json::Value>",
        description = "Not offered: Connect adds an age adjustment again on every retry.",
        extend("deprecated" = true)
    )]
    pub queue_time_adjustment_seconds: Option<serde_yaml::Value>,
}

const PATH: &str = "actions.set_routing";
const PRIORITY: &str = "actions.set_routing.queue_priority";

#[derive(Debug)]
struct SetRouting(Template);

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    if file.queue_time_adjustment_seconds.is_some() {
        scope.problem(
            &format!("{PATH}.queue_time_adjustment_seconds"),
            "an age adjustment is added again every time Connect retries the invocation, so it \
             cannot be made safe to repeat; set `queue_priority` instead",
        );
    }
    let Some(text) = file.queue_priority else {
        scope.problem(
            PATH,
            "give a `queue_priority` (1 is routed first; Connect's default is 5)",
        );
        return None;
    };
    let template = super::template(scope, PRIORITY, &text)?;
    if let Some(literal) = template.as_literal() {
        if let Err(message) = priority(&literal) {
            scope.problem(PRIORITY, message);
        }
    }
    Some(Arc::new(SetRouting(template)))
}

fn priority(value: &str) -> Result<i64, String> {
    limits::check_integer("the queue priority", value, limits::QUEUE_PRIORITY)
}

impl Action for SetRouting {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        if draft.contact.data.queue.is_none() {
            draft.refuse(
                key::ROUTING_REFUSED,
                format!(
                    "rule `{}`: the contact is in no queue, so it has no routing priority to set",
                    rule.id
                ),
            );
            return Ok(());
        }
        let Some(value) = draft.render(rule, At::path(PRIORITY), &self.0, Encoding::Plain)? else {
            return Ok(());
        };
        let queue_priority =
            priority(&value).map_err(|message| ActionError::invalid(rule, PRIORITY, message))?;
        let contact = draft.contact;
        let call = RoutingCall {
            instance_id: contact.instance_id.clone(),
            contact_id: contact.data.contact_id.clone(),
            queue_priority,
        };
        // A later rule's priority replaces an earlier one's: one call per invocation.
        draft
            .calls
            .retain(|call| !matches!(call, Call::UpdateContactRoutingData(_)));
        draft.calls.push(Call::UpdateContactRoutingData(call));
        Ok(())
    }

    fn answer_keys(&self) -> Vec<AnswerKey> {
        vec![AnswerKey {
            key: key::ROUTING_REFUSED.to_owned(),
            path: PATH.to_owned(),
            unique: false,
        }]
    }
}
