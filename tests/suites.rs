//! `connect-rules test`, run as a user runs it: the real binary on the example rules and
//! its test file, a file with a wrong expectation and a file with mistakes.

mod command;

use std::process::Output;

use command::{connect_rules, text};

fn example_passes(output: &Output) {
    let report = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{report}{}",
        text(&output.stderr)
    );
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"rules/rules.test.yaml (rules: rules/rules.yaml)")
    );
    let cases = &lines[1..lines.len() - 1];
    assert!(cases.len() >= 10, "{report}");
    assert!(
        cases.iter().all(|line| line.starts_with("  ok    ")),
        "one line per case, every one passing, and no rule left unmatched:\n{report}"
    );
    assert_eq!(
        lines.last(),
        Some(&format!("{} passed, 0 failed", cases.len()).as_str())
    );
}

#[test]
fn the_example_rules_pass_their_test_file_which_matches_every_rule() {
    example_passes(&connect_rules(&["test", "rules/rules.test.yaml"]));
}

#[test]
fn without_test_files_the_ones_beside_the_rules_file_run() {
    example_passes(&connect_rules(&["test", "--rules", "rules/rules.yaml"]));
}

#[test]
fn a_wrong_expectation_prints_each_difference_and_fails() {
    let output = connect_rules(&["test", "tests/data/suites/wrong.test.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stdout),
        "tests/data/suites/wrong.test.yaml (rules: rules/rules.yaml)\n\
         \x20 ok    a gold caller gets priority 1\n\
         \x20 FAIL  an invoice email goes to the wrong queue\n\
         \x20         matched: expected [escalated-email, invoice-email], got [invoice-email]\n\
         \x20         calls.StartTaskContact:case-review: expected {\"TaskTemplateId\":\"t-1\"}, got nothing\n\
         \x20         calls.TransferContact.QueueId: expected \"q-overnight\", got \"2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182\"\n\
         rules/rules.yaml: rules no case matched: email/escalated-email, hours/holiday, hours/business-hours, \
         hours/closed, inbound/spanish, inbound/billing-chat, inbound/everyone, queue/tier-priority, \
         queue/callback-requested, tasks/urgent-refund, tasks/regional-task\n\
         1 passed, 1 failed\n"
    );
}

#[test]
fn an_invalid_test_file_gets_every_problem_with_its_line_and_nothing_runs() {
    let output = connect_rules(&["test", "tests/data/suites/invalid.test.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let file = "tests/data/suites/invalid.test.yaml";
    let expected = [
        "4: cases[0].expect: say what must hold: rule_set, matched, calls, answer or error",
        "6: cases[1]: a case needs a `name`",
        "8: cases[2]: a case gives an `event` file or a `contact`, one of the two",
        "13: cases[3].at: `tomorrow` is not a moment: ",
        "14: cases[3].contact.channel: `FAX` is not a channel Connect sends; the channels are VOICE, CHAT, TASK, EMAIL",
        "17: cases[3].expect.calls.TransferContract: unknown call `TransferContract`; did you mean `TransferContact`?",
        "20: cases[4].expcet: unknown key `expcet`; did you mean `expect`?",
        ": 7 problems",
    ];
    let report = text(&output.stderr);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{report}");
    for (line, start) in lines.iter().zip(expected) {
        let start = format!("{file}:{start}").replace(":: ", ": ");
        assert!(
            line.starts_with(&start),
            "{line}\ndoes not start with\n{start}"
        );
    }
    assert_eq!(
        text(&output.stdout),
        "0 passed, 0 failed, 1 files not run\n"
    );
}
