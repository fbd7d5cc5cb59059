//! Micro-benchmarks of the pure middle of an invocation: parse → evaluate → plan with 10,
//! 100 and 1,000 rules, and loading a 1,000-rule file: its YAML, checked, and compiled.
//!
//! `cargo bench --bench pipeline`; targets and figures are in BENCHMARKS.md.

use std::hint::black_box;
use std::time::SystemTime;

use connect_rules::contact::Contact;
use connect_rules::event::FlowEvent;
use connect_rules::plan::plan;
use connect_rules::rules::{compiled, RuleBook};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const TASK: &[u8] = include_bytes!("../events/task.json");

/// A rule set of `count` rules shaped like real ones: conditions over attributes, channel
/// and parameters, with every fifth rule matching the task event and writing values.
pub fn rules_file(count: usize) -> String {
    let mut text = String::from("settings:\n  default_rule_set: tasks\nrule_sets:\n  tasks:\n");
    for index in 0..count {
        let matching = index % 5 == 0;
        let tier = if matching { "high" } else { "low" };
        text.push_str(&format!(
            "    - id: rule-{index}\n      when:\n        all:\n          - field: channel\n            one_of: [TASK, EMAIL]\n          \
             - field: attributes.priority\n            equals: {tier}\n          - not:\n              field: attributes.caseId\n              \
             matches: \"^NOPE-{index}-[0-9]+$\"\n      actions:\n        set_attributes:\n          step{}: \"{{{{ attributes.caseId }}}}-{index}\"\n        \
             return:\n          last: rule-{index}\n",
            index % 20
        ));
    }
    text
}

fn evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_evaluate_plan");
    for count in [10, 100, 1_000] {
        let book = RuleBook::from_source(&rules_file(count), "bench.yaml").unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(count), &book, |b, book| {
            b.iter(|| {
                let mut event = FlowEvent::from_slice(black_box(TASK)).unwrap();
                event.details.parameters.clear();
                let contact = Contact::new(event, SystemTime::now());
                black_box(plan(book, &contact).unwrap())
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let source = rules_file(1_000);
    c.bench_function("load_and_check_1000_rules", |b| {
        b.iter(|| black_box(RuleBook::from_source(black_box(&source), "bench.yaml").unwrap()))
    });
    let compiled = compiled::compile(&source, "bench.yaml").unwrap();
    c.bench_function("load_1000_compiled_rules", |b| {
        b.iter(|| black_box(compiled::read(black_box(&compiled), "bench.compiled").unwrap()))
    });
}

criterion_group!(benches, evaluate, load);
criterion_main!(benches);
