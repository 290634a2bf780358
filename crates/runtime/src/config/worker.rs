//! `WorkerConfig`: the worker properties file (`connect-standalone.properties`).

use std::path::PathBuf;
use std::time::Duration;

use wasmconnect_config::{
    Config, ConfigDef, ConfigErrors, ConfigKey, ConfigType as T, Importance, Props,
};

use super::{checked, items};

const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
const KEY_CONVERTER: &str = "key.converter";
const VALUE_CONVERTER: &str = "value.converter";
const OFFSET_STORAGE_FILE_FILENAME: &str = "offset.storage.file.filename";
const OFFSET_FLUSH_INTERVAL_MS: &str = "offset.flush.interval.ms";
const OFFSET_FLUSH_TIMEOUT_MS: &str = "offset.flush.timeout.ms";
const PLUGIN_PATH: &str = "plugin.path";
const LISTENERS: &str = "listeners";
const TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS: &str = "task.shutdown.graceful.timeout.ms";
const WASM_MEMORY_MAX_BYTES: &str = "wasm.memory.max.bytes";
const WASM_CALL_TIMEOUT_MS: &str = "wasm.call.timeout.ms";
const WASM_INSTANCES_MAX: &str = "wasm.instances.max";
const WASM_RECYCLE_MEMORY_PERCENT: &str = "wasm.recycle.memory.percent";
const WASM_RECYCLE_CALLS: &str = "wasm.recycle.calls";
const PLUGIN_UPLOAD_MAX_BYTES: &str = "plugin.upload.max.bytes";
const CONSUMER_MAX_PARTITION_FETCH_BYTES: &str = "consumer.max.partition.fetch.bytes";
const CONSUMER_MAX_POLL_RECORDS: &str = "consumer.max.poll.records";

