//! `return`: values added to the answer the flow reads; no Connect call.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Action, ActionError, At, Draft, RuleContext};
use crate::diagnostics::RuleScope;
use crate::limits;
use crate::template::{Encoding, Template, Text};
use crate::vocabulary::RESERVED_KEYS;

pub type File = BTreeMap<String, Text>;

#[derive(Debug)]
struct Return(Vec<(String, Template)>);

const PATH: &str = "actions.return";

pub(super) fn check(file: File, scope: &mut RuleScope<'_, '_>) -> Option<Arc<dyn Action>> {
    let mut values = Vec::with_capacity(file.len());
    let mut complete = true;
    for (key, value) in file {
        let path = At::key(PATH, &key);
        if let Err(message) = limits::check_key(&key) {
            scope.problem(&path.to_string(), format!("answer {message}"));
        }
        if RESERVED_KEYS.contains(&key.as_str()) {
            scope.problem(
                &path.to_string(),
                format!("`{key}` is a key the function answers itself; choose another name"),
            );
        }
        match super::template(scope, path, &value) {
            Some(template) => values.push((key, template)),
            None => complete = false,
        }
    }
    complete.then(|| Arc::new(Return(values)) as Arc<dyn Action>)
}

impl Action for Return {
    fn render(&self, rule: &RuleContext<'_>, draft: &mut Draft<'_>) -> Result<(), ActionError> {
        for (key, template) in &self.0 {
            if let Some(value) =
                draft.render(rule, At::key(PATH, key), template, Encoding::Plain)?
            {
                draft.answer.insert(key.clone(), value);
            }
        }
        Ok(())
    }

    fn returned_keys(&self) -> Vec<(&str, At<'_>)> {
        self.0
            .iter()
            .map(|(key, _)| (key.as_str(), At::key(PATH, key)))
            .collect()
    }
}
