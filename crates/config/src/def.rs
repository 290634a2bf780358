//! `ConfigDef`: a table of keys (name, type, default, validator, documentation) that checks
//! a configuration the way Kafka's `ConfigDef` does, with Kafka's error messages.

use std::borrow::Borrow;
use std::fmt;

use crate::map::{invalid, missing_required, parse_bool};
use crate::{Config, ConfigErrors, Props};

/// The type of a configuration key (`ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigType {
    /// `true` or `false`, any case.
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
    /// A class name (here: a plugin's class or alias, or a converter's class).
    Class,
    /// A string hidden in REST output and logs.
    Password,
}

impl ConfigType {
    /// Kafka's name of the type (`INT`, `STRING`, …), as in `/config/validate` answers.
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

    /// Kafka's reason for a value that is not of this type.
    pub(crate) fn mismatch(self) -> String {
        match self {
            Self::Boolean => "Expected value to be either true or false".to_owned(),
            _ => format!("Not a number of type {}", self.name()),
        }
    }

    /// Whether `value` is a valid value of this type.
    pub fn accepts(self, value: &str) -> bool {
        let v = value.trim();
        match self {
            Self::Boolean => parse_bool(v).is_some(),
            Self::Int => v.parse::<i32>().is_ok(),
            Self::Short => v.parse::<i16>().is_ok(),
            Self::Long => v.parse::<i64>().is_ok(),
            Self::Double => v.parse::<f64>().is_ok(),
            Self::String | Self::List | Self::Class | Self::Password => true,
        }
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

impl Importance {
    /// Kafka's name: `HIGH`, `MEDIUM` or `LOW`.
    pub fn name(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }
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

impl Width {
    /// Kafka's name: `NONE`, `SHORT`, `MEDIUM` or `LONG`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Short => "SHORT",
            Self::Medium => "MEDIUM",
            Self::Long => "LONG",
        }
    }
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

/// A check of a value beyond its type (`ConfigDef.Validator`), run on the value given or
/// the default.
#[derive(Debug, Clone, Copy)]
pub enum Validator {
    /// Not empty (`ConfigDef.NonEmptyString`); a `CLASS` value is trimmed first.
    NonEmptyString,
    /// A number at least this (`ConfigDef.Range.atLeast`).
    AtLeast(i64),
    /// One of these strings, case-sensitive (`ConfigDef.ValidString.in`).
    ValidString(&'static [&'static str]),
    /// Any other check; `Err` holds the reason, shown after "Invalid value … for
    /// configuration …: ".
    Custom(fn(&str) -> Result<(), String>),
}

impl Validator {
    /// Why `value` (a valid value of `ty`) fails the check, if it does.
    fn check(self, ty: ConfigType, value: &str) -> Result<(), String> {
        match self {
            Self::NonEmptyString => {
                let v = if ty == ConfigType::Class {
                    value.trim()
                } else {
                    value
                };
                if v.is_empty() {
                    return Err("String must be non-empty".to_owned());
                }
            }
            Self::AtLeast(min) => {
                let v = value.trim();
                let below = match v.parse::<i64>() {
                    Ok(n) => n < min,
                    Err(_) => v.parse::<f64>().is_ok_and(|n| n < min as f64),
                };
                if below {
                    return Err(format!("Value must be at least {min}"));
                }
            }
            Self::ValidString(allowed) => {
                let v = if ty == ConfigType::Class {
                    value.trim()
                } else {
                    value
                };
                if !allowed.contains(&v) {
                    return Err(format!("String must be one of: {}", allowed.join(", ")));
                }
            }
            Self::Custom(check) => check(value)?,
        }
        Ok(())
    }
}

/// One key of a configuration definition (`ConfigDef.ConfigKey`). Built with
/// [`ConfigKey::new`] and the builder methods; required (no default) unless a default is
/// given.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// The key.
    pub name: String,
    /// Its type; values are checked against it.
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
    /// Its display name; the key itself unless set.
    pub display_name: String,
    /// Keys whose validity depends on this one.
    pub dependents: Vec<String>,
    /// An extra check of the value, after the type check.
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

    /// Adds a check of the value of your own, run after the type check; `Err` holds the
    /// reason.
    pub fn validator(mut self, check: fn(&str) -> Result<(), String>) -> Self {
        self.validator = Some(Validator::Custom(check));
        self
    }

