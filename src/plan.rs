//! Evaluating a rule set against a contact: a pure function from (rules, contact) to a plan,
//! plain data naming every Connect call to make. Every value is rendered and checked against
//! Connect's limits here, so nothing is called for an invocation that would fail part-way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contact::Contact;
use crate::limits::{self, ReferenceType};
use crate::rules::{OnMissing, Rule, RuleBook, TransferAction, TransferTarget};
use crate::template::{Encoding, Missing, Template};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub rule_set: String,
    pub matched_rules: Vec<String>,
    pub calls: Calls,
    /// `return` values of the matched rules, later rules overriding earlier ones.
    pub answer: BTreeMap<String, String>,
    /// Values left out because a field they read was missing (`on_missing: skip`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Why a matched transfer is not in the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_refused: Option<String>,
}

/// The Connect calls of one invocation, with the parameters they will be sent with. It
/// reads back from its printed form, which is what the benchmark baseline is fed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calls {
    #[serde(
        rename = "UpdateContactAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributes: Option<AttributesCall>,
    #[serde(
        rename = "UpdateContact",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact: Option<ContactCall>,
    #[serde(
        rename = "TransferContact",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transfer: Option<TransferCall>,
}

impl Calls {
    /// The calls by operation and the keys they write, without values, for logs.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(call) = &self.attributes {
            let keys = call
                .attributes
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            parts.push(format!("UpdateContactAttributes({keys})"));
        }
        if let Some(call) = &self.contact {
            let mut fields: Vec<&str> = call.references.keys().map(String::as_str).collect();
            fields.extend(call.name.as_ref().map(|_| "Name"));
            fields.extend(call.description.as_ref().map(|_| "Description"));
            parts.push(format!("UpdateContact({})", fields.join(" ")));
        }
        if let Some(call) = &self.transfer {
            let target = match &call.target {
                TransferTarget::Queue(id) => format!("QueueId={id}"),
                TransferTarget::User(id) => format!("UserId={id}"),
            };
            parts.push(format!(
                "TransferContact({target} ContactFlowId={})",
                call.contact_flow_id
            ));
        }
        parts.join(",")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributesCall {
    pub instance_id: String,
    pub initial_contact_id: String,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactCall {
    pub instance_id: String,
    pub contact_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub references: BTreeMap<String, PlannedReference>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlannedReference {
    #[serde(rename = "Type")]
    pub kind: ReferenceType,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransferCall {
    pub instance_id: String,
    pub contact_id: String,
    #[serde(flatten)]
    pub target: TransferTarget<String>,
    pub contact_flow_id: String,
    /// Derived from the intent, so Connect's retries of an invocation never transfer twice.
    pub client_token: String,
    #[serde(skip)]
    pub rule: String,
}

/// Why no plan could be made. Nothing has been called when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the block parameter `{parameter}` names rule set `{name}`, which the rules file does not have; it has: {known}")]
    UnknownRuleSet {
        parameter: String,
        name: String,
        known: String,
    },
    #[error("no rule set chosen: set the block parameter `{parameter}` (the rules file has no default_rule_set)")]
    NoRuleSet { parameter: String },
    #[error("rule `{rule}`: {path}: {missing} (the rule says on_missing: fail)")]
    MissingValue {
        rule: String,
        path: String,
        missing: Missing,
    },
    #[error("rule `{rule}`: {path}: {message}")]
    InvalidValue {
        rule: String,
        path: String,
        message: String,
    },
    #[error("rules `{first}` and `{second}` both transfer the contact; a contact is transferred once per invocation")]
    ConflictingTransfers { first: String, second: String },
    #[error("the contact's attributes would take {bytes} bytes; Connect holds at most {limit}", limit = limits::ATTRIBUTES_TOTAL_BYTES)]
    AttributesTooLarge { bytes: usize },
    #[error("the contact's references would take {bytes} bytes; Connect holds at most {limit}", limit = limits::REFERENCES_TOTAL_BYTES)]
    ReferencesTooLarge { bytes: usize },
}

impl PlanError {
    /// The `errorCode` the flow sees.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::UnknownRuleSet { .. } => "UnknownRuleSet",
            PlanError::NoRuleSet { .. } => "NoRuleSet",
            PlanError::MissingValue { .. } => "MissingValue",
            PlanError::InvalidValue { .. } => "InvalidValue",
            PlanError::ConflictingTransfers { .. } => "ConflictingTransfers",
            PlanError::AttributesTooLarge { .. } => "AttributesTooLarge",
            PlanError::ReferencesTooLarge { .. } => "ReferencesTooLarge",
        }
    }
}

