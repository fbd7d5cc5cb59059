//! Values in rules are templates: literal text with `{{ field | filter }}` parts read from the
//! contact. Parsed and checked at load; rendering never invents an empty string for a
//! missing value.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::contact::{Contact, Field};

mod text;
pub use text::Text;

/// What `url` encodes: everything but the characters RFC 3986 leaves unreserved.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Its parts and their filters are held in slices sized to fit: a rule book holds thousands
/// of templates, and the spare room of lists grown while parsing would be most of its memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Box<[Part]>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Value {
        field: Field,
        filters: Box<[Filter]>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Used when the field is missing or empty.
    Default(String),
    /// Percent-encodes for a URL path segment or query value.
    Url,
    Lower,
    Upper,
    /// Leaves a part of a URL reference unencoded; the whole URL is still checked.
    Raw,
}

/// How substituted parts are written into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Plain,
    /// In URL references every part is percent-encoded unless it says `url` or `raw`, so
    /// contact data cannot change where the link goes.
    UrlParts,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("`{{{{` at byte {0} is never closed with `}}}}`")]
    Unclosed(usize),
    #[error("`{{{{ }}}}` at byte {0} names no field")]
    Empty(usize),
    #[error(transparent)]
    UnknownField(#[from] crate::contact::UnknownField),
    #[error("unknown filter `{0}`; filters are default: \"text\", url, lower, upper, raw")]
    UnknownFilter(String),
    #[error("filter `default` needs a quoted value, as in default: \"none\"")]
    DefaultWithoutValue,
}

/// A field the template reads is missing and no `default` filter covers it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is missing")]
pub struct Missing(pub Field);

impl Template {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let inner_start = open + 2;
            let close = rest[inner_start..]
                .find("}}")
                .ok_or(TemplateError::Unclosed(offset + open))?;
            let inner = &rest[inner_start..inner_start + close];
            parts.push(parse_value(inner, offset + open)?);
            let consumed = inner_start + close + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Template {
            parts: parts.into_boxed_slice(),
        })
    }

    /// The text when the template reads no field at all.
    pub fn as_literal(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(literal) => text.push_str(literal),
                Part::Value { .. } => return None,
            }
        }
        Some(text)
    }

    /// The fewest UTF-8 bytes any rendering can have: its literal text.
    pub fn min_bytes(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(literal) => literal.len(),
                Part::Value { .. } => 0,
            })
            .sum()
    }

    /// The fewest characters any rendering can have.
    pub fn min_chars(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(literal) => literal.chars().count(),
                Part::Value { .. } => 0,
            })
            .sum()
    }

    /// Whether a URL made from this template starts where the rules file says: a literal
    /// `http://` or `https://`, or a field the author marked `raw` as holding a whole URL.
    pub fn starts_with_web_scheme(&self) -> bool {
        match self.parts.first() {
            Some(Part::Literal(literal)) => {
                let lower = literal.to_ascii_lowercase();
                lower.starts_with("https://") || lower.starts_with("http://")
            }
            Some(Part::Value { filters, .. }) => filters.contains(&Filter::Raw),
            None => false,
        }
    }

    pub fn render(&self, contact: &Contact, encoding: Encoding) -> Result<String, Missing> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(literal) => text.push_str(literal),
                Part::Value { field, filters } => {
                    let value = contact.get(field).map(|v| v.into_owned());
                    let value =
                        apply_filters(value, filters).ok_or_else(|| Missing(field.clone()))?;
                    let already_encoded = filters
                        .iter()
                        .any(|f| matches!(f, Filter::Url | Filter::Raw));
                    if encoding == Encoding::UrlParts && !already_encoded {
                        text.extend(utf8_percent_encode(&value, URL_COMPONENT));
                    } else {
                        text.push_str(&value);
                    }
                }
            }
        }
        Ok(text)
    }
}

fn apply_filters(mut value: Option<String>, filters: &[Filter]) -> Option<String> {
    for filter in filters {
        value = match filter {
            Filter::Default(fallback) => value.or_else(|| Some(fallback.clone())),
            Filter::Url => value.map(|v| utf8_percent_encode(&v, URL_COMPONENT).to_string()),
            Filter::Lower => value.map(|v| v.to_lowercase()),
            Filter::Upper => value.map(|v| v.to_uppercase()),
            Filter::Raw => value,
        };
    }
    value
}

fn parse_value(inner: &str, at: usize) -> Result<Part, TemplateError> {
    let mut pieces = split_filters(inner).into_iter();
    let field = pieces.next().unwrap_or_default().trim();
    if field.is_empty() {
        return Err(TemplateError::Empty(at));
    }
    let field = field.parse::<Field>()?;
    let filters = pieces.map(parse_filter).collect::<Result<_, _>>()?;
    Ok(Part::Value { field, filters })
}

/// Splits on `|` outside quotes, so a default value may hold a `|`.
fn split_filters(inner: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (index, c) in inner.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '|') => {
                pieces.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    pieces.push(&inner[start..]);
    pieces
}

