//! `transfer`: TransferContact to a queue or an agent, for task and email contacts. At most
//! one per invocation, with a ClientToken derived from the intent so that Connect's retries
//! of an invocation transfer once.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Action, ActionError, At, Draft, RuleContext, TASK_AND_EMAIL};
use crate::calls::{self, Call, TransferCall, TransferTarget};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Template, Text};
use crate::vocabulary::key;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(expecting = "a transfer: queue_id or user_id, and contact_flow_id")]
#[schemars(deny_unknown_fields)]
pub struct File {
    /// The queue to transfer to; or `user_id`, never both.
    pub queue_id: Option<Text>,
    /// The agent to transfer to; or `queue_id`, never both.
    pub user_id: Option<Text>,
    /// A flow of type Inbound, Transfer to queue or Transfer to agent.
    pub contact_flow_id: Option<Text>,
}

const PATH: &str = "actions.transfer";
const FLOW: &str = "actions.transfer.contact_flow_id";

#[derive(Debug)]
struct Transfer {
    target: TransferTarget<Template>,
    contact_flow_id: Template,
}

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    let mut id = |field: &str, text: Option<Text>, length| {
        text.and_then(|text| super::bounded(scope, &format!("{PATH}.{field}"), &text, length))
    };
    let queue = id("queue_id", file.queue_id, limits::RESOURCE_ID);
    let user = id("user_id", file.user_id, limits::RESOURCE_ID);
    let flow = id(
        "contact_flow_id",
        file.contact_flow_id,
        limits::CONTACT_FLOW_ID,
    );
    let target = match (queue, user) {
        (Some(queue), None) => Some(TransferTarget::Queue(queue)),
        (None, Some(user)) => Some(TransferTarget::User(user)),
        (Some(_), Some(_)) => {
            scope.problem(
                PATH,
                "a transfer names a `queue_id` or a `user_id`, not both",
            );
            None
        }
        (None, None) => {
            scope.problem(PATH, "a transfer needs a `queue_id` or a `user_id`");
            None
        }
    };
    if flow.is_none() {
        scope.problem(
            PATH,
            "a transfer needs a `contact_flow_id` (a flow of type Inbound, Transfer to queue or Transfer to agent)",
        );
    }
    Some(Arc::new(Transfer {
        target: target?,
        contact_flow_id: flow?,
    }))
}

/// The TransferContact idempotency key: instance, contact, rule, target and flow.
pub fn client_token(
    instance_id: &str,
    contact_id: &str,
    rule: &str,
    target: &TransferTarget<String>,
    contact_flow_id: &str,
) -> String {
    let (kind, target_id) = match target {
        TransferTarget::Queue(id) => ("queue", id),
        TransferTarget::User(id) => ("user", id),
    };
    calls::client_token(
        "connect-rules/transfer/v1",
        &[
            instance_id,
            contact_id,
            rule,
            kind,
            target_id,
            contact_flow_id,
        ],
    )
}

impl Action for Transfer {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        let channel = draft.channel().to_owned();
        if !TASK_AND_EMAIL.contains(&channel.as_str()) {
            draft.refuse(
                key::TRANSFER_REFUSED,
                format!(
                    "rule `{}`: a {channel} contact cannot be transferred; TransferContact takes TASK and EMAIL contacts only",
                    rule.id
                ),
            );
            return Ok(());
        }
        if let Some(first) = draft.calls.iter().find_map(|call| match call {
            Call::TransferContact(transfer) => Some(transfer.rule.clone()),
            _ => None,
        }) {
            return Err(ActionError::ConflictingTransfers {
                first,
                second: rule.id.to_owned(),
            });
        }
        let (path, template) = match &self.target {
            TransferTarget::Queue(template) => ("actions.transfer.queue_id", template),
            TransferTarget::User(template) => ("actions.transfer.user_id", template),
        };
        let Some(target_id) =
            draft.render_within(rule, At::path(path), template, limits::RESOURCE_ID)?
        else {
            return Ok(());
        };
        let flow = &self.contact_flow_id;
        let Some(contact_flow_id) =
            draft.render_within(rule, At::path(FLOW), flow, limits::CONTACT_FLOW_ID)?
        else {
            return Ok(());
        };
        let target = match self.target {
            TransferTarget::Queue(_) => TransferTarget::Queue(target_id),
            TransferTarget::User(_) => TransferTarget::User(target_id),
        };
        let contact = draft.contact;
        let contact_id = &contact.data.contact_id;
        let client_token = client_token(
            &contact.instance_id,
            contact_id,
            rule.id,
            &target,
            &contact_flow_id,
        );
        draft.calls.push(Call::TransferContact(TransferCall {
            instance_id: contact.instance_id.clone(),
            contact_id: contact_id.clone(),
            target,
            contact_flow_id,
            client_token,
            rule: rule.id.to_owned(),
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_for_every_part_of_the_intent() {
        let queue = |id: &str| TransferTarget::Queue(id.to_owned());
        let base = client_token("i", "c", "r", &queue("q"), "f");
        assert_ne!(base, client_token("i2", "c", "r", &queue("q"), "f"));
        assert_ne!(base, client_token("i", "c2", "r", &queue("q"), "f"));
        assert_ne!(base, client_token("i", "c", "r2", &queue("q"), "f"));
        assert_ne!(base, client_token("i", "c", "r", &queue("q2"), "f"));
        assert_ne!(
            base,
            client_token("i", "c", "r", &TransferTarget::User("q".into()), "f")
        );
        assert_ne!(base, client_token("i", "c", "r", &queue("q"), "f2"));
        assert_ne!(
            client_token("ab", "c", "r", &queue("q"), "f"),
            client_token("a", "bc", "r", &queue("q"), "f")
        );
        // Pinned: a new derivation would let an invocation retried across a deployment transfer twice.
        assert_eq!(
            base,
            "5d6a703d274b23e72882a9e2e398d845757e5444a677ab53ebd3bc58d34ec0e2"
        );
    }
}
