//! `ConnectorConfig`: the keys the worker reads from a connector's config (Connect's
//! `ConnectorConfig`, `SinkConnectorConfig`), plus per-connector `wasm.*` overrides.

use std::path::PathBuf;
use std::time::Duration;

use wasmconnect_config::{ConfigDef, ConfigErrors, ConfigKey, ConfigType as T, Importance, Props};

use super::{checked, items};

const NAME: &str = "name";
const CONNECTOR_CLASS: &str = "connector.class";
const TASKS_MAX: &str = "tasks.max";
const KEY_CONVERTER: &str = "key.converter";
const VALUE_CONVERTER: &str = "value.converter";
const TOPICS: &str = "topics";
const TOPICS_REGEX: &str = "topics.regex";
const ERRORS_TOLERANCE: &str = "errors.tolerance";
const ERRORS_LOG_ENABLE: &str = "errors.log.enable";
const ERRORS_DLQ_TOPIC: &str = "errors.deadletterqueue.topic.name";
const WASM_MEMORY_MAX_BYTES: &str = "wasm.memory.max.bytes";
const WASM_CALL_TIMEOUT_MS: &str = "wasm.call.timeout.ms";
const WASM_ALLOWED_DIRS: &str = "wasm.allowed.dirs";
const WASM_RECYCLE_MEMORY_PERCENT: &str = "wasm.recycle.memory.percent";
const WASM_RECYCLE_CALLS: &str = "wasm.recycle.calls";

