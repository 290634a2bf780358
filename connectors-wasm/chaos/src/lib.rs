//! A misbehaving source connector for sandbox tests (never for production).
//!
//! `chaos.mode` picks what `poll` does once `chaos.after.polls` polls have behaved:
//! `trap` panics (a wasm trap), `loop` spins forever without yielding, `memory` allocates
//! until the memory cap stops it, `error` returns a fatal error, `retriable` a retriable one,
//! `raise` calls `raise-error`, `reconfigure` asks once for a task reconfiguration (the new
//! task configs carry `chaos.generation`), `leak` keeps `chaos.leak.bytes` per poll alive
//! for good (as a garbage-collected guest's heap grows) and resumes from its stored offset,
//! `ok` keeps behaving: one record per poll, value `chaos-<n>` on `topic`, and `idle` returns
//! no records at all.
//! `task_configs` returns `tasks.max` tasks; with `chaos.task` set, only that task index
//! misbehaves and the others stay `ok`.
//!
//! Slowness, whatever the mode: `chaos.connector.start.ms` and `chaos.connector.stop.ms`
//! make the connector level's `start` and `stop` sleep that long, `chaos.task.stop.ms` each
//! task's `stop` (sleeps in WASI, as a connector waiting on a remote system does).

use wasmconnect_guest::*;

const MODE: &str = "chaos.mode";
const AFTER: &str = "chaos.after.polls";
const TASK: &str = "chaos.task";
const TASK_INDEX: &str = "chaos.task.index";
const TOPIC: &str = "topic";
const GENERATION: &str = "chaos.generation";
const LEAK_BYTES: &str = "chaos.leak.bytes";
const CONNECTOR_START_MS: &str = "chaos.connector.start.ms";
const CONNECTOR_STOP_MS: &str = "chaos.connector.stop.ms";
const TASK_STOP_MS: &str = "chaos.task.stop.ms";
const MODES: [&str; 10] = [
    "ok",
    "idle",
    "trap",
    "loop",
    "memory",
    "error",
    "retriable",
    "raise",
    "reconfigure",
    "leak",
];

/// The connector: one task config per allowed task.
#[derive(Debug, Default)]
pub struct ChaosSourceConnector {
    config: Config,
    /// How many times `task_configs` ran.
    generation: std::cell::Cell<u32>,
}

impl Connector for ChaosSourceConnector {
    fn info() -> PluginInfo {
        PluginInfo::new("io.wasmconnect.test.ChaosSourceConnector", "0.1.0")
            .aliases(["ChaosSource"])
            .description("Test only: traps, spins, allocates or fails on request.")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(
                    MODE,
                    ConfigType::String,
                    Importance::High,
                    "ok, idle, trap, loop, memory, error, retriable, raise, reconfigure or leak.",
                )
                .default_value("ok")
                .validator(|v| {
                    if MODES.contains(&v) {
                        Ok(())
                    } else {
                        Err(format!("must be one of {MODES:?}"))
                    }
                }),
            )
            .define(
                ConfigKey::new(
                    AFTER,
                    ConfigType::Int,
                    Importance::Low,
                    "Polls that behave before the chaos starts.",
                )
                .default_value("0"),
            )
            .define(
                ConfigKey::new(
                    TASK,
                    ConfigType::Int,
                    Importance::Low,
                    "The only task index that misbehaves; all when unset.",
                )
                .default_null(),
            )
            .define(
                ConfigKey::new(
                    LEAK_BYTES,
                    ConfigType::Int,
                    Importance::Low,
                    "Bytes kept alive per poll in leak mode.",
                )
                .default_value("65536"),
            )
            .define(ConfigKey::new(
                TOPIC,
                ConfigType::String,
                Importance::High,
                "The topic to write to.",
            ))
            .define(sleep_key(
                CONNECTOR_START_MS,
                "How long the connector's start takes.",
            ))
            .define(sleep_key(
                CONNECTOR_STOP_MS,
                "How long the connector's stop takes.",
            ))
            .define(sleep_key(TASK_STOP_MS, "How long each task's stop takes."))
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        sleep(&self.config, CONNECTOR_START_MS)
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        sleep(&self.config, CONNECTOR_STOP_MS)
    }

    fn task_configs(&self, max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        self.generation.set(self.generation.get() + 1);
        Ok((0..max_tasks.max(1))
            .map(|i| {
                let mut c = self.config.clone();
                c.set(TASK_INDEX, i.to_string());
                c.set(GENERATION, self.generation.get().to_string());
                c
            })
            .collect())
    }
}

