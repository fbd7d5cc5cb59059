//! The printed form of a plan's calls: an object from each call's label to its request
//! members, as Connect's API names them, which reads back into the same calls.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Call, Calls, TaskCall};

impl Serialize for Calls {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for call in &self.0 {
            let label = call.label();
            match call {
                Call::UpdateContactAttributes(request) => map.serialize_entry(&label, request)?,
                Call::UpdateContact(request) => map.serialize_entry(&label, request)?,
                Call::UpdateContactRoutingData(request) => map.serialize_entry(&label, request)?,
                Call::StartTaskContact(request) => map.serialize_entry(&label, request)?,
                Call::TransferContact(request) => map.serialize_entry(&label, request)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Calls {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Labels;
        impl<'de> Visitor<'de> for Labels {
            type Value = Calls;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("calls by operation: UpdateContactAttributes, UpdateContact, UpdateContactRoutingData, StartTaskContact:NAME, TransferContact")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Calls, A::Error> {
                let mut calls = Vec::new();
                while let Some(label) = map.next_key::<String>()? {
                    let (operation, task) = match label.split_once(':') {
                        Some((operation, task)) => (operation, Some(task)),
                        None => (label.as_str(), None),
                    };
                    calls.push(match (operation, task) {
                        ("UpdateContactAttributes", None) => {
                            Call::UpdateContactAttributes(map.next_value()?)
                        }
                        ("UpdateContact", None) => Call::UpdateContact(map.next_value()?),
                        ("UpdateContactRoutingData", None) => {
                            Call::UpdateContactRoutingData(map.next_value()?)
                        }
                        ("StartTaskContact", Some(task)) => {
                            let mut request: TaskCall = map.next_value()?;
                            request.task = task.to_owned();
                            Call::StartTaskContact(request)
                        }
                        ("TransferContact", None) => Call::TransferContact(map.next_value()?),
                        _ => {
                            return Err(serde::de::Error::custom(format!("unknown call `{label}`")))
                        }
                    });
                }
                Ok(Calls(calls))
            }
        }
        deserializer.deserialize_map(Labels)
    }
}

/// `SegmentAttributes` holding only the contact's expiry, as Connect's requests spell it:
/// `{"connect:ContactExpiry": {"ValueMap": {"ExpiryDuration": {"ValueInteger": N}}}}`.
pub(super) mod contact_expiry {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::{json, Value};

    const POINTER: &str = "/connect:ContactExpiry/ValueMap/ExpiryDuration/ValueInteger";

    pub fn serialize<S: Serializer>(
        minutes: &Option<i32>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        minutes
            .map(|n| json!({"connect:ContactExpiry": {"ValueMap": {"ExpiryDuration": {"ValueInteger": n}}}}))
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i32>, D::Error> {
        let value = Option::<Value>::deserialize(deserializer)?;
        value
            .map(|v| {
                v.pointer(POINTER)
                    .and_then(Value::as_i64)
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| {
                        serde::de::Error::custom("SegmentAttributes without connect:ContactExpiry")
                    })
            })
            .transpose()
    }
}