fn parse_filter(piece: &str) -> Result<Filter, TemplateError> {
    let piece = piece.trim();
    let (name, argument) = match piece.split_once(':') {
        Some((name, argument)) => (name.trim(), Some(argument.trim())),
        None => (piece, None),
    };
    match (name, argument) {
        ("default", Some(argument)) => unquote(argument)
            .map(Filter::Default)
            .ok_or(TemplateError::DefaultWithoutValue),
        ("default", None) => Err(TemplateError::DefaultWithoutValue),
        ("url", None) => Ok(Filter::Url),
        ("lower", None) => Ok(Filter::Lower),
        ("upper", None) => Ok(Filter::Upper),
        ("raw", None) => Ok(Filter::Raw),
        _ => Err(TemplateError::UnknownFilter(piece.to_owned())),
    }
}

fn unquote(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = text.strip_prefix(quote)?.strip_suffix(quote)?;
    Some(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::FlowEvent;
    use std::time::{Duration, UNIX_EPOCH};

    fn contact() -> Contact {
        let event = FlowEvent::from_value(serde_json::json!({"Details": {
            "ContactData": {
                "ContactId": "c-1",
                "InstanceARN": "arn:aws:connect:us-east-1:111122223333:instance/i-1",
                "Attributes": {"first": "Ana María", "case": "A&B/1", "evil": "javascript:alert(1)"}
            },
            "Parameters": {"queue": "Billing"}
        }}))
        .unwrap();
        Contact::new(event, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    fn render(text: &str) -> Result<String, Missing> {
        Template::parse(text)
            .unwrap()
            .render(&contact(), Encoding::Plain)
    }

    #[test]
    fn renders_fields_and_literals() {
        assert_eq!(
            render("Hi {{ attributes.first }}!").unwrap(),
            "Hi Ana María!"
        );
        assert_eq!(
            render("{{contact_id}}-{{now.epoch_seconds}}").unwrap(),
            "c-1-1700000000"
        );
        assert_eq!(render("no fields").unwrap(), "no fields");
    }

    #[test]
    fn filters_apply_in_order() {
        assert_eq!(render("{{ parameters.queue | upper }}").unwrap(), "BILLING");
        assert_eq!(render("{{ parameters.queue | lower }}").unwrap(), "billing");
        assert_eq!(render("{{ attributes.case | url }}").unwrap(), "A%26B%2F1");
        assert_eq!(
            render("{{ attributes.nope | default: 'n|a' | upper }}").unwrap(),
            "N|A"
        );
        assert_eq!(
            render(r#"{{ attributes.nope | default: "" }}"#).unwrap(),
            ""
        );
    }

    #[test]
    fn a_missing_value_is_an_error_not_an_empty_string() {
        assert_eq!(
            render("x{{ attributes.nope }}"),
            Err(Missing(Field::Attribute("nope".into())))
        );
    }

    #[test]
    fn url_references_encode_every_part_unless_told() {
        let url = |text: &str| {
            Template::parse(text)
                .unwrap()
                .render(&contact(), Encoding::UrlParts)
                .unwrap()
        };
        assert_eq!(
            url("https://crm/c/{{ attributes.case }}"),
            "https://crm/c/A%26B%2F1"
        );
        assert_eq!(
            url("https://crm/?q={{ attributes.evil }}"),
            "https://crm/?q=javascript%3Aalert%281%29"
        );
        assert_eq!(
            url("https://crm/?q={{ attributes.case | url }}"),
            "https://crm/?q=A%26B%2F1"
        );
        assert_eq!(url("{{ attributes.evil | raw }}"), "javascript:alert(1)");
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let error = |text: &str| Template::parse(text).unwrap_err().to_string();
        assert_eq!(
            error("a {{ attributes.x"),
            "`{{` at byte 2 is never closed with `}}`"
        );
        assert_eq!(error("{{ }}"), "`{{ }}` at byte 0 names no field");
        assert_eq!(
            error("{{ attributes.x | trim }}"),
            "unknown filter `trim`; filters are default: \"text\", url, lower, upper, raw"
        );
        assert_eq!(
            error("{{ attributes.x | default }}"),
            "filter `default` needs a quoted value, as in default: \"none\""
        );
        assert!(error("{{ queue.id }}").starts_with("unknown contact field `queue.id`"));
    }

    #[test]
    fn static_facts() {
        let template = Template::parse("https://crm/{{ attributes.case }}/x").unwrap();
        assert!(template.starts_with_web_scheme());
        assert!(!Template::parse("{{ attributes.u }}")
            .unwrap()
            .starts_with_web_scheme());
        assert!(Template::parse("{{ attributes.u | raw }}")
            .unwrap()
            .starts_with_web_scheme());
        assert_eq!(template.min_bytes(), 14);
        assert_eq!(Template::parse("é{{ name }}").unwrap().min_chars(), 1);
        assert_eq!(template.as_literal(), None);
        assert_eq!(
            Template::parse("plain").unwrap().as_literal().as_deref(),
            Some("plain")
        );
    }
}