/// Channels TransferContact accepts.
const TRANSFERABLE_CHANNELS: [&str; 2] = ["TASK", "EMAIL"];

/// Picks the rule set the block asks for, evaluates it in order and renders the calls.
pub fn plan(book: &RuleBook, contact: &Contact) -> Result<Plan, PlanError> {
    let (rule_set, rules) = choose_rule_set(book, contact)?;
    let mut builder = Builder::new(contact, rule_set);
    for rule in rules {
        if rule
            .when
            .as_ref()
            .is_none_or(|condition| condition.holds(contact))
        {
            builder.apply(rule)?;
            if rule.stop {
                break;
            }
        }
    }
    builder.finish()
}

fn choose_rule_set<'b>(
    book: &'b RuleBook,
    contact: &Contact,
) -> Result<(&'b str, &'b [Rule]), PlanError> {
    let parameter = &book.settings.rule_set_parameter;
    let name = contact
        .parameters
        .get(parameter)
        .filter(|name| !name.is_empty())
        .or(book.settings.default_rule_set.as_ref())
        .ok_or_else(|| PlanError::NoRuleSet {
            parameter: parameter.clone(),
        })?;
    book.rule_sets
        .get_key_value(name)
        .map(|(name, rules)| (name.as_str(), rules.as_slice()))
        .ok_or_else(|| PlanError::UnknownRuleSet {
            parameter: parameter.clone(),
            name: name.clone(),
            known: book
                .rule_sets
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })
}

struct Builder<'c> {
    contact: &'c Contact,
    plan: Plan,
    attributes: BTreeMap<String, String>,
    references: BTreeMap<String, PlannedReference>,
    name: Option<String>,
    description: Option<String>,
}

impl<'c> Builder<'c> {
    fn new(contact: &'c Contact, rule_set: &str) -> Self {
        Builder {
            contact,
            plan: Plan {
                rule_set: rule_set.to_owned(),
                matched_rules: Vec::new(),
                calls: Calls::default(),
                answer: BTreeMap::new(),
                skipped: Vec::new(),
                transfer_refused: None,
            },
            attributes: BTreeMap::new(),
            references: BTreeMap::new(),
            name: None,
            description: None,
        }
    }

    /// Renders one value; `None` when it was skipped for a missing field.
    fn render(
        &mut self,
        rule: &Rule,
        path: &str,
        template: &Template,
        encoding: Encoding,
    ) -> Result<Option<String>, PlanError> {
        match template.render(self.contact, encoding) {
            Ok(value) => Ok(Some(value)),
            Err(missing) if rule.on_missing == OnMissing::Skip => {
                self.plan.skipped.push(format!("{}.{path}", rule.id));
                tracing::debug!(rule = %rule.id, path, %missing, "value skipped");
                Ok(None)
            }
            Err(missing) => Err(PlanError::MissingValue {
                rule: rule.id.clone(),
                path: path.to_owned(),
                missing,
            }),
        }
    }

