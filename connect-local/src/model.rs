//! The official Connect API model (botocore's `connect/2017-08-08/service-2.json`): routes
//! requests to operations and holds their input to the model's shapes — required members,
//! types, lengths, enums and patterns.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use regex::Regex;
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read the API model {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the API model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the API model has no operation {0}")]
    MissingOperation(String),
}

#[derive(Debug)]
pub struct Model {
    operations: Vec<Operation>,
    shapes: Map<String, Value>,
    /// Patterns the `regex` crate can compile; others (look-around) are not enforced.
    patterns: HashMap<String, Regex>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    method: String,
    /// `/contacts/{InstanceId}/{ContactId}` as segments; labels in braces.
    segments: Vec<String>,
    input: String,
}

/// A request matched to an operation, with its input assembled from path and body.
#[derive(Debug)]
pub struct Call {
    pub operation: String,
    pub input: Value,
}

impl Model {
    /// Loads the model (`service-2.json`, or `.json.gz` as botocore ships it), keeping the
    /// named operations.
    pub fn load(path: &Path, operations: &[&str]) -> Result<Model, ModelError> {
        let read_error = |source| ModelError::Read {
            path: path.display().to_string(),
            source,
        };
        let bytes = std::fs::read(path).map_err(read_error)?;
        let json = if path.extension().is_some_and(|e| e == "gz") {
            let mut text = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(bytes.as_slice()),
                &mut text,
            )
            .map_err(read_error)?;
            text
        } else {
            bytes
        };
        Self::from_json(&serde_json::from_slice(&json)?, operations)
    }

    pub fn from_json(model: &Value, wanted: &[&str]) -> Result<Model, ModelError> {
        let empty = Map::new();
        let all = model["operations"].as_object().unwrap_or(&empty);
        let mut operations = Vec::new();
        for name in wanted {
            let operation = all
                .get(*name)
                .ok_or_else(|| ModelError::MissingOperation(name.to_string()))?;
            let uri = operation["http"]["requestUri"].as_str().unwrap_or("/");
            let path = uri.split('?').next().unwrap_or(uri);
            operations.push(Operation {
                name: name.to_string(),
                method: operation["http"]["method"]
                    .as_str()
                    .unwrap_or("POST")
                    .to_owned(),
                segments: path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                input: operation["input"]["shape"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        let shapes = model["shapes"].as_object().cloned().unwrap_or_default();
        let patterns = shapes
            .iter()
            .filter_map(|(name, shape)| {
                let pattern = shape["pattern"].as_str()?;
                Regex::new(pattern).ok().map(|regex| (name.clone(), regex))
            })
            .collect();
        Ok(Model {
            operations,
            shapes,
            patterns,
        })
    }

    /// The operation a method and path address, with the path's labels filled in.
    pub fn route(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&Operation, BTreeMap<String, String>)> {
        let parts: Vec<&str> = path
            .split('?')
            .next()?
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        self.operations
            .iter()
            .filter(|op| op.method == method)
            .find_map(|op| {
                if op.segments.len() != parts.len() {
                    return None;
                }
                let mut labels = BTreeMap::new();
                for (segment, part) in op.segments.iter().zip(&parts) {
                    match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(label) => {
                            labels.insert(
                                label.trim_end_matches('+').to_owned(),
                                percent_decode(part),
                            );
                        }
                        None if segment == part => {}
                        None => return None,
                    }
                }
                Some((op, labels))
            })
    }

    /// Assembles an operation's input from its path labels and JSON body, and lists every
    /// way it breaks the model.
    pub fn input(
        &self,
        operation: &Operation,
        labels: BTreeMap<String, String>,
        body: &[u8],
    ) -> Result<Call, Vec<String>> {
        let mut input = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(vec!["the body is not a JSON object".to_owned()]),
                Err(error) => return Err(vec![format!("the body is not JSON: {error}")]),
            }
        };
        let shape = &self.shapes[&operation.input];
        let empty = Map::new();
        for (member, definition) in shape["members"].as_object().unwrap_or(&empty) {
            if definition["location"] == "uri" {
                let label = definition["locationName"].as_str().unwrap_or(member);
                if let Some(value) = labels.get(label) {
                    input.insert(member.clone(), Value::String(value.clone()));
                }
            }
        }
        let input = Value::Object(input);
        let mut violations = Vec::new();
        self.check(&operation.input, &input, &operation.name, &mut violations);
        if violations.is_empty() {
            Ok(Call {
                operation: operation.name.clone(),
                input,
            })
        } else {
            Err(violations)
        }
    }

    fn check(&self, shape_name: &str, value: &Value, path: &str, violations: &mut Vec<String>) {
        let Some(shape) = self.shapes.get(shape_name) else {
            violations.push(format!("{path}: the model has no shape {shape_name}"));
            return;
        };
        let mut violate = |message: String| violations.push(format!("{path}: {message}"));
        let bound = |key: &str| shape[key].as_f64();
        let (min, max) = (bound("min"), bound("max"));
        match shape["type"].as_str().unwrap_or_default() {
            "string" => {
                let Some(text) = value.as_str() else {
                    return violate(format!("expected a string ({shape_name})"));
                };
                let length = text.chars().count() as f64;
                if min.is_some_and(|min| length < min) || max.is_some_and(|max| length > max) {
                    violate(format!(
                        "length {length} is outside {}..{} ({shape_name})",
                        show(min),
                        show(max)
                    ));
                }
                if let Some(options) = shape["enum"].as_array() {
                    if !options.iter().any(|option| option == value) {
                        violate(format!(
                            "`{text}` is not one of {} ({shape_name})",
                            Value::Array(options.clone())
                        ));
                    }
                }
                if let Some(regex) = self.patterns.get(shape_name) {
                    if !regex.is_match(text) {
                        violate(format!(
                            "does not match the pattern {} ({shape_name})",
                            regex.as_str()
                        ));
                    }
                }
            }
            "integer" | "long" => match value.as_i64() {
                Some(number) => {
                    let number = number as f64;
                    if min.is_some_and(|min| number < min) || max.is_some_and(|max| number > max) {
                        violate(format!("{number} is outside {}..{}", show(min), show(max)));
                    }
                }
                None => violate(format!("expected an integer ({shape_name})")),
            },
            "boolean" if !value.is_boolean() => {
                violate(format!("expected a boolean ({shape_name})"))
            }
            "timestamp" if !(value.is_number() || value.is_string()) => {
                violate("expected a timestamp".to_owned())
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return violate(format!("expected a list ({shape_name})"));
                };
                let count = items.len() as f64;
                if min.is_some_and(|min| count < min) || max.is_some_and(|max| count > max) {
                    violate(format!(
                        "{count} items is outside {}..{}",
                        show(min),
                        show(max)
                    ));
                }
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                for (index, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{path}[{index}]"), violations);
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    return violate(format!("expected a map ({shape_name})"));
                };
                let count = entries.len() as f64;
                if min.is_some_and(|min| count < min) || max.is_some_and(|max| count > max) {
                    violate(format!(
                        "{count} entries is outside {}..{}",
                        show(min),
                        show(max)
                    ));
                }
                let key_shape = shape["key"]["shape"].as_str().unwrap_or_default();
                let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
                for (key, entry) in entries {
                    self.check(
                        key_shape,
                        &Value::String(key.clone()),
                        &format!("{path}.{key} (key)"),
                        violations,
                    );
                    self.check(value_shape, entry, &format!("{path}.{key}"), violations);
                }
            }
            "structure" => {
                let Some(fields) = value.as_object() else {
                    return violate(format!("expected an object ({shape_name})"));
                };
                let empty = Map::new();
                let members = shape["members"].as_object().unwrap_or(&empty);
                for required in shape["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !fields.contains_key(required) {
                        violate(format!("missing required member {required}"));
                    }
                }
                if shape["union"] == true && fields.len() > 1 {
                    violate(format!("a union takes one member, got {}", fields.len()));
                }
                for (name, field) in fields {
                    match members.get(name) {
                        Some(member) => {
                            let member_shape = member["shape"].as_str().unwrap_or_default();
                            self.check(member_shape, field, &format!("{path}.{name}"), violations);
                        }
                        None => violations.push(format!("{path}: unknown member {name}")),
                    }
                }
            }
            _ => {}
        }
    }
}

fn show(bound: Option<f64>) -> String {
    bound.map_or(String::new(), |b| b.to_string())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (
            bytes[index],
            hex.and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}
