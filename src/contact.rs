//! The contact as rules see it: every field a flow designer branches on, by name.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::calendar::{Calendar, Part, Zone, PARTS};
use crate::diagnostics::closest;
use crate::event::{ContactData, FlowEvent};

/// A contact field that conditions test and templates read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Channel,
    InitiationMethod,
    ContactId,
    InitialContactId,
    PreviousContactId,
    InstanceId,
    InstanceArn,
    QueueName,
    QueueArn,
    CustomerEndpointType,
    CustomerEndpointAddress,
    SystemEndpointType,
    SystemEndpointAddress,
    LanguageCode,
    Name,
    Description,
    CustomerId,
    Region,
    Attribute(String),
    Parameter(String),
    Reference(String),
    EpochSeconds,
    EpochMillis,
    /// A part of the local time: in the condition's `zone` when it names one, else in the
    /// rules file's `time_zone`.
    Local {
        part: Part,
        zone: Option<Zone>,
    },
}

const NAMED_FIELDS: [(&str, Field); 20] = [
    ("channel", Field::Channel),
    ("initiation_method", Field::InitiationMethod),
    ("contact_id", Field::ContactId),
    ("initial_contact_id", Field::InitialContactId),
    ("previous_contact_id", Field::PreviousContactId),
    ("instance_id", Field::InstanceId),
    ("instance_arn", Field::InstanceArn),
    ("queue.name", Field::QueueName),
    ("queue.arn", Field::QueueArn),
    ("customer_endpoint.type", Field::CustomerEndpointType),
    ("customer_endpoint.address", Field::CustomerEndpointAddress),
    ("system_endpoint.type", Field::SystemEndpointType),
    ("system_endpoint.address", Field::SystemEndpointAddress),
    ("language_code", Field::LanguageCode),
    ("name", Field::Name),
    ("description", Field::Description),
    ("customer_id", Field::CustomerId),
    ("region", Field::Region),
    ("now.epoch_seconds", Field::EpochSeconds),
    ("now.epoch_millis", Field::EpochMillis),
];

const KEYED_FIELDS: [&str; 3] = ["attributes.", "parameters.", "references."];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown contact field `{0}`; {hint}", hint = hint(.0))]
pub struct UnknownField(pub String);

/// The field a misspelt name most likely meant, else every field there is.
fn hint(name: &str) -> String {
    let key = name.split_once('.').map_or("KEY", |(_, key)| key);
    let named: Vec<&str> = NAMED_FIELDS
        .iter()
        .map(|(known, _)| *known)
        .chain(PARTS.iter().map(|(known, _)| *known))
        .collect();
    let candidates: Vec<String> = named
        .iter()
        .map(|known| (*known).to_owned())
        .chain(KEYED_FIELDS.iter().map(|prefix| format!("{prefix}{key}")))
        .collect();
    if let Some(close) = closest(name, &candidates) {
        return format!("did you mean `{close}`?");
    }
    format!(
        "known fields are {}, and attributes.KEY, parameters.KEY, references.NAME",
        named.join(", ")
    )
}

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some((_, field)) = NAMED_FIELDS.iter().find(|(known, _)| *known == name) {
            return Ok(field.clone());
        }
        if let Some((_, part)) = PARTS.iter().find(|(known, _)| *known == name) {
            return Ok(Field::Local {
                part: *part,
                zone: None,
            });
        }
        let keyed = |prefix: &str| name.strip_prefix(prefix).filter(|key| !key.is_empty());
        if let Some(key) = keyed(KEYED_FIELDS[0]) {
            Ok(Field::Attribute(key.to_owned()))
        } else if let Some(key) = keyed(KEYED_FIELDS[1]) {
            Ok(Field::Parameter(key.to_owned()))
        } else if let Some(key) = keyed(KEYED_FIELDS[2]) {
            Ok(Field::Reference(key.to_owned()))
        } else {
            Err(UnknownField(name.to_owned()))
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Attribute(key) => write!(f, "{}{key}", KEYED_FIELDS[0]),
            Field::Parameter(key) => write!(f, "{}{key}", KEYED_FIELDS[1]),
            Field::Reference(key) => write!(f, "{}{key}", KEYED_FIELDS[2]),
            Field::Local { part, .. } => write!(f, "{part}"),
            named => {
                let (name, _) = NAMED_FIELDS
                    .iter()
                    .find(|(_, field)| field == named)
                    .expect("every unkeyed field is named");
                f.write_str(name)
            }
        }
    }
}

/// One contact at one moment: the event's data, the block's parameters and the time rules see.
#[derive(Debug, Clone)]
pub struct Contact {
    pub data: ContactData,
    pub parameters: BTreeMap<String, String>,
    pub instance_id: String,
    now: SystemTime,
    calendar: Calendar,
}

impl Contact {
    pub fn new(event: FlowEvent, now: SystemTime) -> Self {
        let data = event.details.contact_data;
        let instance_id = instance_id(&data.instance_arn).to_owned();
        Contact {
            data,
            parameters: event.details.parameters,
            instance_id,
            now,
            calendar: Calendar::default(),
        }
    }

    /// The contact with local time read in the rules file's zone and holidays.
    pub fn in_calendar(self, calendar: Calendar) -> Self {
        Contact { calendar, ..self }
    }

    /// The moment rules see as now.
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// The contact whose attributes UpdateContactAttributes writes.
    pub fn initial_contact_id(&self) -> &str {
        self.data
            .initial_contact_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .unwrap_or(&self.data.contact_id)
    }

