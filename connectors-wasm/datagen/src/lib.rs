//! `datagen`: a benchmark source. It emits `records` deterministic records (record `seq` always
//! has the same key and value bytes, see [`core::value_bytes`]) of `value.size` bytes,
//! `batch.size` per poll, to `topic`, with the source offset `{"seq": n}` so a restarted task
//! resumes after the last committed record. `records=0` makes an idle task (density tests).
//!
//! The generator lives in [`core`], which has no wasm bindings, so native code produces the
//! same records.

pub mod core;

use wasmconnect_guest::*;

use crate::core::{Generator, Settings};

const TOPIC: &str = "topic";
const RECORDS: &str = "records";
const VALUE_SIZE: &str = "value.size";
const KEY: &str = "key";
const SCHEMA: &str = "schema";
const BATCH_SIZE: &str = "batch.size";
/// Set by `task_configs`: this task's index and the number of tasks.
const TASK_INDEX: &str = "task.index";
const TASK_COUNT: &str = "task.count";

/// The connector: one task config per task, each owning every `task.count`-th record.
#[derive(Debug, Default)]
pub struct DatagenConnector {
    config: Config,
}

impl Connector for DatagenConnector {
    fn info() -> PluginInfo {
        PluginInfo::new("io.wasmconnect.bench.DatagenSourceConnector", "0.1.0")
            .aliases(["Datagen", "DatagenSource"])
            .description("Generates deterministic records of a configured count and size.")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new(
                TOPIC,
                ConfigType::String,
                Importance::High,
                "Destination topic.",
            ))
            .define(
                ConfigKey::new(
                    RECORDS,
                    ConfigType::Long,
                    Importance::High,
                    "Records to generate over all tasks; -1 for no end, 0 for an idle task.",
                )
                .default_value("-1"),
            )
            .define(
                ConfigKey::new(
                    VALUE_SIZE,
                    ConfigType::Int,
                    Importance::Medium,
                    "Bytes per value.",
                )
                .default_value("100")
                .validator(non_negative),
            )
            .define(
                ConfigKey::new(
                    KEY,
                    ConfigType::Boolean,
                    Importance::Low,
                    "Key each record by its sequence number (decimal text as bytes).",
                )
                .default_value("false"),
            )
            .define(
                ConfigKey::new(
                    SCHEMA,
                    ConfigType::Boolean,
                    Importance::Low,
                    "With schemas: a struct value {seq: int64, payload: string} and a bytes key \
                     schema. Without: schemaless bytes.",
                )
                .default_value("false"),
            )
            .define(
                ConfigKey::new(
                    BATCH_SIZE,
                    ConfigType::Int,
                    Importance::Medium,
                    "Records per poll.",
                )
                .default_value("1000")
                .validator(positive),
            )
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        Ok(())
    }

    fn task_configs(&self, max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        let n = max_tasks.max(1);
        Ok((0..n)
            .map(|i| {
                let mut c = self.config.clone();
                c.set(TASK_INDEX, i.to_string());
                c.set(TASK_COUNT, n.to_string());
                c
            })
            .collect())
    }
}

fn non_negative(v: &str) -> Result<(), String> {
    match v.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(()),
        _ => Err("Value must be at least 0".into()),
    }
}

fn positive(v: &str) -> Result<(), String> {
    match v.trim().parse::<i64>() {
        Ok(n) if n >= 1 => Ok(()),
        _ => Err("Value must be at least 1".into()),
    }
}

/// The task: a [`Generator`] behind the SDK's trait.
#[derive(Debug)]
pub struct DatagenTask {
    generator: Generator,
}

impl DatagenTask {
    /// Reads the settings of a task config (defaults filled in).
    pub fn settings(config: &Config) -> Result<Settings, ConnectError> {
        let count = |key, default| -> Result<u32, ConnectError> {
            Ok(config.get_int(key)?.map_or(default, |v| v.max(0) as u32))
        };
        Ok(Settings {
            topic: config.require(TOPIC)?.to_owned(),
            records: config.get_long(RECORDS)?.unwrap_or(-1),
            value_size: config.get_int(VALUE_SIZE)?.unwrap_or(100).max(0) as usize,
            key: config.get_bool(KEY)?.unwrap_or(false),
            schema: config.get_bool(SCHEMA)?.unwrap_or(false),
            batch_size: config.get_int(BATCH_SIZE)?.unwrap_or(1000).max(1) as usize,
            task: count(TASK_INDEX, 0)?,
            tasks: count(TASK_COUNT, 1)?.max(1),
        })
    }

    /// A task for `config` resuming after `last` (the committed `seq`), without any host
    /// call, so a native twin can build it.
    pub fn with_offset(config: &Config, last: Option<i64>) -> Result<Self, ConnectError> {
        let config = DatagenConnector::config_def().parse(config)?;
        Ok(Self {
            generator: Generator::new(Self::settings(&config)?, last),
        })
    }
}

impl SourceTask for DatagenTask {
    fn start(config: Config) -> Result<Self, ConnectError> {
        let config = DatagenConnector::config_def().parse(&config)?;
        let settings = Self::settings(&config)?;
        let last = OffsetReader
            .offset(&Generator::source_partition(settings.task))
            .and_then(|o| match o.get("seq") {
                Some(OffsetValue::Int64(seq)) => Some(*seq),
                _ => None,
            });
        info!(
            "datagen task {} of {} starting after seq {last:?}: {} records of {} bytes to {}",
            settings.task, settings.tasks, settings.records, settings.value_size, settings.topic
        );
        Self::with_offset(&config, last)
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        Ok(self.generator.next_batch())
    }

    fn poll_batch(&mut self, batch: &mut SourceBatch) -> Result<(), ConnectError> {
        self.generator.fill(batch);
        Ok(())
    }
}

#[cfg(target_arch = "wasm32")]
export_source!(DatagenConnector, DatagenTask);

#[cfg(test)]
mod tests {
    use super::*;

    /// The task runs natively (no host calls) behind the SDK's trait: what a native twin does.
    #[test]
    fn task_polls_natively() {
        let mut config = Config::new();
        config.set(TOPIC, "t");
        config.set(RECORDS, "2500");
        let mut task = DatagenTask::with_offset(&config, Some(999)).unwrap();
        let sizes: Vec<usize> = std::iter::from_fn(|| {
            let batch = task.poll().unwrap();
            (!batch.is_empty()).then_some(batch.len())
        })
        .collect();
        assert_eq!(sizes, [1000, 500]);
    }
}
