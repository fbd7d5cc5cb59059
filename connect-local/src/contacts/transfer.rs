//! TransferContact: only active TASK and EMAIL contacts, to a queue or an agent, at most
//! `MAX_TRANSFERS` times.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{text, Contacts, ServiceError};

pub const MAX_TRANSFERS: usize = 11;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transfer {
    pub queue_id: Option<String>,
    pub user_id: Option<String>,
    pub contact_flow_id: String,
    pub client_token: Option<String>,
}

impl Contacts {
    pub(super) fn transfer(&mut self, input: &Value) -> Result<Value, ServiceError> {
        let transfer = Transfer {
            queue_id: text(input, "QueueId").map(str::to_owned),
            user_id: text(input, "UserId").map(str::to_owned),
            contact_flow_id: text(input, "ContactFlowId").unwrap_or_default().to_owned(),
            client_token: text(input, "ClientToken").map(str::to_owned),
        };
        if transfer.queue_id.is_some() == transfer.user_id.is_some() {
            return Err(ServiceError::invalid_request(
                "give QueueId or UserId, exactly one",
            ));
        }
        let contact = self.find(input, "ContactId")?;
        if contact.channel != "TASK" && contact.channel != "EMAIL" {
            return Err(ServiceError::invalid_request(format!(
                "only TASK and EMAIL contacts can be transferred; this is {}",
                contact.channel
            )));
        }
        if !contact.active {
            return Err(ServiceError::invalid_request("the contact is not active"));
        }
        if contact.transfers.len() >= MAX_TRANSFERS {
            return Err(ServiceError::new(
                402,
                "ServiceQuotaExceededException",
                format!("a contact can be transferred at most {MAX_TRANSFERS} times"),
            ));
        }
        contact.transfers.push(transfer);
        Ok(json!({
            "ContactId": contact.contact_id,
            "ContactArn": format!(
                "arn:aws:connect:us-east-1:111122223333:instance/{}/contact/{}",
                contact.instance_id, contact.contact_id
            ),
        }))
    }
}