/// The worker's config table: Kafka Connect 4.1's names and defaults (`WorkerConfig`,
/// `StandaloneConfig`), then wasmconnect's own `wasm.*` and `plugin.upload.*` keys.
pub fn worker_def() -> ConfigDef {
    let key = |name: &str, ty, doc: &str| ConfigKey::new(name, ty, Importance::High, doc);
    ConfigDef::new()
        .define(key(BOOTSTRAP_SERVERS, T::List, "A list of host/port pairs used to establish the initial connection to the Kafka cluster.").default_value("localhost:9092"))
        .define(key(KEY_CONVERTER, T::Class, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka.").non_empty())
        .define(key(VALUE_CONVERTER, T::Class, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka.").non_empty())
        .define(key(OFFSET_STORAGE_FILE_FILENAME, T::String, "File to store source connector offsets (standalone mode).").default_null())
        .define(key(OFFSET_FLUSH_INTERVAL_MS, T::Long, "Interval at which to try committing offsets for tasks.").default_value("60000").at_least(0))
        .define(key(OFFSET_FLUSH_TIMEOUT_MS, T::Long, "Maximum number of milliseconds to wait for records to flush and partition offset data to be committed to offset storage before cancelling the process and restoring the offset data to be committed in a future attempt.").default_value("5000").at_least(0))
        .define(key(PLUGIN_PATH, T::List, "List of paths separated by commas (,) that contain plugins (connectors, converters, transformations); here, folders of .wasm components.").default_null())
        .define(key(LISTENERS, T::List, "List of comma-separated URIs the REST API will listen on. Leave hostname empty to bind to all interfaces.").default_value("http://:8083"))
        .define(key(TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS, T::Long, "Amount of time to wait for tasks to shutdown gracefully. This is the total amount of time, not per task.").default_value("5000").at_least(0))
        .define(key(WASM_MEMORY_MAX_BYTES, T::Long, "Most linear memory one task instance may grow to, in bytes; a task that needs more fails.").default_value("268435456").at_least(65536))
        .define(key(WASM_CALL_TIMEOUT_MS, T::Long, "Longest one guest call (poll, put, flush, …) may run before the task fails.").default_value("30000").at_least(1))
        .define(key(WASM_RECYCLE_MEMORY_PERCENT, T::Int, "A task's instance is replaced by a fresh one, at a point where its offsets are committed, once its linear memory passes this percentage of wasm.memory.max.bytes. Garbage-collected guests (Python, JavaScript) only ever grow their memory. 0 disables.").default_value("75").at_least(0))
        .define(key(WASM_RECYCLE_CALLS, T::Long, "Replace a task's instance after this many guest calls, as wasm.recycle.memory.percent does. 0 disables.").default_value("0").at_least(0))
        .define(key(WASM_INSTANCES_MAX, T::Int, "Most component instances (connectors plus tasks) the worker runs at once.").default_value("1000").at_least(1))
        .define(key(PLUGIN_UPLOAD_MAX_BYTES, T::Long, "Largest plugin component accepted over REST, in bytes.").default_value("67108864").at_least(0))
        .define(key(CONSUMER_MAX_PARTITION_FETCH_BYTES, T::Int, "The maximum amount of data per-partition a sink task's fetch returns (at least one record batch is returned if any exists), as the consumer setting max.partition.fetch.bytes with Connect's consumer. prefix. Every fetched batch is held in memory a few times over, so this bounds the worker's memory per sink task.").default_value("1048576").at_least(1))
        .define(key(CONSUMER_MAX_POLL_RECORDS, T::Int, "The maximum number of records a sink task gets in one put, as the consumer setting max.poll.records with Connect's consumer. prefix; the rest of a fetch goes to the next puts.").default_value("500").at_least(1))
}

/// The worker's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// `bootstrap.servers`, as `host:port` entries.
    pub bootstrap_servers: Vec<String>,
    /// `key.converter` class (required, as in Connect).
    pub key_converter: String,
    /// `key.converter.*` settings, prefix removed (e.g. `schemas.enable`).
    pub key_converter_props: Props,
    /// `value.converter` class (required, as in Connect).
    pub value_converter: String,
    /// `value.converter.*` settings, prefix removed.
    pub value_converter_props: Props,
    /// `offset.storage.file.filename`; always set in standalone mode.
    pub offset_storage_file: Option<PathBuf>,
    /// `offset.flush.interval.ms`.
    pub offset_flush_interval: Duration,
    /// `offset.flush.timeout.ms`.
    pub offset_flush_timeout: Duration,
    /// `plugin.path` folders.
    pub plugin_path: Vec<PathBuf>,
    /// `listeners` URIs, e.g. `http://:8083`.
    pub listeners: Vec<String>,
    /// `task.shutdown.graceful.timeout.ms`: total time, not per task.
    pub task_shutdown_graceful_timeout: Duration,
    /// `wasm.memory.max.bytes`: per task instance.
    pub wasm_memory_max_bytes: u64,
    /// `wasm.call.timeout.ms`: per guest call.
    pub wasm_call_timeout: Duration,
    /// `wasm.instances.max`: per worker.
    pub wasm_instances_max: u32,
    /// `wasm.recycle.memory.percent`: 0 = off.
    pub wasm_recycle_memory_percent: u32,
    /// `wasm.recycle.calls`: 0 = off.
    pub wasm_recycle_calls: u64,
    /// `plugin.upload.max.bytes`.
    pub plugin_upload_max_bytes: u64,
    /// `consumer.max.partition.fetch.bytes`: what a sink fetch asks per partition.
    pub consumer_max_partition_fetch_bytes: i32,
    /// `consumer.max.poll.records`: most records per sink `put`.
    pub consumer_max_poll_records: u32,
    /// Every property given, unknown keys included (`producer.*`, `consumer.*`, …).
    pub props: Props,
}

impl WorkerConfig {
    /// Parses a worker config, reporting every problem.
    pub fn from_props(props: &Props) -> Result<Self, ConfigErrors> {
        let v = worker_def().parse(props)?;
        Ok(Self::from_parsed(&v))
    }

    /// Parses a standalone worker config: like [`Self::from_props`], and
    /// `offset.storage.file.filename` is required.
    pub fn standalone(props: &Props) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        if props
            .get(OFFSET_STORAGE_FILE_FILENAME)
            .is_none_or(|f| f.trim().is_empty())
        {
            errors.push((
                OFFSET_STORAGE_FILE_FILENAME.to_owned(),
                format!("Missing required configuration \"{OFFSET_STORAGE_FILE_FILENAME}\" which has no default value."),
            ));
        }
        match (worker_def().parse(props), errors.is_empty()) {
            (Ok(v), true) => Ok(Self::from_parsed(&v)),
            (Ok(_), false) => Err(ConfigErrors(errors)),
            (Err(mut e), _) => {
                e.0.extend(errors);
                Err(e)
            }
        }
    }

    /// `bootstrap.servers` joined with commas, as the Kafka clients take it.
    pub fn bootstrap(&self) -> String {
        self.bootstrap_servers.join(",")
    }

    fn from_parsed(v: &Config) -> Self {
        let ms = |k| Duration::from_millis(checked(v.get_long(k)).unwrap_or(0).max(0) as u64);
        let prefixed = |prefix: &str| -> Props {
            v.iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(prefix)
                        .filter(|rest| !rest.is_empty())
                        .map(|rest| (rest.to_owned(), v.to_owned()))
                })
                .collect()
        };
        Self {
            bootstrap_servers: items(v, BOOTSTRAP_SERVERS),
            key_converter: v.get(KEY_CONVERTER).unwrap_or_default().trim().to_owned(),
            key_converter_props: prefixed("key.converter."),
            value_converter: v.get(VALUE_CONVERTER).unwrap_or_default().trim().to_owned(),
            value_converter_props: prefixed("value.converter."),
            offset_storage_file: v
                .get(OFFSET_STORAGE_FILE_FILENAME)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            offset_flush_interval: ms(OFFSET_FLUSH_INTERVAL_MS),
            offset_flush_timeout: ms(OFFSET_FLUSH_TIMEOUT_MS),
            plugin_path: items(v, PLUGIN_PATH)
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            listeners: items(v, LISTENERS),
            task_shutdown_graceful_timeout: ms(TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS),
            wasm_memory_max_bytes: checked(v.get_long(WASM_MEMORY_MAX_BYTES)).unwrap_or(0) as u64,
            wasm_call_timeout: ms(WASM_CALL_TIMEOUT_MS),
            wasm_instances_max: checked(v.get_int(WASM_INSTANCES_MAX)).unwrap_or(1) as u32,
            wasm_recycle_memory_percent: checked(v.get_int(WASM_RECYCLE_MEMORY_PERCENT))
                .unwrap_or(0)
                .max(0) as u32,
            wasm_recycle_calls: checked(v.get_long(WASM_RECYCLE_CALLS)).unwrap_or(0).max(0) as u64,
            plugin_upload_max_bytes: checked(v.get_long(PLUGIN_UPLOAD_MAX_BYTES)).unwrap_or(0)
                as u64,
            consumer_max_partition_fetch_bytes: checked(
                v.get_int(CONSUMER_MAX_PARTITION_FETCH_BYTES),
            )
            .unwrap_or(1 << 20)
            .max(1),
            consumer_max_poll_records: checked(v.get_int(CONSUMER_MAX_POLL_RECORDS))
                .unwrap_or(500)
                .max(1) as u32,
            props: v.as_props().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().copied().collect::<Config>().into()
    }

    /// Defaults checked against Kafka Connect 4.1.1's `StandaloneConfig` (printed from the
    /// jars): bootstrap.servers [localhost:9092], offset.flush.interval.ms 60000,
    /// offset.flush.timeout.ms 5000, plugin.path null, listeners [http://:8083],
    /// task.shutdown.graceful.timeout.ms 5000; key/value.converter have no default.
    #[test]
    fn defaults_match_connect() {
        let c = WorkerConfig::standalone(&props(&[
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("key.converter.schemas.enable", "false"),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
            ("producer.linger.ms", "5"),
        ]))
        .unwrap();
        assert_eq!(c.bootstrap_servers, vec!["localhost:9092"]);
        assert_eq!(c.bootstrap(), "localhost:9092");
        assert_eq!(c.offset_flush_interval, Duration::from_millis(60000));
        assert_eq!(c.offset_flush_timeout, Duration::from_millis(5000));
        assert!(c.plugin_path.is_empty());
        assert_eq!(c.listeners, vec!["http://:8083"]);
        assert_eq!(
            c.task_shutdown_graceful_timeout,
            Duration::from_millis(5000)
        );
        assert_eq!(c.wasm_memory_max_bytes, 256 * 1024 * 1024);
        assert_eq!(c.wasm_call_timeout, Duration::from_secs(30));
        assert_eq!(c.wasm_instances_max, 1000);
        assert_eq!(c.plugin_upload_max_bytes, 64 * 1024 * 1024);
        assert_eq!(c.consumer_max_partition_fetch_bytes, 1024 * 1024);
        assert_eq!(c.consumer_max_poll_records, 500);
        assert_eq!(
            c.offset_storage_file,
            Some(PathBuf::from("/tmp/connect.offsets"))
        );
        assert_eq!(c.key_converter_props, props(&[("schemas.enable", "false")]));
        assert!(c.value_converter_props.is_empty());
        assert_eq!(c.props["producer.linger.ms"], "5");
    }

    #[test]
    fn standalone_reports_all_missing_keys() {
        let err =
            WorkerConfig::standalone(&props(&[("bootstrap.servers", "a:1, b:2,")])).unwrap_err();
        let keys: Vec<_> = err.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "key.converter",
                "value.converter",
                "offset.storage.file.filename"
            ]
        );
        assert_eq!(
            err.0[0].1,
            "Missing required configuration \"key.converter\" which has no default value."
        );
        let ok = WorkerConfig::from_props(&props(&[
            ("bootstrap.servers", "a:1, b:2"),
            ("key.converter", "k"),
            ("value.converter", "v"),
            ("plugin.path", "/a, ,/b"),
        ]))
        .unwrap();
        assert_eq!(ok.bootstrap(), "a:1,b:2");
        assert_eq!(
            ok.plugin_path,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert_eq!(ok.offset_storage_file, None);
    }
}