    /// Requires a non-empty value (`ConfigDef.NonEmptyString`).
    pub fn non_empty(mut self) -> Self {
        self.validator = Some(Validator::NonEmptyString);
        self
    }

    /// Requires a number at least `min` (`ConfigDef.Range.atLeast`).
    pub fn at_least(mut self, min: i64) -> Self {
        self.validator = Some(Validator::AtLeast(min));
        self
    }

    /// Requires one of `allowed` (`ConfigDef.ValidString.in`).
    pub fn one_of(mut self, allowed: &'static [&'static str]) -> Self {
        self.validator = Some(Validator::ValidString(allowed));
        self
    }

    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default_value == ConfigDefault::Required
    }

    /// The default as written, if there is one and it is not null.
    pub fn default_text(&self) -> Option<&str> {
        match &self.default_value {
            ConfigDefault::Value(v) => Some(v),
            ConfigDefault::Required | ConfigDefault::Null => None,
        }
    }

    /// Validates this key's value in `config`: missing, of the wrong type, or failing the
    /// validator. The result's `value` is the value as given, `None` when unset.
    pub fn validate(&self, config: &Props) -> ConfigValue {
        let value = config.get(&self.name).map(String::as_str);
        ConfigValue {
            name: self.name.clone(),
            value: value.map(str::to_owned),
            recommended_values: Vec::new(),
            errors: self.check(value).err().into_iter().collect(),
            visible: true,
        }
    }

    /// The one problem with `value` (the value given, if any), Kafka's message.
    fn check(&self, value: Option<&str>) -> Result<(), String> {
        let effective = match (value, &self.default_value) {
            (Some(v), _) => v,
            (None, ConfigDefault::Value(d)) => d.as_str(),
            (None, ConfigDefault::Null) => return Ok(()),
            (None, ConfigDefault::Required) => return Err(missing_required(&self.name)),
        };
        if !self.config_type.accepts(effective) {
            return Err(invalid(&self.name, effective, self.config_type.mismatch()));
        }
        match self.validator {
            Some(v) => v
                .check(self.config_type, effective)
                .map_err(|why| invalid(&self.name, effective, why)),
            None => Ok(()),
        }
    }
}

/// A configuration definition (`ConfigDef`): the keys a connector or the worker
/// understands, in definition order.
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

    /// The keys, to change them in place (e.g. to put them all in one group).
    pub fn keys_mut(&mut self) -> &mut [ConfigKey] {
        &mut self.keys
    }

    /// The key called `name`.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Validates `config` (a [`Config`] or a [`Props`] map) against every key
    /// (`Connector.validate`'s default): one [`ConfigValue`] per key, in definition order.
    pub fn validate(&self, config: &impl Borrow<Props>) -> Vec<ConfigValue> {
        let config = config.borrow();
        self.keys.iter().map(|k| k.validate(config)).collect()
    }

    /// Checks `config` against every key and returns it with the defaults of unset keys
    /// filled in, or every problem found, in definition order (as Kafka's `AbstractConfig`
    /// constructor). Keys the definition does not know pass through unchanged.
    pub fn parse(&self, config: &impl Borrow<Props>) -> Result<Config, ConfigErrors> {
        let config = config.borrow();
        let errors: Vec<(String, String)> = self
            .keys
            .iter()
            .filter_map(|k| {
                k.check(config.get(&k.name).map(String::as_str))
                    .err()
                    .map(|m| (k.name.clone(), m))
            })
            .collect();
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let mut out = config.clone();
        for k in &self.keys {
            if let (false, ConfigDefault::Value(d)) = (out.contains_key(&k.name), &k.default_value)
            {
                out.insert(k.name.clone(), d.clone());
            }
        }
        Ok(Config::from(out))
    }
}

impl Borrow<Props> for Config {
    fn borrow(&self) -> &Props {
        self.as_props()
    }
}

