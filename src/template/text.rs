//! A template as the rules file writes it, before it is parsed: any scalar, read as text.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

/// A template as the rules file writes it: any scalar. `priority: 5` and `vip: true` read as
/// "5" and "true", as the author meant, instead of failing for not being quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor).map(Text)
    }
}

/// Reads any scalar as its text, straight from the parser: a large rules file has thousands.
struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<String, E> {
        Ok(text.to_owned())
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<String, E> {
        Ok(text)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<String, E> {
        Ok(number.to_string())
    }

    /// Beyond `i64` a number is read as a float, as it always has been.
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<String, E> {
        Ok(match i64::try_from(number) {
            Ok(number) => number.to_string(),
            Err(_) => (number as f64).to_string(),
        })
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<String, E> {
        Ok(number.to_string())
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<String, E> {
        Ok(flag.to_string())
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "Text, with `{{ field | filter }}` parts read from the contact."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn every_scalar_reads_as_the_text_it_always_has() {
        let cases = [
            ("plain", "plain"),
            ("'5'", "5"),
            ("5", "5"),
            ("-3", "-3"),
            ("1.5", "1.5"),
            ("1e3", "1000"),
            ("true", "true"),
            ("9223372036854775807", "9223372036854775807"),
            // Beyond i64 a number has always gone through a float.
            ("18446744073709551615", "18446744073709552000"),
        ];
        for (yaml, text) in cases {
            assert_eq!(
                serde_yaml::from_str::<Text>(yaml).unwrap().0,
                text,
                "{yaml}"
            );
            let json =
                serde_json::to_string(&serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap())
                    .unwrap();
            assert_eq!(
                serde_json::from_str::<Text>(&json).unwrap().0,
                text,
                "{json}"
            );
        }
    }

    #[test]
    fn anything_else_is_refused_saying_what_it_is() {
        for (yaml, what) in [
            ("[1, 2]", "sequence"),
            ("{a: 1}", "map"),
            ("~", "unit value"),
        ] {
            let message = serde_yaml::from_str::<Text>(yaml).unwrap_err().to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid type: {what}, expected a string, number or boolean"
                )),
                "{message}"
            );
        }
    }
}
