//! Any bytes as a flow event, through parsing and planning against the example rules.
#![no_main]

use std::sync::LazyLock;
use std::time::SystemTime;

use connect_rules::contact::Contact;
use connect_rules::event::FlowEvent;
use connect_rules::rules::RuleBook;
use libfuzzer_sys::fuzz_target;

static BOOK: LazyLock<RuleBook> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/rules.yaml");
    RuleBook::load(std::path::Path::new(path)).expect("the example rules are valid")
});

fuzz_target!(|bytes: &[u8]| {
    if let Ok(event) = FlowEvent::from_slice(bytes) {
        let contact = Contact::new(event, SystemTime::now());
        let _ = connect_rules::plan::plan(&BOOK, &contact);
    }
});
