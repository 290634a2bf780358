//! Connector configurations and their definitions (Kafka's `ConfigDef`).

use std::collections::BTreeMap;
use std::fmt;

use crate::ConnectError;

/// A configuration: string keys and values, as in a `.properties` file or a REST `config`
/// object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config(BTreeMap<String, String>);

impl Config {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The value of `key`, or `default` if it is not set.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key`, or a fatal error worded as Kafka's when it is not set.
    pub fn require(&self, key: &str) -> Result<&str, ConnectError> {
        self.get(key)
            .ok_or_else(|| ConnectError::Fatal(missing_required(key)))
    }

    /// `key` parsed as a Connect `INT` (`i32`); `None` if it is not set.
    pub fn get_int(&self, key: &str) -> Result<Option<i32>, ConnectError> {
        self.parse(key, ConfigType::Int)
    }

    /// `key` parsed as a Connect `LONG` (`i64`); `None` if it is not set.
    pub fn get_long(&self, key: &str) -> Result<Option<i64>, ConnectError> {
        self.parse(key, ConfigType::Long)
    }

    /// `key` parsed as a Connect `DOUBLE`; `None` if it is not set.
    pub fn get_double(&self, key: &str) -> Result<Option<f64>, ConnectError> {
        self.parse(key, ConfigType::Double)
    }

    /// `key` parsed as a Connect `BOOLEAN` (`true`/`false`, any case); `None` if not set.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, ConnectError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| ConnectError::Fatal(invalid(key, v, ConfigType::Boolean))),
        }
    }

    /// `key` as a Connect `LIST`: comma-separated, each item trimmed, empty when not set or
    /// blank.
    pub fn get_list(&self, key: &str) -> Vec<String> {
        split_list(self.get(key).unwrap_or(""))
    }

    /// Sets `key` to `value`, returning the previous value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The keys and values, ordered by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying map.
    pub fn into_inner(self) -> BTreeMap<String, String> {
        self.0
    }

    fn parse<T: std::str::FromStr>(
        &self,
        key: &str,
        ty: ConfigType,
    ) -> Result<Option<T>, ConnectError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ConnectError::Fatal(invalid(key, v, ty))),
        }
    }
}

impl From<BTreeMap<String, String>> for Config {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for Config {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl IntoIterator for Config {
    type Item = (String, String);
    type IntoIter = std::collections::btree_map::IntoIter<String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

fn missing_required(key: &str) -> String {
    format!("Missing required configuration \"{key}\" which has no default value.")
}

fn invalid(key: &str, value: &str, ty: ConfigType) -> String {
    let why = match ty {
        ConfigType::Boolean => "Expected value to be either true or false".to_owned(),
        _ => format!("Not a number of type {}", ty.name()),
    };
    format!("Invalid value {value} for configuration {key}: {why}")
}

fn parse_bool(v: &str) -> Option<bool> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn split_list(v: &str) -> Vec<String> {
    if v.trim().is_empty() {
        return Vec::new();
    }
    v.split(',').map(|s| s.trim().to_owned()).collect()
}

/// The type of a configuration key (`ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean,
    /// Any string.
    String,
    /// A 32-bit integer.
    Int,
    /// A 16-bit integer.
    Short,
    /// A 64-bit integer.
    Long,
    /// A double.
    Double,
    /// A comma-separated list.
    List,
    /// A class name.
    Class,
    /// A string that is hidden in REST output and logs.
    Password,
}

impl ConfigType {
    /// Kafka's name of the type (`INT`, `STRING`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Short => "SHORT",
            Self::Long => "LONG",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
        }
    }

    /// Why `value` is not a valid value of this type, if it is not.
    fn check(self, key: &str, value: &str) -> Option<String> {
        let v = value.trim();
        let ok = match self {
            Self::Boolean => parse_bool(v).is_some(),
            Self::Int => v.parse::<i32>().is_ok(),
            Self::Short => v.parse::<i16>().is_ok(),
            Self::Long => v.parse::<i64>().is_ok(),
            Self::Double => v.parse::<f64>().is_ok(),
            Self::String | Self::List | Self::Class | Self::Password => true,
        };
        (!ok).then(|| invalid(key, value, self))
    }
}

