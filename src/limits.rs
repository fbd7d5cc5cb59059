//! Connect's documented limits, checked before any call so Connect never rejects what we
//! could have caught. Rules checking uses the same functions on literal values.

use std::fmt;
use std::str::FromStr;

/// All user-defined attributes of a contact together, in UTF-8 bytes.
pub const ATTRIBUTES_TOTAL_BYTES: usize = 32_768;
/// All references of a contact together, in UTF-8 bytes.
pub const REFERENCES_TOTAL_BYTES: usize = 4_096;
pub const REFERENCE_NAME_MAX: usize = 4_096;
pub const REFERENCE_VALUE_MAX: usize = 4_096;
pub const CONTACT_NAME_MAX: usize = 1_024;
pub const CONTACT_DESCRIPTION_MAX: usize = 4_096;
pub const CONTACT_FLOW_ID_MAX: usize = 500;
pub const RESOURCE_ID_MAX: usize = 500;
/// The longest a flow's "Invoke AWS Lambda function" block waits (its range is 1 to 8 s).
pub const BLOCK_TIMEOUT_MAX_SECONDS: u64 = 8;
/// The flow reads at most this much answer.
pub const ANSWER_MAX_BYTES: usize = 32 * 1024;

/// A reference type UpdateContact accepts from us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReferenceType {
    Url,
    Attachment,
    Number,
    String,
    Date,
    Email,
}

impl ReferenceType {
    pub const ALL: [ReferenceType; 6] = [
        ReferenceType::Url,
        ReferenceType::Attachment,
        ReferenceType::Number,
        ReferenceType::String,
        ReferenceType::Date,
        ReferenceType::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceType::Url => "URL",
            ReferenceType::Attachment => "ATTACHMENT",
            ReferenceType::Number => "NUMBER",
            ReferenceType::String => "STRING",
            ReferenceType::Date => "DATE",
            ReferenceType::Email => "EMAIL",
        }
    }

    /// Checks a value against what its type promises the agent's workspace. Messages never
    /// quote the value: at run time it is customer data.
    pub fn check_value(self, value: &str) -> Result<(), String> {
        check_length("value", value, 0, REFERENCE_VALUE_MAX)?;
        match self {
            ReferenceType::Url => check_url(value),
            ReferenceType::Number => value
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && !value.contains(char::is_alphabetic))
                .map(drop)
                .ok_or_else(|| "is not a number".to_owned()),
            ReferenceType::Date => {
                if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(())
                } else {
                    Err("is not an epoch timestamp (digits only)".to_owned())
                }
            }
            ReferenceType::Email => check_email(value),
            ReferenceType::Attachment | ReferenceType::String => Ok(()),
        }
    }
}

impl fmt::Display for ReferenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReferenceType {
    type Err = String;

    /// Case-insensitive, as Connect itself sends both "url" and "URL".
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ReferenceType::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!(
                    "unknown reference type `{text}`; expected one of URL, ATTACHMENT, NUMBER, STRING, DATE, EMAIL"
                )
            })
    }
}

/// Attribute keys and answer keys: letters, digits, `-` and `_`.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("a key cannot be empty".to_owned());
    }
    match key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(bad) => Err(format!(
            "key `{key}` has the character {bad:?}; keys take only letters, digits, `-` and `_`"
        )),
        None => Ok(()),
    }
}

pub fn check_length(what: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    let length = value.chars().count();
    if length < min {
        Err(format!("{what} must have at least {min} characters"))
    } else if length > max {
        Err(format!(
            "{what} has {length} characters; the limit is {max}"
        ))
    } else {
        Ok(())
    }
}

/// A length Connect allows for a text member, checked on literal values at load and on
/// rendered values before any call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    pub what: &'static str,
    pub min: usize,
    pub max: usize,
}

impl Length {
    pub fn check(&self, value: &str) -> Result<(), String> {
        check_length(self.what, value, self.min, self.max)
    }

    /// Free text, which may be empty.
    const fn text(what: &'static str, max: usize) -> Length {
        Length { what, min: 0, max }
    }

    /// An identifier: never empty.
    const fn id(max: usize) -> Length {
        Length {
            what: "the id",
            min: 1,
            max,
        }
    }
}

pub const CONTACT_NAME: Length = Length::text("the name", CONTACT_NAME_MAX);
pub const CONTACT_DESCRIPTION: Length = Length::text("the description", CONTACT_DESCRIPTION_MAX);
pub const RESOURCE_ID: Length = Length::id(RESOURCE_ID_MAX);
pub const CONTACT_FLOW_ID: Length = Length::id(CONTACT_FLOW_ID_MAX);
/// The API model sets no maximum for a quick connect's id.
pub const QUICK_CONNECT_ID: Length = Length::id(usize::MAX);

