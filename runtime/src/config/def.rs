//! `ConfigDef`: a table of keys (name, type, default, validator, doc) that parses a property
//! map the way Kafka's `ConfigDef` does, with Kafka's error messages.

use std::collections::BTreeMap;
use std::fmt;

use super::Props;

/// The type of a config value (Kafka's `ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// Any string.
    String,
    /// 32-bit signed integer.
    Int,
    /// 64-bit signed integer.
    Long,
    /// `true` or `false`, case-insensitive.
    Boolean,
    /// Comma-separated list; items trimmed, empty items dropped.
    List,
    /// A class name (a connector or converter class; here also a plugin alias).
    Class,
}

impl ConfigType {
    /// Kafka's name of the type, as in `/config/validate` responses.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Long => "LONG",
            Self::Boolean => "BOOLEAN",
            Self::List => "LIST",
            Self::Class => "CLASS",
        }
    }
}

/// A check on a parsed value, beyond its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Validator {
    /// No check.
    None,
    /// Non-empty string (`ConfigDef.NonEmptyString`).
    NonEmpty,
    /// Number at least this (`ConfigDef.Range.atLeast`).
    AtLeast(i64),
    /// One of these strings, case-sensitive (`ConfigDef.ValidString.in`).
    OneOf(&'static [&'static str]),
}

/// One key of a [`ConfigDef`].
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// Property name.
    pub name: &'static str,
    /// Type.
    pub ty: ConfigType,
    /// Default, as the string a user would write; `None` means required.
    pub default: Option<&'static str>,
    /// Extra check.
    pub validator: Validator,
    /// Documentation (Connect's text where the key is Connect's).
    pub doc: &'static str,
}

/// A typed config value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Int(i32),
    Long(i64),
    Bool(bool),
    List(Vec<String>),
}

/// A table of config keys.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

/// Every problem found in a config, as `(key, message)` pairs in table order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<(String, String)>);

impl ConfigErrors {
    /// The messages alone, e.g. for Connect's "contains the following N error(s)" text.
    pub fn messages(&self) -> Vec<String> {
        self.0.iter().map(|(_, m)| m.clone()).collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "configuration is invalid and contains the following {n} error(s):"
        )?;
        for (_, message) in &self.0 {
            write!(f, "\n{message}")?;
        }
        Ok(())
    }
}

/// The outcome for one key, as `/config/validate` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    /// Property name.
    pub name: String,
    /// The value given, or the default, if any.
    pub value: Option<String>,
    /// Problems with it; empty if valid.
    pub errors: Vec<String>,
}

/// A parsed config: typed values of every key in the table plus the full original map.
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    values: BTreeMap<&'static str, Option<Value>>,
    props: Props,
}

impl ConfigDef {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key with a default.
    pub fn define(
        mut self,
        name: &'static str,
        ty: ConfigType,
        default: &'static str,
        validator: Validator,
        doc: &'static str,
    ) -> Self {
        self.keys.push(ConfigKey {
            name,
            ty,
            default: Some(default),
            validator,
            doc,
        });
        self
    }

    /// Adds a key with no default; an optional key whose absence is `None` is declared with
    /// [`Self::optional`] instead.
    pub fn required(
        mut self,
        name: &'static str,
        ty: ConfigType,
        validator: Validator,
        doc: &'static str,
    ) -> Self {
        self.keys.push(ConfigKey {
            name,
            ty,
            default: None,
            validator,
            doc,
        });
        self
    }

    /// Adds a key whose default is "unset" (Kafka's `null` default).
    pub fn optional(self, name: &'static str, ty: ConfigType, doc: &'static str) -> Self {
        self.define(name, ty, NULL_DEFAULT, Validator::None, doc)
    }

    /// The keys, in definition order.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }

    /// Per-key outcome, for `/config/validate`.
    pub fn validate(&self, props: &Props) -> Vec<ConfigValue> {
        self.keys
            .iter()
            .map(|key| {
                let given = props.get(key.name).cloned();
                let errors = parse_key(key, props).err().into_iter().collect();
                let value = given.or_else(|| {
                    key.default
                        .filter(|d| *d != NULL_DEFAULT)
                        .map(str::to_owned)
                });
                ConfigValue {
                    name: key.name.to_owned(),
                    value,
                    errors,
                }
            })
            .collect()
    }