/// How important a configuration key is (`ConfigDef.Importance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Importance {
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

/// The UI width of a configuration key (`ConfigDef.Width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Width {
    /// No width given.
    None,
    /// Short.
    Short,
    /// Medium.
    Medium,
    /// Long.
    Long,
}

/// The default of a configuration key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConfigDefault {
    /// No default: the key must be set (`ConfigDef.NO_DEFAULT_VALUE`).
    Required,
    /// The default is `null`: the key may be left out.
    Null,
    /// The default, as it would be written in a `.properties` file.
    Value(String),
}

/// Checks one value of a key; `Err` holds the message shown to the user.
pub type Validator = fn(value: &str) -> Result<(), String>;

/// One key of a configuration definition (`ConfigDef.ConfigKey`). Built with [`ConfigKey::new`]
/// and the builder methods; required (no default) unless a default is given.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// The key.
    pub name: String,
    /// Its type; values are checked against it by [`ConfigDef::validate`].
    pub config_type: ConfigType,
    /// Its default.
    pub default_value: ConfigDefault,
    /// Its importance.
    pub importance: Importance,
    /// What it means, for the docs and the REST API.
    pub documentation: String,
    /// The UI group it belongs to.
    pub group: Option<String>,
    /// Its position within the group.
    pub order_in_group: i32,
    /// Its UI width.
    pub width: Width,
    /// Its display name; the key itself when empty.
    pub display_name: String,
    /// Keys whose validity depends on this one.
    pub dependents: Vec<String>,
    /// An extra check of the value (after the type check), as Kafka's `ConfigDef.Validator`.
    pub validator: Option<Validator>,
}

impl ConfigKey {
    /// A required key (no default) with no group.
    pub fn new(
        name: impl Into<String>,
        config_type: ConfigType,
        importance: Importance,
        documentation: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            display_name: name.clone(),
            name,
            config_type,
            default_value: ConfigDefault::Required,
            importance,
            documentation: documentation.into(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
            validator: None,
        }
    }

    /// Gives the key a default value, written as in a `.properties` file.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default_value = ConfigDefault::Value(value.into());
        self
    }

    /// Makes the key optional with a `null` default.
    pub fn default_null(mut self) -> Self {
        self.default_value = ConfigDefault::Null;
        self
    }

    /// Places the key in a UI group, at position `order` (from 1, as in Kafka).
    pub fn group(mut self, group: impl Into<String>, order: i32) -> Self {
        self.group = Some(group.into());
        self.order_in_group = order;
        self
    }

    /// Sets the UI width.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// Sets the dependent keys.
    pub fn dependents<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Self {
        self.dependents = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a check of the value, run after the type check.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Validates this key's value in `config`.
    pub fn validate(&self, config: &Config) -> ConfigValue {
        let value = config.get(&self.name);
        let mut errors = Vec::new();
        let effective = match (value, &self.default_value) {
            (Some(v), _) => Some(v),
            (None, ConfigDefault::Value(d)) => Some(d.as_str()),
            (None, ConfigDefault::Null) => None,
            (None, ConfigDefault::Required) => {
                errors.push(missing_required(&self.name));
                None
            }
        };
        if let Some(v) = effective {
            if let Some(e) = self.config_type.check(&self.name, v) {
                errors.push(e);
            } else if let Some(check) = self.validator
                && let Err(e) = check(v)
            {
                errors.push(format!(
                    "Invalid value {v} for configuration {}: {e}",
                    self.name
                ));
            }
        }
        ConfigValue {
            name: self.name.clone(),
            value: value.map(str::to_owned),
            recommended_values: Vec::new(),
            errors,
            visible: true,
        }
    }
}

/// A connector's configuration definition (`ConfigDef`): the keys it understands.
///
/// ```
/// use wasmconnect_guest::{ConfigDef, ConfigKey, ConfigType, Importance};
/// let def = ConfigDef::new()
///     .define(ConfigKey::new("file", ConfigType::String, Importance::High, "Source filename."))
///     .define(
///         ConfigKey::new("batch.size", ConfigType::Int, Importance::Low, "Max records per poll.")
///             .default_value("2000"),
///     );
/// assert_eq!(def.keys().len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

