//! The new actions end to end through the checker and the planner: load-time problems with
//! their messages pinned, and the calls they plan.

use std::time::{Duration, UNIX_EPOCH};

use crate::calls::{Call, TaskLink, TaskTarget};
use crate::contact::Contact;
use crate::event::FlowEvent;
use crate::plan::{plan, Plan, PlanError};
use crate::rules::RuleBook;

fn problems(source: &str) -> Vec<String> {
    let error = RuleBook::from_source(source, "r.yaml").unwrap_err();
    error
        .problems
        .iter()
        .map(|p| p.display(&error.origin))
        .collect()
}

/// A one-set file whose rules are `rules`, indented as list items under `main`.
fn file(rules: &str) -> String {
    let body: String = rules.lines().map(|line| format!("    {line}\n")).collect();
    format!("rule_sets:\n  main:\n{body}")
}

fn contact(channel: &str, queue: bool) -> Contact {
    let queue = queue.then(|| serde_json::json!({"ARN": "arn:q", "Name": "Billing"}));
    let event = FlowEvent::from_value(serde_json::json!({"Details": {
        "ContactData": {
            "ContactId": "c-2", "InitialContactId": "c-1", "Channel": channel,
            "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/inst",
            "Attributes": {"tier": "1", "due": "1700003600"}, "Queue": queue
        }
    }}))
    .unwrap();
    // 1,700,000,030 s: fifty seconds into a minute that began at 1,699,999,980.
    Contact::new(event, UNIX_EPOCH + Duration::from_secs(1_700_000_030))
}

fn plan_of(rules: &str, contact: &Contact) -> Result<Plan, PlanError> {
    plan(
        &RuleBook::from_source(&file(rules), "r.yaml").unwrap(),
        contact,
    )
}

#[test]
fn tasks_are_checked_at_load() {
    let rules =
        "- id: a\n  actions:\n    create_task:\n      cb:\n        name: Call back\n        \
                 contact_flow_id: f\n        task_template_id: t\n        references:\n          \
                 doc: {type: ATTACHMENT, value: x}\n        schedule: {after_minutes: 9000}\n      \
                 bad key:\n        contact_flow_id: f\n";
    assert_eq!(
        problems(&file(rules)),
        [
            "r.yaml:6: rule `a` in rule set `main`: actions.create_task.cb: a task names exactly one of \
             `contact_flow_id`, `quick_connect_id` or `task_template_id` (a template alone only when \
             the template has a flow set)",
            "r.yaml:11: rule `a` in rule set `main`: actions.create_task.cb.references.doc.type: Connect \
             takes no ATTACHMENT reference when a task is created; use one of URL, NUMBER, STRING, DATE, EMAIL",
            "r.yaml:12: rule `a` in rule set `main`: actions.create_task.cb.schedule.after_minutes: the \
             minutes before the task starts must be from 1 to 8640",
            "r.yaml:13: rule `a` in rule set `main`: actions.create_task.bad key: task name: key `bad key` \
             has the character ' '; keys take only letters, digits, `-` and `_` (it names the answer key `task_NAME`)",
            "r.yaml:13: rule `a` in rule set `main`: actions.create_task.bad key: a task needs a `name`, \
             shown to the agent",
        ]
    );
}

#[test]
fn task_names_and_the_keys_actions_answer_are_reserved_within_a_rule_set() {
    let rules = "- id: a\n  actions:\n    create_task:\n      cb: {name: x, contact_flow_id: f}\n\
                 - id: b\n  actions:\n    create_task:\n      cb: {name: y, contact_flow_id: f}\n    \
                 return: {task_cb: mine}\n";
    assert_eq!(
        problems(&file(rules)),
        [
            "r.yaml:10: rule `b` in rule set `main`: actions.create_task.cb: rule `a` answers `task_cb` too; \
             name each task once in a rule set",
            "r.yaml:11: rule `b` in rule set `main`: actions.return.task_cb: `task_cb` is a key this rule \
             set's actions answer; choose another name",
        ]
    );
    // Without a task named cb, `task_cb` is an ordinary return key, as it always was.
    assert!(RuleBook::from_source(
        &file("- id: a\n  actions:\n    return: {task_cb: x}\n"),
        "r"
    )
    .is_ok());
}