    /// Parses `props`, reporting every problem.
    pub fn parse(&self, props: &Props) -> Result<ParsedConfig, ConfigErrors> {
        let mut values = BTreeMap::new();
        let mut errors = Vec::new();
        for key in &self.keys {
            match parse_key(key, props) {
                Ok(v) => {
                    values.insert(key.name, v);
                }
                Err(message) => errors.push((key.name.to_owned(), message)),
            }
        }
        if errors.is_empty() {
            Ok(ParsedConfig {
                values,
                props: props.clone(),
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

/// Marks a default of "unset" (Kafka's `null`).
const NULL_DEFAULT: &str = "\u{0}null";

fn parse_key(key: &ConfigKey, props: &Props) -> Result<Option<Value>, String> {
    let raw = match (props.get(key.name), key.default) {
        (Some(v), _) => v.as_str(),
        (None, Some(NULL_DEFAULT)) => return Ok(None),
        (None, Some(d)) => d,
        (None, None) => {
            return Err(format!(
                "Missing required configuration \"{}\" which has no default value.",
                key.name
            ));
        }
    };
    let invalid = |why: &str| format!("Invalid value {raw} for configuration {}: {why}", key.name);
    let trimmed = raw.trim();
    let value = match key.ty {
        ConfigType::String => Value::Str(raw.to_owned()),
        ConfigType::Class => Value::Str(trimmed.to_owned()),
        ConfigType::Int => Value::Int(
            trimmed
                .parse()
                .map_err(|_| invalid("Not a number of type INT"))?,
        ),
        ConfigType::Long => Value::Long(
            trimmed
                .parse()
                .map_err(|_| invalid("Not a number of type LONG"))?,
        ),
        ConfigType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid("Expected value to be either true or false")),
        },
        ConfigType::List => Value::List(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    };
    match (key.validator, &value) {
        (Validator::None, _) => {}
        (Validator::NonEmpty, Value::Str(s)) if s.is_empty() => {
            return Err(invalid("String must be non-empty"));
        }
        (Validator::AtLeast(min), Value::Int(n)) if i64::from(*n) < min => {
            return Err(invalid(&format!("Value must be at least {min}")));
        }
        (Validator::AtLeast(min), Value::Long(n)) if *n < min => {
            return Err(invalid(&format!("Value must be at least {min}")));
        }
        (Validator::OneOf(allowed), Value::Str(s)) if !allowed.contains(&s.as_str()) => {
            return Err(invalid(&format!(
                "String must be one of: {}",
                allowed.join(", ")
            )));
        }
        _ => {}
    }
    Ok(Some(value))
}

impl ParsedConfig {
    /// The full original map, unknown keys included.
    pub fn props(&self) -> &Props {
        &self.props
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .get(name)
            .unwrap_or_else(|| panic!("config key {name} is not in the table"))
            .as_ref()
    }

    /// A STRING or CLASS value; `None` if unset.
    ///
    /// # Panics
    /// If `name` is not in the table or has another type (a programming error).
    pub fn string(&self, name: &str) -> Option<String> {
        match self.get(name) {
            None => None,
            Some(Value::Str(s)) => Some(s.clone()),
            Some(v) => panic!("config key {name} is not a string: {v:?}"),
        }
    }

    /// An INT value (panics like [`Self::string`]).
    pub fn int(&self, name: &str) -> Option<i32> {
        match self.get(name) {
            None => None,
            Some(Value::Int(n)) => Some(*n),
            Some(v) => panic!("config key {name} is not an INT: {v:?}"),
        }
    }

    /// A LONG value (panics like [`Self::string`]).
    pub fn long(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            None => None,
            Some(Value::Long(n)) => Some(*n),
            Some(v) => panic!("config key {name} is not a LONG: {v:?}"),
        }
    }

    /// A BOOLEAN value (panics like [`Self::string`]).
    pub fn boolean(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(v) => panic!("config key {name} is not a BOOLEAN: {v:?}"),
        }
    }

    /// A LIST value; empty if unset (panics like [`Self::string`]).
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            None => Vec::new(),
            Some(Value::List(l)) => l.clone(),
            Some(v) => panic!("config key {name} is not a LIST: {v:?}"),
        }
    }