impl ConfigDef {
    /// An empty definition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key; a key of the same name is replaced.
    pub fn define(mut self, key: ConfigKey) -> Self {
        match self.keys.iter_mut().find(|k| k.name == key.name) {
            Some(k) => *k = key,
            None => self.keys.push(key),
        }
        self
    }

    /// The keys, in definition order.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }

    /// The key called `name`.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Validates `config` against every key (`Connector.validate`'s default): one
    /// [`ConfigValue`] per key, in definition order, listing what is wrong with it.
    pub fn validate(&self, config: &Config) -> Vec<ConfigValue> {
        self.keys.iter().map(|k| k.validate(config)).collect()
    }

    /// Validates `config` and returns it with the defaults of unset keys filled in, or a
    /// fatal error listing every problem (as Kafka's `AbstractConfig` constructor).
    pub fn parse(&self, config: &Config) -> Result<Config, ConnectError> {
        let errors: Vec<String> = self
            .validate(config)
            .into_iter()
            .flat_map(|v| v.errors)
            .collect();
        if !errors.is_empty() {
            return Err(ConnectError::Fatal(errors.join(" ")));
        }
        let mut out = config.clone();
        for k in &self.keys {
            if let (false, ConfigDefault::Value(d)) = (out.contains_key(&k.name), &k.default_value)
            {
                out.set(k.name.clone(), d.clone());
            }
        }
        Ok(out)
    }
}

/// The outcome of validating one key (`ConfigValue`); valid when `errors` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigValue {
    /// The key.
    pub name: String,
    /// Its value in the validated configuration, if set.
    pub value: Option<String>,
    /// Values the UI may offer.
    pub recommended_values: Vec<String>,
    /// What is wrong with it; empty when valid.
    pub errors: Vec<String>,
    /// Whether the UI shows it.
    pub visible: bool,
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.name)?;
        if self.errors.is_empty() {
            write!(f, "valid")
        } else {
            write!(f, "{}", self.errors.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new(
                "file",
                ConfigType::String,
                Importance::High,
                "f",
            ))
            .define(
                ConfigKey::new("batch.size", ConfigType::Int, Importance::Low, "b")
                    .default_value("2000"),
            )
            .define(
                ConfigKey::new("topic", ConfigType::String, Importance::High, "t").validator(|v| {
                    if v.contains(',') {
                        Err("one topic only".into())
                    } else {
                        Ok(())
                    }
                }),
            )
    }

    #[test]
    fn validate_reports_missing_bad_type_and_validator_errors() {
        let v = def().validate(&Config::from([("batch.size", "x"), ("topic", "a,b")]));
        assert_eq!(
            v[0].errors,
            ["Missing required configuration \"file\" which has no default value."]
        );
        assert_eq!(
            v[1].errors,
            ["Invalid value x for configuration batch.size: Not a number of type INT"]
        );
        assert_eq!(
            v[2].errors,
            ["Invalid value a,b for configuration topic: one topic only"]
        );
        let ok = def().validate(&Config::from([("file", "/f"), ("topic", "t")]));
        assert!(ok.iter().all(|v| v.errors.is_empty()));
    }

    #[test]
    fn parse_fills_defaults_and_getters_parse() {
        let c = def()
            .parse(&Config::from([("file", "/f"), ("topic", "t")]))
            .unwrap();
        assert_eq!(c.get_int("batch.size").unwrap(), Some(2000));
        assert_eq!(c.require("file").unwrap(), "/f");
        assert!(c.require("nope").is_err());
        assert_eq!(c.get_or("nope", "d"), "d");
        assert!(def().parse(&Config::new()).is_err());
        let c = Config::from([("b", "TRUE"), ("l", " a, b ,c"), ("n", "1.5")]);
        assert_eq!(c.get_bool("b").unwrap(), Some(true));
        assert_eq!(c.get_list("l"), ["a", "b", "c"]);
        assert_eq!(c.get_double("n").unwrap(), Some(1.5));
        assert!(c.get_long("n").is_err());
    }
}