/// The outcome of validating one key (`ConfigValue`); valid when `errors` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigValue {
    /// The key.
    pub name: String,
    /// Its value as given, if set.
    pub value: Option<String>,
    /// Values a UI may offer.
    pub recommended_values: Vec<String>,
    /// What is wrong with it; empty when valid.
    pub errors: Vec<String>,
    /// Whether a UI shows it.
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
    use ConfigType as T;
    use Importance::High;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new("name", T::String, High, "name").non_empty())
            .define(
                ConfigKey::new("tasks.max", T::Int, High, "tasks")
                    .default_value("1")
                    .at_least(1),
            )
            .define(
                ConfigKey::new("mode", T::String, High, "mode")
                    .default_value("none")
                    .one_of(&["none", "all"]),
            )
            .define(ConfigKey::new("flag", T::Boolean, High, "flag").default_value("false"))
            .define(
                ConfigKey::new("ms", T::Long, High, "ms")
                    .default_value("60000")
                    .at_least(0),
            )
            .define(ConfigKey::new("list", T::List, High, "list").default_value(""))
            .define(ConfigKey::new("class", T::Class, High, "class").non_empty())
            .define(ConfigKey::new("opt", T::String, High, "opt").default_null())
            .define(
                ConfigKey::new("topic", T::String, High, "t")
                    .default_value("t")
                    .validator(|v| {
                        if v.contains(',') {
                            Err("one topic only".into())
                        } else {
                            Ok(())
                        }
                    }),
            )
    }

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().copied().collect::<Config>().into()
    }

    #[test]
    fn reports_every_error_with_kafka_messages() {
        let err = def()
            .parse(&props(&[
                ("tasks.max", "abc"),
                ("mode", "some"),
                ("flag", "maybe"),
                ("ms", "-1"),
                ("class", "  "),
                ("topic", "a,b"),
            ]))
            .unwrap_err();
        assert_eq!(
            err.messages(),
            vec![
                "Missing required configuration \"name\" which has no default value.",
                "Invalid value abc for configuration tasks.max: Not a number of type INT",
                "Invalid value some for configuration mode: String must be one of: none, all",
                "Invalid value maybe for configuration flag: Expected value to be either true or false",
                "Invalid value -1 for configuration ms: Value must be at least 0",
                "Invalid value    for configuration class: String must be non-empty",
                "Invalid value a,b for configuration topic: one topic only",
            ]
        );
        assert_eq!(err.0[1].0, "tasks.max");
    }

    #[test]
    fn parse_fills_defaults_and_keeps_unknown_keys() {
        let p = def()
            .parse(&props(&[
                ("name", "n"),
                ("tasks.max", " 3 "),
                ("flag", "TRUE"),
                ("class", " C "),
                ("x.y", "kept"),
            ]))
            .unwrap();
        assert_eq!(p.get("name"), Some("n"));
        assert_eq!(p.get_int("tasks.max").unwrap(), Some(3));
        assert_eq!(p.get_bool("flag").unwrap(), Some(true));
        assert_eq!(p.get_long("ms").unwrap(), Some(60000));
        assert_eq!(p.get("mode"), Some("none"));
        assert_eq!(p.get("opt"), None);
        assert_eq!(p.get("x.y"), Some("kept"));
        // A string keeps its spaces; an empty one fails non_empty, a blank class too.
        assert_eq!(
            def()
                .parse(&props(&[("name", ""), ("class", "c")]))
                .unwrap_err()
                .messages(),
            vec!["Invalid value  for configuration name: String must be non-empty"]
        );
        assert!(
            def()
                .parse(&props(&[("name", " "), ("class", "c")]))
                .is_ok()
        );
    }

    #[test]
    fn validate_reports_per_key_with_the_value_as_given() {
        let v = def().validate(&Config::from([("tasks.max", "0")]));
        let tasks = v.iter().find(|c| c.name == "tasks.max").unwrap();
        assert_eq!(tasks.value.as_deref(), Some("0"));
        assert_eq!(
            tasks.errors,
            vec!["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
        );
        // An unset key with a default is valid and shows no value (the default is in its
        // definition).
        let mode = v.iter().find(|c| c.name == "mode").unwrap();
        assert_eq!(mode.value, None);
        assert!(mode.errors.is_empty());
        assert_eq!(v.iter().find(|c| c.name == "opt").unwrap().value, None);
        assert_eq!(
            v.iter().find(|c| c.name == "name").unwrap().to_string(),
            "name: Missing required configuration \"name\" which has no default value."
        );
    }

    #[test]
    fn defaults_are_checked_like_values() {
        let bad = ConfigDef::new().define(
            ConfigKey::new("n", T::Int, High, "n")
                .default_value("0")
                .at_least(1),
        );
        assert_eq!(
            bad.parse(&Props::new()).unwrap_err().messages(),
            ["Invalid value 0 for configuration n: Value must be at least 1"]
        );
        let def = def();
        let k = &def.keys()[1];
        assert!(!k.is_required());
        assert_eq!(k.default_text(), Some("1"));
        assert!(def.keys()[0].is_required());
    }
}