    fn apply(&mut self, rule: &Rule) -> Result<(), PlanError> {
        self.plan.matched_rules.push(rule.id.clone());
        let actions = &rule.actions;
        for (key, template) in &actions.set_attributes {
            let path = format!("actions.set_attributes.{key}");
            if let Some(value) = self.render(rule, &path, template, Encoding::Plain)? {
                self.attributes.insert(key.clone(), value);
            }
        }
        for reference in &actions.add_references {
            let path = format!("actions.add_references.{}", reference.name);
            let encoding = match reference.kind {
                ReferenceType::Url => Encoding::UrlParts,
                _ => Encoding::Plain,
            };
            if let Some(value) = self.render(rule, &path, &reference.value, encoding)? {
                reference
                    .kind
                    .check_value(&value)
                    .map_err(|message| invalid(rule, &path, message))?;
                let planned = PlannedReference {
                    kind: reference.kind,
                    value,
                };
                self.references.insert(reference.name.clone(), planned);
            }
        }
        if let Some(template) = &actions.name {
            let path = "actions.update_contact.name";
            if let Some(name) = self.render(rule, path, template, Encoding::Plain)? {
                limits::check_length("the name", &name, 0, limits::CONTACT_NAME_MAX)
                    .map_err(|m| invalid(rule, path, m))?;
                self.name = Some(name);
            }
        }
        if let Some(template) = &actions.description {
            let path = "actions.update_contact.description";
            if let Some(description) = self.render(rule, path, template, Encoding::Plain)? {
                limits::check_length(
                    "the description",
                    &description,
                    0,
                    limits::CONTACT_DESCRIPTION_MAX,
                )
                .map_err(|m| invalid(rule, path, m))?;
                self.description = Some(description);
            }
        }
        if let Some(transfer) = &actions.transfer {
            self.transfer(rule, transfer)?;
        }
        for (key, template) in &actions.answer {
            let path = format!("actions.return.{key}");
            if let Some(value) = self.render(rule, &path, template, Encoding::Plain)? {
                self.plan.answer.insert(key.clone(), value);
            }
        }
        Ok(())
    }

