//! Time conditions at frozen moments: business hours in a zone with daylight saving, a
//! holiday list, windows across midnight, a condition's own zone, ages of epoch values,
//! local time in templates, and what the loader refuses.

use std::time::SystemTime;

use super::RuleBook;
use crate::contact::Contact;
use crate::event::FlowEvent;
use crate::moment::moment;
use crate::plan::plan;

const HOURS: &str = "\
settings:
  time_zone: Europe/Paris
  holidays: [2026-12-25, 2027-01-01]
rule_sets:
  hours:
    - id: holiday
      when: {field: now.holiday, equals: true}
      actions: {return: {open: \"false\"}}
      stop: true
    - id: business-hours
      when:
        all:
          - {field: now.weekday, one_of: [mon, tue, wed, thu, friday]}
          - {field: now.time, between: [\"08:30\", \"18:00\"]}
      actions:
        return: {open: \"true\"}
        set_attributes: {checkedAt: \"{{ now.weekday }} {{ now.local }}\"}
      stop: true
    - id: night
      when: {field: now.time, between: [\"22:00\", \"06:00\"]}
      actions: {return: {open: night}}
      stop: true
    - id: new-york-morning
      when: {field: now.time, between: [\"06:00\", \"12:00\"], zone: America/New_York}
      actions: {return: {open: new-york}}
      stop: true
    - id: stale-case
      when: {field: references.due, older_than: 48h}
      actions: {return: {open: stale}}
";

fn answer(source: &str, at: &str, references: serde_json::Value) -> (Vec<String>, String) {
    let book = RuleBook::from_source(source, "r.yaml").unwrap();
    let event = FlowEvent::from_value(serde_json::json!({"Details": {"ContactData": {
        "ContactId": "c", "Channel": "VOICE", "References": references,
        "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i"
    }}}))
    .unwrap();
    let now: SystemTime = moment(at).unwrap();
    let contact = Contact::new(event, now).in_calendar(book.settings.calendar.clone());
    let plan = plan(&book, &contact).unwrap();
    let open = plan.answer.get("open").cloned().unwrap_or_default();
    (plan.matched_rules, open)
}

fn open_at(at: &str) -> String {
    answer(HOURS, at, serde_json::json!({})).1
}

#[test]
fn business_hours_follow_the_zone_across_daylight_saving() {
    // Paris is UTC+1 until 29 March 2026 02:00, then UTC+2 until 25 October 2026 03:00.
    assert_eq!(open_at("2026-03-27T07:45:00Z"), "true", "Friday 08:45 CET");
    assert_eq!(
        open_at("2026-03-27T17:15:00Z"),
        "",
        "Friday 18:15 CET: closed"
    );
    assert_eq!(open_at("2026-03-30T06:45:00Z"), "true", "Monday 08:45 CEST");
    assert_eq!(
        open_at("2026-03-30T16:30:00Z"),
        "",
        "Monday 18:30 CEST: closed, though 17:30 in winter time"
    );
    assert_eq!(
        open_at("2026-10-26T07:15:00Z"),
        "",
        "Monday 08:15 CET: closed, though 09:15 in summer time"
    );
    assert_eq!(open_at("2026-10-26T07:45:00Z"), "true", "Monday 08:45 CET");
    assert_eq!(open_at("2026-03-28T17:00:00Z"), "", "Saturday 18:00");
}

#[test]
fn a_holiday_closes_a_working_day_by_the_local_date() {
    assert_eq!(
        open_at("2026-12-25T10:00:00Z"),
        "false",
        "Christmas, a Friday"
    );
    assert_eq!(open_at("2026-12-24T10:00:00Z"), "true");
    // 23:30 UTC on 31 December is already 1 January in Paris.
    assert_eq!(open_at("2026-12-31T23:30:00Z"), "false");
}

#[test]
fn windows_cross_midnight_and_a_condition_may_name_its_own_zone() {
    assert_eq!(
        open_at("2026-11-27T22:30:00Z"),
        "night",
        "Friday 23:30 in Paris"
    );
    assert_eq!(open_at("2026-11-28T04:59:00Z"), "night", "Saturday 05:59");
    assert_eq!(
        open_at("2026-11-28T12:00:00Z"),
        "new-york",
        "Saturday 07:00 in New York"
    );
    assert_eq!(
        open_at("2026-11-28T17:00:00Z"),
        "",
        "12:00 in New York, the window's end"
    );
}

#[test]
fn ages_of_epoch_seconds_and_milliseconds() {
    let at = "2026-11-28T18:00:00Z"; // a Saturday evening: no other rule matches
    let stale = |due: &str| {
        answer(
            HOURS,
            at,
            serde_json::json!({"due": {"Type": "DATE", "Value": due}}),
        )
        .0
    };
    assert_eq!(
        stale("1795507200000"),
        ["stale-case"],
        "26 November 00:00 in ms: older than 48h"
    );
    assert_eq!(stale("1795507200"), ["stale-case"], "the same in seconds");
    assert!(
        stale("1795766400000").is_empty(),
        "28 November 00:00: 18 hours old"
    );
    assert!(stale("soon").is_empty(), "not a time: never older");
}

#[test]
fn templates_read_the_local_time() {
    let book = RuleBook::from_source(HOURS, "r.yaml").unwrap();
    let event = FlowEvent::from_value(serde_json::json!({"Details": {"ContactData": {
        "ContactId": "c", "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i"
    }}}))
    .unwrap();
    let now = moment("2026-03-30T07:00:00Z").unwrap();
    let contact = Contact::new(event, now).in_calendar(book.settings.calendar.clone());
    let calls = serde_json::to_value(plan(&book, &contact).unwrap().calls).unwrap();
    assert_eq!(
        calls["UpdateContactAttributes"]["Attributes"]["checkedAt"],
        "mon 2026-03-30T09:00:00+02:00"
    );
}

#[test]
fn zones_windows_dates_and_ages_are_checked_at_load() {
    let source = "\
settings:
  time_zone: Europe/Pari
  holidays: [2026-12-25, 2026-13-01]
rule_sets:
  main:
    - id: a
      when: {field: now.time, between: [\"08:30\", \"25:00\"]}
    - id: b
      when: {field: now.date, between: [2026-12-31, 2026-12-24]}
    - id: c
      when: {field: now.weekday, one_of: [mon, someday]}
    - id: d
      when: {field: attributes.x, between: [a, b]}
    - id: e
      when: {field: channel, equals: VOICE, zone: Europe/Paris}
    - id: f
      when: {field: references.due, older_than: two days}
";
    let error = RuleBook::from_source(source, "r.yaml").unwrap_err();
    let lines: Vec<String> = error.problems.iter().map(|p| p.display("r.yaml")).collect();
    assert_eq!(
        lines,
        [
            "r.yaml:2: settings.time_zone: unknown time zone `Europe/Pari`; did you mean `Europe/Paris`?",
            "r.yaml:3: settings.holidays[1]: `2026-13-01` is not a date; write it as 2026-12-25",
            "r.yaml:7: rule `a` in rule set `main`: when.between: `25:00` is not a time of day; write it as 08:30 (24-hour)",
            "r.yaml:9: rule `b` in rule set `main`: when.between: `2026-12-31` comes after `2026-12-24`; give the earlier date first",
            "r.yaml:11: rule `c` in rule set `main`: when.one_of: `someday` is not a weekday; the weekdays are mon, tue, wed, thu, fri, sat, sun",
            "r.yaml:13: rule `d` in rule set `main`: when.between: `between` goes with now.time or now.date, not `attributes.x`",
            "r.yaml:15: rule `e` in rule set `main`: when.zone: `zone` goes with a local-time field (now.time, now.date, now.weekday, now.holiday), not `channel`",
            "r.yaml:17: rule `f` in rule set `main`: when.older_than: `two days` is not an age; write a whole number and s, m, h or d: 48h",
        ]
    );
}
