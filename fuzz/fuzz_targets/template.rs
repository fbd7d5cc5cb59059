//! Any text as a value template, rendered both plain and as a URL reference.
#![no_main]

use std::sync::LazyLock;
use std::time::SystemTime;

use connect_rules::contact::Contact;
use connect_rules::event::FlowEvent;
use connect_rules::template::{Encoding, Template};
use libfuzzer_sys::fuzz_target;

static CONTACT: LazyLock<Contact> = LazyLock::new(|| {
    let bytes = include_bytes!("../../events/task.json");
    Contact::new(FlowEvent::from_slice(bytes).expect("the task event parses"), SystemTime::now())
});

fuzz_target!(|text: &str| {
    if let Ok(template) = Template::parse(text) {
        let _ = template.render(&CONTACT, Encoding::Plain);
        let _ = template.render(&CONTACT, Encoding::UrlParts);
    }
});