/// A whole number in `range`, as Connect's integer members take them. Messages never quote
/// the value: at run time it may be customer data.
pub fn check_integer(
    what: &str,
    value: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, String> {
    let number: i64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{what} is not a whole number"))?;
    if range.contains(&number) {
        Ok(number)
    } else {
        Err(format!(
            "{what} must be from {} to {}",
            range.start(),
            range.end()
        ))
    }
}

/// Routing priority: 1 is routed first; Connect's default is 5.
pub const QUEUE_PRIORITY: std::ops::RangeInclusive<i64> = 1..=i64::MAX;
/// A contact's expiry in minutes: Connect's `ValueInteger` is a 32-bit integer. The longest
/// expiry Connect accepts differs by channel and instance settings, so it is Connect's to check.
pub const EXPIRY_MINUTES: std::ops::RangeInclusive<i64> = 1..=i32::MAX as i64;
/// A contact's expiry in whole minutes, as `SegmentAttributes` carries it.
pub fn check_expiry_minutes(value: &str) -> Result<i32, String> {
    let minutes = check_integer("the expiry in minutes", value, EXPIRY_MINUTES)?;
    i32::try_from(minutes).map_err(|_| "the expiry in minutes is too large".to_owned())
}

/// How far ahead a task can be scheduled: StartTaskContact takes up to 6 days.
pub const TASK_SCHEDULE_MAX_SECONDS: i64 = 6 * 24 * 60 * 60;

/// The bytes a set of key/value pairs takes against a total-size limit.
pub fn total_bytes<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    pairs
        .into_iter()
        .map(|(key, value)| key.len() + value.len())
        .sum()
}

/// A reference URL must open a web page: http or https, a host, and nothing a browser
/// would read as markup or a second scheme.
fn check_url(value: &str) -> Result<(), String> {
    let rest = strip_prefix_ignore_case(value, "https://")
        .or_else(|| strip_prefix_ignore_case(value, "http://"))
        .ok_or_else(|| "is not an http or https URL".to_owned())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err("has no host".to_owned());
    }
    if let Some(bad) = value
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`'))
    {
        return Err(format!(
            "has the character {bad:?}, which a URL cannot hold unencoded"
        ));
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

fn check_email(value: &str) -> Result<(), String> {
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    });
    if valid {
        Ok(())
    } else {
        Err("is not an email address".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_letters_digits_dash_underscore() {
        assert!(check_key("case-Id_2").is_ok());
        assert_eq!(
            check_key("case id").unwrap_err(),
            "key `case id` has the character ' '; keys take only letters, digits, `-` and `_`"
        );
        assert!(check_key("").is_err());
        assert!(check_key("é").is_err());
    }

    #[test]
    fn reference_types_parse_in_any_case() {
        assert_eq!("url".parse::<ReferenceType>().unwrap(), ReferenceType::Url);
        assert_eq!(
            "Date".parse::<ReferenceType>().unwrap(),
            ReferenceType::Date
        );
        assert_eq!(
            "LINK".parse::<ReferenceType>().unwrap_err(),
            "unknown reference type `LINK`; expected one of URL, ATTACHMENT, NUMBER, STRING, DATE, EMAIL"
        );
    }

    #[test]
    fn url_values_must_be_http_with_a_host_and_no_markup() {
        let url = ReferenceType::Url;
        assert!(url.check_value("https://crm.example.com/case?id=1").is_ok());
        assert!(url.check_value("HTTP://crm.example.com").is_ok());
        assert_eq!(
            url.check_value("javascript:alert(1)").unwrap_err(),
            "is not an http or https URL"
        );
        assert_eq!(url.check_value("https:///path").unwrap_err(), "has no host");
        assert!(url.check_value("https://x/\"><script>").is_err());
        assert!(url.check_value("https://x/a b").is_err());
    }

    #[test]
    fn number_date_and_email_values() {
        assert!(ReferenceType::Number.check_value("-12.5").is_ok());
        assert!(ReferenceType::Number.check_value("12abc").is_err());
        assert!(ReferenceType::Number.check_value("inf").is_err());
        assert!(ReferenceType::Number.check_value("NaN").is_err());
        assert!(ReferenceType::Date.check_value("1700000000").is_ok());
        assert_eq!(
            ReferenceType::Date.check_value("2024-01-01").unwrap_err(),
            "is not an epoch timestamp (digits only)"
        );
        assert!(ReferenceType::Email.check_value("ana@example.com").is_ok());
        assert!(ReferenceType::Email.check_value("ana@example").is_err());
        assert!(ReferenceType::Email.check_value("@example.com").is_err());
        assert!(ReferenceType::String.check_value("anything").is_ok());
        assert_eq!(
            ReferenceType::String
                .check_value(&"x".repeat(4097))
                .unwrap_err(),
            "value has 4097 characters; the limit is 4096"
        );
    }

    #[test]
    fn totals_count_keys_and_values_in_bytes() {
        assert_eq!(total_bytes([("ab", "é"), ("c", "")]), 5);
    }
}
