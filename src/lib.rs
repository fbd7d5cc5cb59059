//! connect-rules: an AWS Lambda function for Amazon Connect flows.
//!
//! flow event --parse--> contact --rules--> plan --execute--> outcome --answer--> flow answer

pub mod actions;
pub mod answer;
pub mod background;
pub mod calendar;
pub mod calls;
pub mod cli;
pub mod contact;
pub mod diagnostics;
pub mod error;
pub mod event;
pub mod execute;
pub mod explain;
pub mod function;
pub mod lambda;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod moment;
pub mod outcome;
pub mod plan;
pub mod rules;
pub mod suite;
pub mod template;
pub mod vocabulary;