    /// A field's value; absent and empty values are both `None`, as Connect removes an
    /// attribute whose value is set to the empty string.
    pub fn get(&self, field: &Field) -> Option<Cow<'_, str>> {
        let data = &self.data;
        fn borrowed(value: Option<&String>) -> Option<Cow<'_, str>> {
            value.map(|text| Cow::Borrowed(text.as_str()))
        }
        let value = match field {
            Field::Channel => borrowed(data.channel.as_ref()),
            Field::InitiationMethod => borrowed(data.initiation_method.as_ref()),
            Field::ContactId => Some(Cow::Borrowed(data.contact_id.as_str())),
            Field::InitialContactId => borrowed(data.initial_contact_id.as_ref()),
            Field::PreviousContactId => borrowed(data.previous_contact_id.as_ref()),
            Field::InstanceId => Some(Cow::Borrowed(self.instance_id.as_str())),
            Field::InstanceArn => Some(Cow::Borrowed(data.instance_arn.as_str())),
            Field::QueueName => borrowed(data.queue.as_ref().and_then(|q| q.name.as_ref())),
            Field::QueueArn => borrowed(data.queue.as_ref().and_then(|q| q.arn.as_ref())),
            Field::CustomerEndpointType => borrowed(
                data.customer_endpoint
                    .as_ref()
                    .and_then(|e| e.kind.as_ref()),
            ),
            Field::CustomerEndpointAddress => borrowed(
                data.customer_endpoint
                    .as_ref()
                    .and_then(|e| e.address.as_ref()),
            ),
            Field::SystemEndpointType => {
                borrowed(data.system_endpoint.as_ref().and_then(|e| e.kind.as_ref()))
            }
            Field::SystemEndpointAddress => borrowed(
                data.system_endpoint
                    .as_ref()
                    .and_then(|e| e.address.as_ref()),
            ),
            Field::LanguageCode => borrowed(data.language_code.as_ref()),
            Field::Name => borrowed(data.name.as_ref()),
            Field::Description => borrowed(data.description.as_ref()),
            Field::CustomerId => borrowed(data.customer_id.as_ref()),
            Field::Region => borrowed(data.aws_region.as_ref()),
            Field::Attribute(key) => borrowed(data.attributes.get(key)),
            Field::Parameter(key) => borrowed(self.parameters.get(key)),
            Field::Reference(name) => {
                borrowed(data.references.get(name).and_then(|r| r.value.as_ref()))
            }
            Field::EpochSeconds => Some(Cow::Owned(self.since_epoch().as_secs().to_string())),
            Field::EpochMillis => Some(Cow::Owned(self.since_epoch().as_millis().to_string())),
            Field::Local { part, zone } => Some(Cow::Owned(self.calendar.read(
                *part,
                self.now,
                zone.as_ref(),
            ))),
        };
        value.filter(|text| !text.is_empty())
    }

    /// The moment rules see as now, in whole seconds since the epoch.
    pub fn epoch_seconds(&self) -> i64 {
        self.since_epoch().as_secs() as i64
    }

    fn since_epoch(&self) -> std::time::Duration {
        self.now.duration_since(UNIX_EPOCH).unwrap_or_default()
    }
}

/// The instance id API calls take: the last path segment of the instance ARN.
pub fn instance_id(instance_arn: &str) -> &str {
    instance_arn.rsplit('/').next().unwrap_or(instance_arn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn contact(json: serde_json::Value) -> Contact {
        let event = FlowEvent::from_value(json).unwrap();
        Contact::new(event, UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
    }

    fn task() -> Contact {
        contact(serde_json::json!({"Details": {
            "ContactData": {
                "ContactId": "c-2", "InitialContactId": "c-1", "Channel": "TASK",
                "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/inst-9",
                "CustomerEndpoint": null,
                "Attributes": {"tier": "gold", "blank": ""},
                "References": {"case": {"Type": "url", "Value": "https://crm/1"}}
            },
            "Parameters": {"ruleSet": "tasks"}
        }}))
    }

    #[test]
    fn field_names_round_trip() {
        for (name, _) in NAMED_FIELDS {
            assert_eq!(name.parse::<Field>().unwrap().to_string(), name);
        }
        for name in ["attributes.a-b_c", "parameters.x", "references.case file"] {
            assert_eq!(name.parse::<Field>().unwrap().to_string(), name);
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let error = |name: &str| name.parse::<Field>().unwrap_err().to_string();
        assert_eq!(
            error("queue.nmae"),
            "unknown contact field `queue.nmae`; did you mean `queue.name`?"
        );
        assert_eq!(
            error("attribute.tier"),
            "unknown contact field `attribute.tier`; did you mean `attributes.tier`?"
        );
        assert!(error("zzz").starts_with("unknown contact field `zzz`; known fields are channel, "));
        assert!("attributes.".parse::<Field>().is_err());
    }

    #[test]
    fn reads_fields_and_treats_empty_as_missing() {
        let task = task();
        let get = |name: &str| task.get(&name.parse().unwrap()).map(|v| v.into_owned());
        assert_eq!(get("instance_id").as_deref(), Some("inst-9"));
        assert_eq!(get("attributes.tier").as_deref(), Some("gold"));
        assert_eq!(get("attributes.blank"), None);
        assert_eq!(get("customer_endpoint.address"), None);
        assert_eq!(get("references.case").as_deref(), Some("https://crm/1"));
        assert_eq!(get("parameters.ruleSet").as_deref(), Some("tasks"));
        assert_eq!(get("now.epoch_seconds").as_deref(), Some("1700000000"));
        assert_eq!(get("now.epoch_millis").as_deref(), Some("1700000000123"));
        assert_eq!(task.initial_contact_id(), "c-1");
    }
}
