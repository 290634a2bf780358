//! `Config`, a configuration as a string map with typed getters, and `ConfigErrors`.

use std::fmt;

use crate::{ConfigType, Props};

/// A configuration: string keys and values, as in a `.properties` file or a REST `config`
/// object, with getters that parse a value as a Connect type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config(Props);

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

    /// The value of `key`, or Kafka's error for a missing required key.
    pub fn require(&self, key: &str) -> Result<&str, ConfigErrors> {
        self.get(key)
            .ok_or_else(|| ConfigErrors::one(key, missing_required(key)))
    }

    /// `key` parsed as a Connect `INT` (`i32`); `None` if it is not set.
    pub fn get_int(&self, key: &str) -> Result<Option<i32>, ConfigErrors> {
        self.parse(key, ConfigType::Int)
    }

    /// `key` parsed as a Connect `SHORT` (`i16`); `None` if it is not set.
    pub fn get_short(&self, key: &str) -> Result<Option<i16>, ConfigErrors> {
        self.parse(key, ConfigType::Short)
    }

    /// `key` parsed as a Connect `LONG` (`i64`); `None` if it is not set.
    pub fn get_long(&self, key: &str) -> Result<Option<i64>, ConfigErrors> {
        self.parse(key, ConfigType::Long)
    }

    /// `key` parsed as a Connect `DOUBLE`; `None` if it is not set.
    pub fn get_double(&self, key: &str) -> Result<Option<f64>, ConfigErrors> {
        self.parse(key, ConfigType::Double)
    }

    /// `key` parsed as a Connect `BOOLEAN` (`true`/`false`, any case); `None` if not set.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, ConfigErrors> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_bool(v).map(Some).ok_or_else(|| {
                ConfigErrors::one(key, invalid(key, v, ConfigType::Boolean.mismatch()))
            }),
        }
    }

    /// `key` as a Connect `LIST`, as Kafka's `ConfigDef` parses one: comma-separated, each
    /// item trimmed, empty items kept; empty when not set or blank.
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

    /// The map.
    pub fn as_props(&self) -> &Props {
        &self.0
    }

    /// The underlying map.
    pub fn into_inner(self) -> Props {
        self.0
    }

    fn parse<T: std::str::FromStr>(
        &self,
        key: &str,
        ty: ConfigType,
    ) -> Result<Option<T>, ConfigErrors> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ConfigErrors::one(key, invalid(key, v, ty.mismatch()))),
        }
    }
}

impl From<Props> for Config {
    fn from(map: Props) -> Self {
        Self(map)
    }
}

impl From<Config> for Props {
    fn from(config: Config) -> Self {
        config.0
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

/// Every problem found in a configuration, as `(key, message)` pairs in the order found,
/// the messages worded as Kafka's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<(String, String)>);

impl ConfigErrors {
    /// One problem with `key`.
    pub fn one(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![(key.into(), message.into())])
    }

    /// The messages alone, e.g. for Connect's "contains the following N error(s)" text.
    pub fn messages(&self) -> Vec<String> {
        self.0.iter().map(|(_, m)| m.clone()).collect()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The messages, separated by spaces (as a connector's `start` reports them).
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (_, message)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Kafka's message for a required key that is not set.
pub(crate) fn missing_required(key: &str) -> String {
    format!("Missing required configuration \"{key}\" which has no default value.")
}

/// Kafka's message for a value that fails a check: `why` follows the value and key.
pub(crate) fn invalid(key: &str, value: &str, why: impl fmt::Display) -> String {
    format!("Invalid value {value} for configuration {key}: {why}")
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getters_parse_connect_types_with_kafka_messages() {
        let c = Config::from([("b", "TRUE"), ("l", " a, ,b ,"), ("n", "1.5"), ("i", " 3 ")]);
        assert_eq!(c.get_bool("b").unwrap(), Some(true));
        assert_eq!(c.get_list("l"), ["a", "", "b", ""]);
        assert!(c.get_list("missing").is_empty());
        assert_eq!(c.get_double("n").unwrap(), Some(1.5));
        assert_eq!(c.get_int("i").unwrap(), Some(3));
        assert_eq!(c.get_short("i").unwrap(), Some(3));
        assert_eq!(
            c.get_long("n").unwrap_err().messages(),
            ["Invalid value 1.5 for configuration n: Not a number of type LONG"]
        );
        assert_eq!(
            c.require("nope").unwrap_err().to_string(),
            "Missing required configuration \"nope\" which has no default value."
        );
        assert_eq!(c.get_or("nope", "d"), "d");
        let errors = ConfigErrors(vec![("a".into(), "x.".into()), ("b".into(), "y.".into())]);
        assert_eq!(errors.to_string(), "x. y.");
    }
}