/// The connector config table (Connect 4.1's names, defaults and docs for its keys), every
/// key in group `Common` in table order, as `config/validate` shows them.
pub fn connector_def() -> ConfigDef {
    let key = |name: &str, ty, doc: &str| ConfigKey::new(name, ty, Importance::High, doc);
    let mut def = ConfigDef::new()
        .define(key(NAME, T::String, "Globally unique name to use for this connector.").non_empty())
        .define(key(CONNECTOR_CLASS, T::String, "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector; here, a plugin's class or alias."))
        .define(key(TASKS_MAX, T::Int, "Maximum number of tasks to use for this connector.").default_value("1").at_least(1))
        .define(key(KEY_CONVERTER, T::Class, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. Overrides the worker's.").default_null())
        .define(key(VALUE_CONVERTER, T::Class, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. Overrides the worker's.").default_null())
        .define(key(TOPICS, T::List, "List of topics to consume, separated by commas (sink connectors).").default_value(""))
        .define(key(TOPICS_REGEX, T::String, "Regular expression giving topics to consume (sink connectors). Only one of topics or topics.regex should be specified.").default_value(""))
        .define(key(ERRORS_TOLERANCE, T::String, "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.").default_value("none").one_of(&["none", "all"]))
        .define(key(ERRORS_LOG_ENABLE, T::Boolean, "If true, write each error and the details of the failed operation and problematic record to the Connect application log.").default_value("false"))
        .define(key(ERRORS_DLQ_TOPIC, T::String, "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters.").default_value(""))
        .define(key(WASM_MEMORY_MAX_BYTES, T::Long, "Overrides the worker's wasm.memory.max.bytes for this connector's instances.").default_null())
        .define(key(WASM_CALL_TIMEOUT_MS, T::Long, "Overrides the worker's wasm.call.timeout.ms for this connector's guest calls.").default_null())
        .define(key(WASM_RECYCLE_MEMORY_PERCENT, T::Int, "Overrides the worker's wasm.recycle.memory.percent for this connector's tasks (0 disables).").default_null())
        .define(key(WASM_RECYCLE_CALLS, T::Long, "Overrides the worker's wasm.recycle.calls for this connector's tasks (0 disables).").default_null())
        .define(key(WASM_ALLOWED_DIRS, T::List, "Extra directories, separated by commas, to preopen for this connector's tasks (none by default).").default_value(""));
    for (i, k) in def.keys_mut().iter_mut().enumerate() {
        k.group = Some("Common".to_owned());
        k.order_in_group = i as i32 + 1;
    }
    def
}

/// `errors.tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorsTolerance {
    /// Any error fails the task.
    #[default]
    None,
    /// Problematic records are skipped (and logged or sent to the DLQ if configured).
    All,
}

/// A connector's configuration as the worker reads it. Unknown keys are kept in `props`
/// and reach the connector unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorConfig {
    /// `name`: non-empty.
    pub name: String,
    /// `connector.class`: a plugin's class or alias.
    pub connector_class: String,
    /// `tasks.max`: at least 1.
    pub tasks_max: u32,
    /// `key.converter` override.
    pub key_converter: Option<String>,
    /// `value.converter` override.
    pub value_converter: Option<String>,
    /// `topics` (sinks).
    pub topics: Vec<String>,
    /// `topics.regex` (sinks); `None` if unset or empty.
    pub topics_regex: Option<String>,
    /// `errors.tolerance`.
    pub errors_tolerance: ErrorsTolerance,
    /// `errors.log.enable`.
    pub errors_log_enable: bool,
    /// `errors.deadletterqueue.topic.name`; `None` if unset or empty.
    pub errors_deadletterqueue_topic: Option<String>,
    /// `wasm.memory.max.bytes` override.
    pub wasm_memory_max_bytes: Option<u64>,
    /// `wasm.call.timeout.ms` override.
    pub wasm_call_timeout: Option<Duration>,
    /// `wasm.allowed.dirs`: extra preopened directories.
    pub wasm_allowed_dirs: Vec<PathBuf>,
    /// `wasm.recycle.memory.percent` override.
    pub wasm_recycle_memory_percent: Option<u32>,
    /// `wasm.recycle.calls` override.
    pub wasm_recycle_calls: Option<u64>,
    /// Every property given, unknown keys included.
    pub props: Props,
}

impl ConnectorConfig {
    /// Parses a connector config, reporting every problem.
    pub fn from_props(props: &Props) -> Result<Self, ConfigErrors> {
        let v = connector_def().parse(props)?;
        let long = |k| checked(v.get_long(k));
        let non_empty = |s: Option<&str>| Some(s?.trim().to_owned()).filter(|s| !s.is_empty());
        let mut errors = Vec::new();
        let positive = |key: &str, n: Option<i64>, errors: &mut Vec<(String, String)>| match n {
            Some(n) if n < 1 => {
                errors.push((
                    key.to_owned(),
                    format!("Invalid value {n} for configuration {key}: Value must be at least 1"),
                ));
                None
            }
            n => n.map(|n| n as u64),
        };
        let memory = positive(
            WASM_MEMORY_MAX_BYTES,
            long(WASM_MEMORY_MAX_BYTES),
            &mut errors,
        );
        let timeout = positive(
            WASM_CALL_TIMEOUT_MS,
            long(WASM_CALL_TIMEOUT_MS),
            &mut errors,
        );
        let non_negative = |key: &str, n: Option<i64>, errors: &mut Vec<(String, String)>| match n {
            Some(n) if n < 0 => {
                errors.push((
                    key.to_owned(),
                    format!("Invalid value {n} for configuration {key}: Value must be at least 0"),
                ));
                None
            }
            n => n.map(|n| n as u64),
        };
        let recycle_percent = non_negative(
            WASM_RECYCLE_MEMORY_PERCENT,
            checked(v.get_int(WASM_RECYCLE_MEMORY_PERCENT)).map(i64::from),
            &mut errors,
        );
        let recycle_calls = non_negative(WASM_RECYCLE_CALLS, long(WASM_RECYCLE_CALLS), &mut errors);
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Self {
            name: v.get(NAME).unwrap_or_default().to_owned(),
            connector_class: v.get(CONNECTOR_CLASS).unwrap_or_default().to_owned(),
            tasks_max: checked(v.get_int(TASKS_MAX)).unwrap_or(1) as u32,
            key_converter: non_empty(v.get(KEY_CONVERTER)),
            value_converter: non_empty(v.get(VALUE_CONVERTER)),
            topics: items(&v, TOPICS),
            topics_regex: non_empty(v.get(TOPICS_REGEX)),
            errors_tolerance: match v.get(ERRORS_TOLERANCE) {
                Some("all") => ErrorsTolerance::All,
                _ => ErrorsTolerance::None,
            },
            errors_log_enable: checked(v.get_bool(ERRORS_LOG_ENABLE)).unwrap_or(false),
            errors_deadletterqueue_topic: non_empty(v.get(ERRORS_DLQ_TOPIC)),
            wasm_memory_max_bytes: memory,
            wasm_call_timeout: timeout.map(Duration::from_millis),
            wasm_allowed_dirs: items(&v, WASM_ALLOWED_DIRS)
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            wasm_recycle_memory_percent: recycle_percent.map(|p| p.min(100) as u32),
            wasm_recycle_calls: recycle_calls,
            props: props.clone(),
        })
    }

    /// The extra checks Connect makes for a sink connector (`SinkConnectorConfig.validate`),
    /// with its messages: exactly one of `topics` / `topics.regex`, and the DLQ topic not
    /// among the consumed topics.
    pub fn check_sink(&self) -> Result<(), ConfigErrors> {
        let mut errors = Vec::new();
        match (self.topics.is_empty(), self.topics_regex.is_none()) {
            (true, true) => errors.push((
                TOPICS.to_owned(),
                "Must configure one of topics or topics.regex".to_owned(),
            )),
            (false, false) => errors.push((
                TOPICS.to_owned(),
                "topics and topics.regex are mutually exclusive options, but both are set."
                    .to_owned(),
            )),
            _ => {}
        }
        if let Some(dlq) = &self.errors_deadletterqueue_topic
            && self.topics.contains(dlq)
        {
            errors.push((
                ERRORS_DLQ_TOPIC.to_owned(),
                format!("The DLQ topic '{dlq}' may not be included in the list of topics ('topics={}') to be consumed.", self.topics.join(",")),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmconnect_config::Config;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().copied().collect::<Config>().into()
    }

    /// Defaults checked against Kafka Connect 4.1.1's `ConnectorConfig.configDef()`:
    /// tasks.max 1, errors.tolerance none, errors.log.enable false, converters unset.
    #[test]
    fn defaults_match_connect() {
        let c = ConnectorConfig::from_props(&props(&[
            ("name", "local-file-source"),
            ("connector.class", "FileStreamSource"),
            ("file", "/tmp/test.txt"),
        ]))
        .unwrap();
        assert_eq!(c.name, "local-file-source");
        assert_eq!(c.connector_class, "FileStreamSource");
        assert_eq!(c.tasks_max, 1);
        assert_eq!(c.key_converter, None);
        assert_eq!(c.value_converter, None);
        assert!(c.topics.is_empty());
        assert_eq!(c.topics_regex, None);
        assert_eq!(c.errors_tolerance, ErrorsTolerance::None);
        assert!(!c.errors_log_enable);
        assert_eq!(c.errors_deadletterqueue_topic, None);
        assert_eq!(c.wasm_memory_max_bytes, None);
        assert_eq!(c.wasm_call_timeout, None);
        assert!(c.wasm_allowed_dirs.is_empty());
        assert_eq!(c.props["file"], "/tmp/test.txt");
    }

    #[test]
    fn every_error_is_reported_with_connect_messages() {
        let err = ConnectorConfig::from_props(&props(&[
            ("name", ""),
            ("tasks.max", "abc"),
            ("errors.tolerance", "some"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.messages(),
            vec![
                "Invalid value  for configuration name: String must be non-empty",
                "Missing required configuration \"connector.class\" which has no default value.",
                "Invalid value abc for configuration tasks.max: Not a number of type INT",
                "Invalid value some for configuration errors.tolerance: String must be one of: none, all",
            ]
        );
        let err = ConnectorConfig::from_props(&props(&[
            ("name", "n"),
            ("connector.class", "c"),
            ("tasks.max", "0"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.messages(),
            vec!["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
        );
    }

    #[test]
    fn overrides_and_sink_checks() {
        let c = ConnectorConfig::from_props(&props(&[
            ("name", "sink"),
            ("connector.class", "FileStreamSink"),
            ("tasks.max", "4"),
            ("topics", "a, b,"),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("errors.tolerance", "all"),
            ("errors.log.enable", "true"),
            ("errors.deadletterqueue.topic.name", "dlq"),
            ("wasm.memory.max.bytes", "1048576"),
            ("wasm.call.timeout.ms", "250"),
            ("wasm.allowed.dirs", "/tmp/in, /tmp/out"),
        ]))
        .unwrap();
        assert_eq!(c.tasks_max, 4);
        assert_eq!(c.topics, vec!["a", "b"]);
        assert_eq!(
            c.value_converter.as_deref(),
            Some("org.apache.kafka.connect.storage.StringConverter")
        );
        assert_eq!(c.errors_tolerance, ErrorsTolerance::All);
        assert!(c.errors_log_enable);
        assert_eq!(c.errors_deadletterqueue_topic.as_deref(), Some("dlq"));
        assert_eq!(c.wasm_memory_max_bytes, Some(1 << 20));
        assert_eq!(c.wasm_call_timeout, Some(Duration::from_millis(250)));
        assert_eq!(
            c.wasm_allowed_dirs,
            vec![PathBuf::from("/tmp/in"), PathBuf::from("/tmp/out")]
        );
        c.check_sink().unwrap();

        let both = ConnectorConfig {
            topics_regex: Some("a.*".into()),
            ..c.clone()
        };
        assert_eq!(
            both.check_sink().unwrap_err().messages(),
            vec!["topics and topics.regex are mutually exclusive options, but both are set."]
        );
        let none = ConnectorConfig {
            topics: vec![],
            ..c.clone()
        };
        assert_eq!(
            none.check_sink().unwrap_err().messages(),
            vec!["Must configure one of topics or topics.regex"]
        );
        let dlq = ConnectorConfig {
            topics: vec!["dlq".into()],
            ..c
        };
        assert!(dlq.check_sink().unwrap_err().messages()[0].contains("DLQ topic 'dlq'"));
    }
}
