//! Reads a YAML (or JSON) file's text into its file types. A part of the wrong shape (a
//! number where a list belongs, a missing `id`) is one more problem with its place, not the
//! end of the report: the part is set aside and reading goes on, so one report names every
//! mistake.

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use super::{Problem, Segment};

/// More repairs than any hand-written file needs; past it the report ends with those found.
const MAX_REPAIRS: usize = 500;

/// The file as read, with what did not fit its shape.
pub struct Parsed<T> {
    pub file: T,
    /// Keys no type has, each as a path from the top of the file.
    pub unknown_keys: Vec<Vec<Segment>>,
    /// Parts that were set aside, each with why.
    pub misshapen: Vec<Misshapen>,
}

/// A part of the file that does not have the shape its place needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Misshapen {
    pub path: Vec<Segment>,
    pub message: String,
}

/// Reads `source`. Only text that is not YAML at all stops the reading, with its one problem.
pub fn parse<T: DeserializeOwned + Default>(source: &str) -> Result<Parsed<T>, Vec<Problem>> {
    // A valid file (what every cold start reads) is read once, straight into its types.
    let mut unknown_keys = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(source);
    let direct = serde_ignored::deserialize(deserializer, |path| {
        unknown_keys.push(segments(&path));
    });
    if let Ok(file) = direct {
        return Ok(Parsed {
            file,
            unknown_keys,
            misshapen: Vec::new(),
        });
    }
    let mut tree: Value =
        serde_yaml::from_str(source).map_err(|error| vec![syntax(source, &error)])?;
    let mut repairs = Repairs::default();
    for _ in 0..MAX_REPAIRS {
        let mut unknown_keys = Vec::new();
        let mut unknown = |path: serde_ignored::Path<'_>| unknown_keys.push(segments(&path));
        let ignoring = serde_ignored::Deserializer::new(&tree, &mut unknown);
        match serde_path_to_error::deserialize::<_, T>(ignoring) {
            Ok(file) => {
                return Ok(Parsed {
                    file,
                    unknown_keys,
                    misshapen: repairs.misshapen,
                })
            }
            Err(error) => {
                let at = from_tracked(error.path());
                if !repairs.mend(&mut tree, at, error.inner().to_string()) {
                    break;
                }
            }
        }
    }
    // Not even the top of the file has the shape it needs, or it has more mistakes
    // than are worth reading on through: report those found, and nothing of what is left.
    let mut misshapen = repairs.misshapen;
    if !misshapen.iter().any(|part| part.path.is_empty()) {
        misshapen.push(Misshapen {
            path: Vec::new(),
            message: format!("stopped after {MAX_REPAIRS} mistakes of shape"),
        });
    }
    Ok(Parsed {
        file: T::default(),
        unknown_keys: Vec::new(),
        misshapen,
    })
}

/// What is tried in turn for a part set aside, until the file reads: absent for what is
/// optional, then empty of each kind, so a required part still reads and its neighbours
/// are checked; last, a key is taken out, for what has a default.
fn stand_in(attempt: usize) -> Option<Option<Value>> {
    match attempt {
        0 => Some(Some(Value::Null)),
        1 => Some(Some(Value::Mapping(Mapping::new()))),
        2 => Some(Some(Value::String(String::new()))),
        3 => Some(Some(Value::Sequence(Vec::new()))),
        4 => Some(None),
        _ => None,
    }
}

#[derive(Default)]
struct Repairs {
    misshapen: Vec<Misshapen>,
    /// The parts being mended, outermost first, each with how many stand-ins it has had:
    /// a stand-in may lack something (an empty rule has no id), mended inside it.
    mending: Vec<(Vec<Segment>, usize)>,
}