#[test]
fn routing_and_expiry_are_checked_at_load() {
    let rules = "- id: a\n  actions:\n    set_routing:\n      queue_priority: 0\n      \
                 queue_time_adjustment_seconds: 60\n    contact_expiry: soon\n";
    assert_eq!(
        problems(&file(rules)),
        [
            "r.yaml:6: rule `a` in rule set `main`: actions.set_routing.queue_priority: the queue priority \
             must be from 1 to 9223372036854775807",
            "r.yaml:7: rule `a` in rule set `main`: actions.set_routing.queue_time_adjustment_seconds: an age \
             adjustment is added again every time Connect retries the invocation, so it cannot be made safe \
             to repeat; set `queue_priority` instead",
            "r.yaml:8: rule `a` in rule set `main`: actions.contact_expiry: the expiry in minutes is not a \
             whole number",
        ]
    );
}

#[test]
fn a_task_is_planned_with_its_link_schedule_expiry_and_a_derived_token() {
    let rules = "- id: follow\n  actions:\n    create_task:\n      cb:\n        name: 'Call {{ contact_id }}'\n        \
                 task_template_id: tt-1\n        link: related\n        attributes: {tier: '{{ attributes.tier }}'}\n        \
                 schedule: {after_minutes: 60}\n        expiry_minutes: 90\n";
    let plan = plan_of(rules, &contact("VOICE", false)).unwrap();
    let [Call::StartTaskContact(task)] = plan.calls.0.as_slice() else {
        panic!("{:?}", plan.calls)
    };
    assert_eq!(task.name, "Call c-2");
    assert_eq!(task.target, TaskTarget::TaskTemplate("tt-1".into()));
    assert_eq!(task.link, TaskLink::Related("c-2".into()));
    assert_eq!(task.attributes["tier"], "1");
    assert_eq!(
        task.scheduled_time,
        Some(1_699_999_980 + 3_600),
        "from the start of the current minute, so a retry asks for the same time"
    );
    assert_eq!(task.expiry_minutes, Some(90));
    assert_eq!(
        task.client_token,
        super::task::client_token("inst", "c-2", "follow", "cb")
    );
}

#[test]
fn a_scheduled_time_in_the_past_is_refused_before_any_call() {
    let rules = "- id: late\n  actions:\n    create_task:\n      cb: {name: x, contact_flow_id: f, schedule: {at: '1699999999'}}\n";
    assert_eq!(
        plan_of(rules, &contact("TASK", false))
            .unwrap_err()
            .to_string(),
        "rule `late`: actions.create_task.cb.schedule.at: the scheduled time is in the past"
    );
}

#[test]
fn expiry_rides_the_contact_update_for_tasks_and_emails_and_is_refused_for_others() {
    let rules =
        "- id: keep\n  actions:\n    contact_expiry: 2880\n    update_contact: {name: Kept}\n";
    let email = plan_of(rules, &contact("EMAIL", false)).unwrap();
    let [Call::UpdateContact(update)] = email.calls.0.as_slice() else {
        panic!("{:?}", email.calls)
    };
    assert_eq!(
        (update.expiry_minutes, update.name.as_deref()),
        (Some(2880), Some("Kept"))
    );
    let voice = plan_of(rules, &contact("VOICE", false)).unwrap();
    let [Call::UpdateContact(update)] = voice.calls.0.as_slice() else {
        panic!("{:?}", voice.calls)
    };
    assert_eq!(update.expiry_minutes, None, "the name still goes");
    assert_eq!(
        voice.refused["expiryRefused"],
        "rule `keep`: a VOICE contact has no expiry to set; Connect documents contact expiry for TASK and EMAIL contacts only"
    );
}

#[test]
fn an_expiry_alone_still_plans_an_update() {
    let plan = plan_of(
        "- id: keep\n  actions:\n    contact_expiry: 60\n",
        &contact("TASK", false),
    )
    .unwrap();
    assert_eq!(plan.calls.summary(), "UpdateContact(ContactExpiry)");
}

#[test]
fn routing_needs_a_queue_and_the_last_rule_wins() {
    let rules = "- id: base\n  actions:\n    set_routing: {queue_priority: 5}\n\
                 - id: tier\n  actions:\n    set_routing: {queue_priority: '{{ attributes.tier }}'}\n";
    let queued = plan_of(rules, &contact("VOICE", true)).unwrap();
    assert_eq!(
        queued.calls.summary(),
        "UpdateContactRoutingData(QueuePriority=1)"
    );
    let unqueued = plan_of(rules, &contact("VOICE", false)).unwrap();
    assert!(unqueued.calls.is_empty());
    assert_eq!(
        unqueued.refused["routingRefused"],
        "rule `base`: the contact is in no queue, so it has no routing priority to set"
    );
}
