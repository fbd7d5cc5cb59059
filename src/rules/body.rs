//! A compiled body read rule by rule: each rule is checked as soon as it is read, so a large
//! file is never held whole in the rules file's types beside the rule book it becomes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::check::{self, Checker};
use super::file::{RuleFile, SettingsFile};
use super::{Rule, RuleBook, RulesError};
use crate::diagnostics::FileError;

/// The rule book from a compiled body, checked as a rules file is; it was checked when
/// compiled, so a problem here means a body no `compile` wrote. `origin` names it.
pub(super) fn read(body: &str, origin: &str) -> Result<RuleBook, RulesError> {
    let mut checker = check::compiled();
    let mut reader = serde_json::Deserializer::from_str(body);
    let file = File {
        checker: &mut checker,
    };
    let (settings, rule_sets) = de::Deserializer::deserialize_map(&mut reader, file)
        .and_then(|file| reader.end().map(|()| file))
        .map_err(|error| {
            FileError::whole(
                origin,
                format!("the compiled rules cannot be read: {error}"),
            )
        })?;
    checker
        .finish_read(settings, rule_sets)
        .map_err(|problems| FileError {
            origin: origin.to_owned(),
            problems,
        })
}

/// The whole file: its settings, and its rule sets checked as they are read.
struct File<'c> {
    checker: &'c mut Checker<'static>,
}

impl<'de> Visitor<'de> for File<'_> {
    type Value = (SettingsFile, BTreeMap<String, Vec<Rule>>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rules file: `settings` and `rule_sets`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut settings = None;
        let mut rule_sets = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "settings" => settings = Some(map.next_value()?),
                "rule_sets" => {
                    let checker = &mut *self.checker;
                    rule_sets = Some(map.next_value_seed(RuleSets { checker })?);
                }
                // As in a rules file's types: `compile` reported any such key.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let rule_sets = rule_sets.ok_or_else(|| de::Error::missing_field("rule_sets"))?;
        Ok((settings.unwrap_or_default(), rule_sets))
    }
}

struct RuleSets<'c> {
    checker: &'c mut Checker<'static>,
}

impl<'de> DeserializeSeed<'de> for RuleSets<'_> {
    type Value = BTreeMap<String, Vec<Rule>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RuleSets<'_> {
    type Value = BTreeMap<String, Vec<Rule>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("rule sets by name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rule_sets = BTreeMap::new();
        while let Some(set) = map.next_key::<String>()? {
            let checker = &mut *self.checker;
            let rules = map.next_value_seed(Rules { checker, set: &set })?;
            rule_sets.insert(set, rules);
        }
        Ok(rule_sets)
    }
}

/// One rule set's rules, each checked as it is read.
struct Rules<'c, 's> {
    checker: &'c mut Checker<'static>,
    set: &'s str,
}

impl<'de> DeserializeSeed<'de> for Rules<'_, '_> {
    type Value = Vec<Rule>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rules<'_, '_> {
    type Value = Vec<Rule>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rules")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let mut unread = None;
        let rules = self.checker.rule_set(
            self.set,
            Elements {
                seq,
                unread: &mut unread,
            },
        );
        match unread {
            Some(error) => Err(error),
            None => Ok(rules),
        }
    }
}

/// A list's rules as an iterator for the checker; it ends at the first that cannot be read,
/// keeping the error.
struct Elements<'e, 'de, A: SeqAccess<'de>> {
    seq: A,
    unread: &'e mut Option<A::Error>,
}

impl<'de, A: SeqAccess<'de>> Iterator for Elements<'_, 'de, A> {
    type Item = RuleFile;

    fn next(&mut self) -> Option<RuleFile> {
        if self.unread.is_some() {
            return None;
        }
        self.seq.next_element().unwrap_or_else(|error| {
            *self.unread = Some(error);
            None
        })
    }
}