impl Repairs {
    /// Sets aside the part an error was found at; false when nothing is left to try.
    fn mend(&mut self, tree: &mut Value, at: Vec<Segment>, message: String) -> bool {
        let target = match missing_field(&message) {
            Some(field) => [at.as_slice(), &[Segment::Key(field)]].concat(),
            None => at,
        };
        // Parts mended earlier that this error is not in are done with.
        while let Some((path, _)) = self.mending.last() {
            if target.starts_with(path) {
                break;
            }
            self.mending.pop();
        }
        match self.mending.last() {
            // The stand-in did not fit: the next is tried below.
            Some((path, _)) if *path == target => {}
            // Something the stand-in lacks: mended quietly, the part was reported already.
            Some(_) => self.mending.push((target, 0)),
            None => {
                self.misshapen.push(Misshapen {
                    path: target.clone(),
                    message: plain(&message),
                });
                self.mending.push((target, 0));
            }
        }
        while let Some((path, attempt)) = self.mending.last_mut() {
            while let Some(stand_in) = stand_in(*attempt) {
                *attempt += 1;
                if put(tree, path, stand_in) {
                    return true;
                }
            }
            // Nothing fits here: set aside the part around it instead.
            let mut outer = self.mending.pop().map(|(path, _)| path).unwrap_or_default();
            if outer.pop().is_none() {
                return false;
            }
            if self.mending.last().is_none_or(|(path, _)| *path != outer) {
                self.mending.push((outer, 0));
            }
        }
        false
    }
}

/// Puts `value` at `path`, adding the last key if it is absent, or takes the key out.
fn put(tree: &mut Value, path: &[Segment], value: Option<Value>) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = tree;
    for segment in parents {
        node = match (segment, node) {
            (Segment::Key(key), Value::Mapping(map)) => match map.get_mut(key.as_str()) {
                Some(child) => child,
                None => return false,
            },
            (Segment::Index(index), Value::Sequence(items)) => match items.get_mut(*index) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node, value) {
        (Segment::Key(key), Value::Mapping(map), Some(value)) => {
            map.insert(Value::String(key.clone()), value);
            true
        }
        (Segment::Key(key), Value::Mapping(map), None) => map.remove(key.as_str()).is_some(),
        (Segment::Index(index), Value::Sequence(items), Some(value)) if *index < items.len() => {
            items[*index] = value;
            true
        }
        _ => false,
    }
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// serde's words for Rust's types, in the words of a rules file.
fn plain(message: &str) -> String {
    message
        .replace("expected f64", "expected a number")
        .replace("expected u64", "expected a whole number")
        .replace("unit value", "nothing")
        .replace("missing field", "missing key")
}

/// The parser's error, located in the file: a parser at the end of input points one line
/// past the last, which no editor shows, so that becomes the last line.
fn syntax(source: &str, error: &serde_yaml::Error) -> Problem {
    let mut message = error.to_string();
    let Some(location) = error.location() else {
        return Problem::whole_file(message);
    };
    let last_line = source.lines().count().max(1);
    let at_end = location.line() > last_line;
    // Shown in front as file:line:column already.
    let said = format!(" at line {} column {}", location.line(), location.column());
    let instead = if at_end {
        " at the end of the file"
    } else {
        ""
    };
    message = message.replacen(&said, instead, 1);
    Problem {
        line: Some(location.line().min(last_line)),
        column: (!at_end).then_some(location.column()),
        ..Problem::whole_file(message)
    }
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut list = segments(parent);
            list.push(Segment::Index(*index));
            list
        }
        Path::Map { parent, key } => {
            let mut list = segments(parent);
            list.push(Segment::Key(key.clone()));
            list
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    }
}

fn from_tracked(path: &serde_path_to_error::Path) -> Vec<Segment> {
    use serde_path_to_error::Segment as Tracked;
    path.iter()
        .filter_map(|segment| match segment {
            Tracked::Seq { index } => Some(Segment::Index(*index)),
            Tracked::Map { key } => Some(Segment::Key(key.clone())),
            Tracked::Enum { .. } | Tracked::Unknown => None,
        })
        .collect()
}
