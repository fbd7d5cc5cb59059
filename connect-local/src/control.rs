//! The test control under `/_local/`: seed and read contacts, queue faults, list requests.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::json;

use crate::contacts::Contact;
use crate::{respond, Fault, Shared};

impl Shared {
    pub(crate) fn control(&self, method: &str, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let bad = |message: String| respond(400, &json!({ "message": message }), None);
        match (method, path.split('/').collect::<Vec<_>>().as_slice()) {
            ("PUT", ["contacts"]) => match serde_json::from_slice::<Contact>(body) {
                Ok(contact) => {
                    self.lock().contacts.put(contact);
                    respond(200, &json!({}), None)
                }
                Err(e) => bad(format!("not a contact: {e}")),
            },
            ("GET", ["contacts", instance]) => {
                let contacts = self.lock().contacts.of_instance(instance);
                respond(
                    200,
                    &serde_json::to_value(contacts).unwrap_or_default(),
                    None,
                )
            }
            ("GET", ["contacts", instance, contact]) => {
                match self.lock().contacts.get(instance, contact) {
                    Some(contact) => respond(
                        200,
                        &serde_json::to_value(contact).unwrap_or_default(),
                        None,
                    ),
                    None => respond(404, &json!({ "message": "no such contact" }), None),
                }
            }
            ("POST", ["faults"]) => match serde_json::from_slice::<Fault>(body) {
                Ok(fault) => {
                    self.lock().faults.push(fault);
                    respond(200, &json!({}), None)
                }
                Err(e) => bad(format!("not a fault: {e}")),
            },
            ("GET", ["requests"]) => respond(
                200,
                &serde_json::to_value(&self.lock().served).unwrap_or_default(),
                None,
            ),
            _ => respond(
                404,
                &json!({ "message": format!("no control {method} /_local/{path}") }),
                None,
            ),
        }
    }
}