    /// Every property starting with `prefix`, with the prefix removed (e.g. the
    /// `value.converter.*` settings handed to a converter).
    pub fn with_prefix(&self, prefix: &str) -> Props {
        self.props
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix)
                    .map(|rest| (rest.to_owned(), v.clone()))
            })
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .required("name", ConfigType::String, Validator::NonEmpty, "name")
            .define(
                "tasks.max",
                ConfigType::Int,
                "1",
                Validator::AtLeast(1),
                "tasks",
            )
            .define(
                "mode",
                ConfigType::String,
                "none",
                Validator::OneOf(&["none", "all"]),
                "mode",
            )
            .define(
                "flag",
                ConfigType::Boolean,
                "false",
                Validator::None,
                "flag",
            )
            .define("ms", ConfigType::Long, "60000", Validator::AtLeast(0), "ms")
            .define("list", ConfigType::List, "", Validator::None, "list")
            .optional("opt", ConfigType::String, "opt")
    }

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reports_every_error_with_kafka_messages() {
        let err = def()
            .parse(&props(&[
                ("tasks.max", "abc"),
                ("mode", "some"),
                ("flag", "maybe"),
                ("ms", "-1"),
            ]))
            .unwrap_err();
        assert_eq!(
            err.0,
            vec![
                (
                    "name".to_owned(),
                    "Missing required configuration \"name\" which has no default value.".to_owned()
                ),
                (
                    "tasks.max".to_owned(),
                    "Invalid value abc for configuration tasks.max: Not a number of type INT".to_owned()
                ),
                (
                    "mode".to_owned(),
                    "Invalid value some for configuration mode: String must be one of: none, all".to_owned()
                ),
                (
                    "flag".to_owned(),
                    "Invalid value maybe for configuration flag: Expected value to be either true or false".to_owned()
                ),
                (
                    "ms".to_owned(),
                    "Invalid value -1 for configuration ms: Value must be at least 0".to_owned()
                ),
            ]
        );
        let text = err.to_string();
        assert!(text.contains("5 error(s)"), "{text}");
    }

    #[test]
    fn types_defaults_and_pass_through() {
        let p = def()
            .parse(&props(&[
                ("name", "n"),
                ("tasks.max", " 3 "),
                ("flag", "TRUE"),
                ("list", " a, ,b ,"),
                ("x.y", "kept"),
            ]))
            .unwrap();
        assert_eq!(p.string("name").as_deref(), Some("n"));
        assert_eq!(p.int("tasks.max"), Some(3));
        assert_eq!(p.boolean("flag"), Some(true));
        assert_eq!(p.long("ms"), Some(60000));
        assert_eq!(p.list("list"), vec!["a", "b"]);
        assert_eq!(p.string("opt"), None);
        assert_eq!(p.props()["x.y"], "kept");
        assert_eq!(
            def().parse(&props(&[("name", "")])).unwrap_err().messages(),
            vec!["Invalid value  for configuration name: String must be non-empty".to_owned()]
        );
    }

    #[test]
    fn validate_reports_per_key() {
        let v = def().validate(&props(&[("tasks.max", "0")]));
        let tasks = v.iter().find(|c| c.name == "tasks.max").unwrap();
        assert_eq!(tasks.value.as_deref(), Some("0"));
        assert_eq!(
            tasks.errors,
            vec!["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
        );
        let mode = v.iter().find(|c| c.name == "mode").unwrap();
        assert_eq!(mode.value.as_deref(), Some("none"));
        assert!(mode.errors.is_empty());
        assert_eq!(v.iter().find(|c| c.name == "opt").unwrap().value, None);
    }
}
