//! ClientToken idempotency: a token seen before, with the same request, gets the answer it
//! got then and changes nothing; with another request it is refused.

use std::collections::HashMap;

use serde_json::Value;

use super::ServiceError;

#[derive(Debug, Default)]
pub struct Tokens(HashMap<(String, String), Remembered>);

#[derive(Debug)]
struct Remembered {
    operation: String,
    request: Value,
    answer: Value,
}

impl Tokens {
    /// The answer to replay for a request carrying a token seen before, if any.
    pub fn replay(&self, operation: &str, request: &Value) -> Option<Result<Value, ServiceError>> {
        let remembered = self.0.get(&key(request)?)?;
        Some(
            if remembered.operation == operation && remembered.request == *request {
                Ok(remembered.answer.clone())
            } else {
                Err(ServiceError::new(
                    409,
                    "IdempotencyException",
                    "this ClientToken was used with other parameters",
                ))
            },
        )
    }

    /// Remembers a request that carried a token, with the answer it got.
    pub fn remember(&mut self, operation: &str, request: &Value, answer: &Value) {
        if let Some(key) = key(request) {
            let remembered = Remembered {
                operation: operation.to_owned(),
                request: request.clone(),
                answer: answer.clone(),
            };
            self.0.insert(key, remembered);
        }
    }
}

/// Tokens are scoped to an instance.
fn key(request: &Value) -> Option<(String, String)> {
    let token = request.get("ClientToken")?.as_str()?;
    let instance = request.get("InstanceId")?.as_str().unwrap_or_default();
    Some((instance.to_owned(), token.to_owned()))
}