    fn transfer(&mut self, rule: &Rule, transfer: &TransferAction) -> Result<(), PlanError> {
        let channel = self.contact.data.channel.as_deref().unwrap_or("unknown");
        if !TRANSFERABLE_CHANNELS.contains(&channel) {
            self.plan.transfer_refused.get_or_insert_with(|| {
                format!("rule `{}`: a {channel} contact cannot be transferred; TransferContact takes TASK and EMAIL contacts only", rule.id)
            });
            return Ok(());
        }
        if let Some(first) = &self.plan.calls.transfer {
            return Err(PlanError::ConflictingTransfers {
                first: first.rule.clone(),
                second: rule.id.clone(),
            });
        }
        let (path, template) = match &transfer.target {
            TransferTarget::Queue(template) => ("actions.transfer.queue_id", template),
            TransferTarget::User(template) => ("actions.transfer.user_id", template),
        };
        let Some(target_id) = self.render(rule, path, template, Encoding::Plain)? else {
            return Ok(());
        };
        let flow_path = "actions.transfer.contact_flow_id";
        let Some(contact_flow_id) =
            self.render(rule, flow_path, &transfer.contact_flow_id, Encoding::Plain)?
        else {
            return Ok(());
        };
        limits::check_length("the id", &target_id, 1, limits::RESOURCE_ID_MAX)
            .map_err(|m| invalid(rule, path, m))?;
        limits::check_length("the id", &contact_flow_id, 1, limits::CONTACT_FLOW_ID_MAX)
            .map_err(|m| invalid(rule, flow_path, m))?;
        let target = match transfer.target {
            TransferTarget::Queue(_) => TransferTarget::Queue(target_id),
            TransferTarget::User(_) => TransferTarget::User(target_id),
        };
        let contact = self.contact;
        let client_token = client_token(
            &contact.instance_id,
            &contact.data.contact_id,
            &rule.id,
            &target,
            &contact_flow_id,
        );
        self.plan.calls.transfer = Some(TransferCall {
            instance_id: contact.instance_id.clone(),
            contact_id: contact.data.contact_id.clone(),
            target,
            contact_flow_id,
            client_token,
            rule: rule.id.clone(),
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Plan, PlanError> {
        let contact = self.contact;
        if !self.attributes.is_empty() {
            let mut merged: BTreeMap<&str, &str> = contact
                .data
                .attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            merged.extend(
                self.attributes
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let bytes =
                limits::total_bytes(merged.into_iter().filter(|(_, value)| !value.is_empty()));
            if bytes > limits::ATTRIBUTES_TOTAL_BYTES {
                return Err(PlanError::AttributesTooLarge { bytes });
            }
            self.plan.calls.attributes = Some(AttributesCall {
                instance_id: contact.instance_id.clone(),
                initial_contact_id: contact.initial_contact_id().to_owned(),
                attributes: self.attributes,
            });
        }
        if !self.references.is_empty() {
            let mut merged: BTreeMap<&str, &str> = contact
                .data
                .references
                .iter()
                .map(|(name, reference)| {
                    (
                        name.as_str(),
                        reference.value.as_deref().unwrap_or_default(),
                    )
                })
                .collect();
            merged.extend(
                self.references
                    .iter()
                    .map(|(name, r)| (name.as_str(), r.value.as_str())),
            );
            let bytes = limits::total_bytes(merged);
            if bytes > limits::REFERENCES_TOTAL_BYTES {
                return Err(PlanError::ReferencesTooLarge { bytes });
            }
        }
        if !self.references.is_empty() || self.name.is_some() || self.description.is_some() {
            self.plan.calls.contact = Some(ContactCall {
                instance_id: contact.instance_id.clone(),
                contact_id: contact.data.contact_id.clone(),
                name: self.name,
                description: self.description,
                references: self.references,
            });
        }
        Ok(self.plan)
    }
}

fn invalid(rule: &Rule, path: &str, message: String) -> PlanError {
    PlanError::InvalidValue {
        rule: rule.id.clone(),
        path: path.to_owned(),
        message,
    }
}

/// The TransferContact idempotency key: a hash of what identifies the intent (instance,
/// contact, rule, target and flow), never random and never time, so every retry of the same
/// invocation sends the same token and Connect transfers once.
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
    let mut hash = Sha256::new();
    for part in [
        "connect-rules/transfer/v1",
        instance_id,
        contact_id,
        rule,
        kind,
        target_id,
        contact_flow_id,
    ] {
        // Length-prefixed, so no two different intents can run together into the same bytes.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::FlowEvent;
    use std::time::{Duration, UNIX_EPOCH};

    const RULES: &str = r#"
settings:
  default_rule_set: main
rule_sets:
  main:
    - id: tier
      when: {field: attributes.tier, equals: gold}
      actions:
        set_attributes: {priority: "1", tier_seen: "yes"}
        return: {route: gold}
    - id: override
      actions:
        set_attributes: {priority: "2"}
    - id: halt
      stop: true
    - id: never
      actions:
        set_attributes: {unreachable: "x"}
  tasks:
    - id: to-queue
      when: {field: channel, one_of: [TASK, EMAIL]}
      actions:
        transfer: {queue_id: "{{ parameters.queue | default: 'q-default' }}", contact_flow_id: f-1}
  strict:
    - id: needs-case
      actions:
        set_attributes: {case: "{{ attributes.caseId }}"}
  lenient:
    - id: maybe-case
      on_missing: skip
      actions:
        set_attributes: {case: "{{ attributes.caseId }}", fixed: "v"}
  links:
    - id: link
      actions:
        add_references:
          crm: {type: URL, value: "https://crm.example.com/c?q={{ attributes.q }}"}
  raw-links:
    - id: raw
      actions:
        add_references:
          crm: {type: URL, value: "{{ attributes.q | raw }}"}
  two-transfers:
    - id: first
      actions: {transfer: {queue_id: q-1, contact_flow_id: f}}
    - id: second
      actions: {transfer: {user_id: u-1, contact_flow_id: f}}
"#;

    fn book() -> RuleBook {
        RuleBook::from_source(RULES, "test").unwrap()
    }

    fn contact(
        channel: &str,
        attributes: serde_json::Value,
        parameters: serde_json::Value,
    ) -> Contact {
        let event = FlowEvent::from_value(serde_json::json!({"Details": {
            "ContactData": {
                "ContactId": "c-2", "InitialContactId": "c-1", "Channel": channel,
                "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/inst",
                "Attributes": attributes
            },
            "Parameters": parameters
        }}))
        .unwrap();
        Contact::new(event, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    fn plan_for(rule_set: &str, attributes: serde_json::Value) -> Result<Plan, PlanError> {
        let contact = contact("TASK", attributes, serde_json::json!({"ruleSet": rule_set}));
        plan(&book(), &contact)
    }

    #[test]
    fn rules_apply_in_order_later_values_win_and_stop_halts() {
        let contact = contact(
            "VOICE",
            serde_json::json!({"tier": "gold"}),
            serde_json::json!({}),
        );
        let plan = plan(&book(), &contact).unwrap();
        assert_eq!(plan.rule_set, "main");
        assert_eq!(plan.matched_rules, ["tier", "override", "halt"]);
        let call = plan.calls.attributes.unwrap();
        assert_eq!(
            call.initial_contact_id, "c-1",
            "attributes are written on the initial contact"
        );
        assert_eq!(call.instance_id, "inst");
        assert_eq!(
            call.attributes,
            BTreeMap::from([
                ("priority".into(), "2".into()),
                ("tier_seen".into(), "yes".into())
            ])
        );
        assert_eq!(plan.answer["route"], "gold");
        assert!(plan.calls.contact.is_none() && plan.calls.transfer.is_none());
    }

    #[test]
    fn rule_sets_are_chosen_by_the_block_parameter() {
        let contact = |ruleset: &str| {
            contact(
                "TASK",
                serde_json::json!({}),
                serde_json::json!({"ruleSet": ruleset}),
            )
        };
        assert_eq!(plan(&book(), &contact("tasks")).unwrap().rule_set, "tasks");
        assert_eq!(
            plan(&book(), &contact("nope")).unwrap_err().to_string(),
            "the block parameter `ruleSet` names rule set `nope`, which the rules file does not have; \
             it has: lenient, links, main, raw-links, strict, tasks, two-transfers"
        );
        let mut no_default = book();
        no_default.settings.default_rule_set = None;
        let plain = self::contact("TASK", serde_json::json!({}), serde_json::json!({}));
        assert_eq!(plan(&no_default, &plain).unwrap_err().code(), "NoRuleSet");
    }

    #[test]
    fn transfers_only_tasks_and_emails_with_a_derived_token() {
        let task = contact(
            "TASK",
            serde_json::json!({}),
            serde_json::json!({"ruleSet": "tasks", "queue": "q-9"}),
        );
        let transfer = plan(&book(), &task).unwrap().calls.transfer.unwrap();
        assert_eq!(transfer.target, TransferTarget::Queue("q-9".into()));
        assert_eq!(
            transfer.contact_id, "c-2",
            "the current contact is transferred"
        );
        let again = plan(&book(), &task).unwrap().calls.transfer.unwrap();
        assert_eq!(
            transfer.client_token, again.client_token,
            "the same intent gives the same token"
        );
        assert_eq!(transfer.client_token.len(), 64);

        let voice = contact(
            "VOICE",
            serde_json::json!({}),
            serde_json::json!({"ruleSet": "tasks"}),
        );
        let refused = plan(&book(), &voice).unwrap();
        assert!(refused.calls.transfer.is_none());
        assert!(
            refused.matched_rules.is_empty(),
            "the rule's condition excludes voice"
        );
    }

    #[test]
    fn a_voice_contact_is_never_transferred_and_the_plan_says_why() {
        let voice = contact(
            "VOICE",
            serde_json::json!({}),
            serde_json::json!({"ruleSet": "two-transfers"}),
        );
        let plan = plan(&book(), &voice).unwrap();
        assert!(plan.calls.transfer.is_none());
        assert_eq!(
            plan.transfer_refused.as_deref(),
            Some("rule `first`: a VOICE contact cannot be transferred; TransferContact takes TASK and EMAIL contacts only")
        );
    }

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

    #[test]
    fn two_transfers_in_one_invocation_are_refused() {
        assert_eq!(
            plan_for("two-transfers", serde_json::json!({})).unwrap_err(),
            PlanError::ConflictingTransfers {
                first: "first".into(),
                second: "second".into()
            }
        );
    }

    #[test]
    fn missing_values_fail_or_skip_as_the_rule_says() {
        assert_eq!(
            plan_for("strict", serde_json::json!({})).unwrap_err().to_string(),
            "rule `needs-case`: actions.set_attributes.case: `attributes.caseId` is missing (the rule says on_missing: fail)"
        );
        let lenient = plan_for("lenient", serde_json::json!({})).unwrap();
        assert_eq!(lenient.skipped, ["maybe-case.actions.set_attributes.case"]);
        assert_eq!(
            lenient.calls.attributes.unwrap().attributes,
            BTreeMap::from([("fixed".into(), "v".into())])
        );
    }

    #[test]
    fn url_references_stay_on_their_site() {
        let encoded = plan_for(
            "links",
            serde_json::json!({"q": "\"><script>alert(1)</script>"}),
        )
        .unwrap();
        let reference = &encoded.calls.contact.unwrap().references["crm"];
        assert_eq!(
            reference.value,
            "https://crm.example.com/c?q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
        );
        assert_eq!(
            plan_for("raw-links", serde_json::json!({"q": "javascript:alert(1)"}))
                .unwrap_err()
                .to_string(),
            "rule `raw`: actions.add_references.crm: is not an http or https URL"
        );
        assert!(plan_for(
            "raw-links",
            serde_json::json!({"q": "https://crm.example.com/x"})
        )
        .is_ok());
    }

    #[test]
    fn totals_include_what_the_contact_already_holds() {
        let existing = serde_json::json!({"big": "x".repeat(32_760), "tier": "gold"});
        let contact = contact("VOICE", existing, serde_json::json!({}));
        assert_eq!(
            plan(&book(), &contact).unwrap_err(),
            PlanError::AttributesTooLarge { bytes: 32_792 }
        );
        let replaced = serde_json::json!({"q": "x".repeat(5000)});
        assert!(matches!(
            plan_for("links", replaced),
            Err(PlanError::InvalidValue { .. })
        ));
    }

    #[test]
    fn summaries_name_keys_never_values() {
        let contact = contact(
            "VOICE",
            serde_json::json!({"tier": "gold"}),
            serde_json::json!({}),
        );
        let summary = plan(&book(), &contact).unwrap().calls.summary();
        assert_eq!(summary, "UpdateContactAttributes(priority tier_seen)");
        let task = plan_for("tasks", serde_json::json!({}))
            .unwrap()
            .calls
            .summary();
        assert_eq!(task, "TransferContact(QueueId=q-default ContactFlowId=f-1)");
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;

    #[test]
    fn printed_calls_read_back_as_the_same_calls() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let book = RuleBook::load(&path.join("rules/rules.yaml")).unwrap();
        let event = crate::event::FlowEvent::from_slice(
            &std::fs::read(path.join("events/task.json")).unwrap(),
        )
        .unwrap();
        let mut calls = plan(&book, &Contact::new(event, std::time::SystemTime::now()))
            .unwrap()
            .calls;
        let printed = serde_json::to_string(&calls).unwrap();
        let read: Calls = serde_json::from_str(&printed).unwrap();
        // The rule id is ours, not a request parameter: it is not printed.
        calls.transfer.as_mut().unwrap().rule.clear();
        assert_eq!(read, calls);
    }
}