/// A key of milliseconds to sleep, 0 by default.
fn sleep_key(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Long, Importance::Low, doc)
        .default_value("0")
        .at_least(0)
}

/// Sleeps as long as `key` of `config` says.
fn sleep(config: &Config, key: &str) -> Result<(), ConnectError> {
    let ms = config.get_long(key)?.unwrap_or(0).max(0) as u64;
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    Ok(())
}

/// The task.
#[derive(Debug)]
pub struct ChaosSourceTask {
    config: Config,
    mode: String,
    generation: i32,
    after: u64,
    topic: String,
    index: i32,
    polls: u64,
    leak_bytes: usize,
    leaked: Vec<Vec<u8>>,
}

impl SourceTask for ChaosSourceTask {
    const COMMIT_RECORD: bool = true;

    fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> Result<(), ConnectError> {
        if let (Value::String(v), Some(m)) = (&record.value, metadata) {
            info!(
                "chaos: {v} written to {}-{}@{}",
                m.topic, m.partition, m.offset
            );
        }
        Ok(())
    }

    fn start(config: Config) -> Result<Self, ConnectError> {
        let config = ChaosSourceConnector::config_def().parse(&config)?;
        let index = config.get_int(TASK_INDEX)?.unwrap_or(0);
        let chosen = config.get_int(TASK)?.is_none_or(|t| t == index);
        let mode = if chosen {
            config.require(MODE)?.to_owned()
        } else {
            "ok".to_owned()
        };
        // Leak mode resumes after the last poll whose record was committed.
        let polls = if mode == "leak" {
            match OffsetReader
                .offset(&Self::partition(index))
                .and_then(|o| o.get("poll").cloned())
            {
                Some(OffsetValue::Int64(p)) => p as u64 + 1,
                _ => 0,
            }
        } else {
            0
        };
        Ok(Self {
            config: config.clone(),
            mode,
            after: config.get_int(AFTER)?.unwrap_or(0).max(0) as u64,
            generation: config.get_int(GENERATION)?.unwrap_or(1),
            topic: config.require(TOPIC)?.to_owned(),
            index,
            polls,
            leak_bytes: config.get_int(LEAK_BYTES)?.unwrap_or(65536).max(0) as usize,
            leaked: Vec::new(),
        })
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        sleep(&self.config, TASK_STOP_MS)
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let n = self.polls;
        self.polls += 1;
        if n >= self.after {
            match self.mode.as_str() {
                "trap" => panic!("chaos: trap requested"),
                "loop" => {
                    let mut spins = 0u64;
                    loop {
                        spins = std::hint::black_box(spins.wrapping_add(1));
                    }
                }
                "memory" => {
                    let mut hog: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hog.push(vec![0xA5; 1 << 20]); // touched, so really committed
                        std::hint::black_box(&hog);
                    }
                }
                "error" => return Err(ConnectError::fatal("chaos: fatal error requested")),
                "retriable" => {
                    return Err(ConnectError::retriable("chaos: retriable error requested"));
                }
                "raise" => raise_error("chaos: raise-error requested"),
                "reconfigure" if self.generation == 1 && n == self.after => {
                    request_task_reconfiguration();
                }
                "leak" => {
                    self.leaked.push(vec![0x5A; self.leak_bytes]);
                    std::hint::black_box(&self.leaked);
                }
                "idle" => return Ok(Vec::new()),
                _ => {}
            }
        }
        Ok(vec![SourceRecord {
            source_partition: Self::partition(self.index),
            source_offset: OffsetMap::from([("poll".to_owned(), OffsetValue::Int64(n as i64))]),
            topic: self.topic.clone(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(Schema::string()),
            value: Value::String(format!("chaos-{n}")),
            timestamp: None,
            headers: Vec::new(),
        }])
    }
}

impl ChaosSourceTask {
    fn partition(index: i32) -> OffsetMap {
        OffsetMap::from([("chaos.task".to_owned(), OffsetValue::Int64(index.into()))])
    }
}

export_source!(ChaosSourceConnector, ChaosSourceTask);
