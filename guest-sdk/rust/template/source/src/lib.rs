//! {{Name}}: a source connector. It writes `{{name}}-<n>` records, one batch per poll, and
//! remembers `n` as its source offset, so a restarted task goes on where it stopped.
//! Replace `poll` with reading your system.

use wasmconnect_guest::*;

const TOPIC: &str = "topic";
const BATCH_SIZE: &str = "batch.size";
const MAX_RECORDS: &str = "max.records";

/// The connector: checks the config and gives each task a copy.
#[derive(Debug, Default)]
pub struct {{Name}}Connector {
    config: Config,
}

impl Connector for {{Name}}Connector {
    fn info() -> PluginInfo {
        PluginInfo::new("{{Name}}Connector", "0.1.0")
            .aliases(["{{name}}"])
            .description("Writes numbered records to a topic (a template to start from).")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new(
                TOPIC,
                ConfigType::String,
                Importance::High,
                "The topic to write to.",
            ))
            .define(
                ConfigKey::new(
                    BATCH_SIZE,
                    ConfigType::Int,
                    Importance::Low,
                    "Records per poll.",
                )
                .default_value("100"),
            )
            .define(
                ConfigKey::new(
                    MAX_RECORDS,
                    ConfigType::Long,
                    Importance::Low,
                    "Stop after this many records; -1 for no end.",
                )
                .default_value("-1"),
            )
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        Ok(())
    }

    fn task_configs(&self, _max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        // One stream of numbers: one task.
        Ok(vec![self.config.clone()])
    }
}

/// The task: numbers records from its stored offset on.
#[derive(Debug)]
pub struct {{Name}}Task {
    topic: String,
    batch_size: u64,
    max_records: i64,
    next: u64,
}

fn partition() -> OffsetMap {
    OffsetMap::from([("source".to_owned(), OffsetValue::String("{{name}}".into()))])
}

impl SourceTask for {{Name}}Task {
    fn start(config: Config) -> Result<Self, ConnectError> {
        let config = {{Name}}Connector::config_def().parse(&config)?;
        let next = match OffsetReader
            .offset(&partition())
            .and_then(|o| o.get("n").cloned())
        {
            Some(OffsetValue::Int64(n)) if n >= 0 => n as u64 + 1,
            _ => 0,
        };
        info!("{{name}} starting at record {next}");
        Ok(Self {
            topic: config.require(TOPIC)?.to_owned(),
            batch_size: config.get_int(BATCH_SIZE)?.unwrap_or(100).max(1) as u64,
            max_records: config.get_long(MAX_RECORDS)?.unwrap_or(-1),
            next,
        })
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let end = match u64::try_from(self.max_records) {
            Ok(max) => max.min(self.next + self.batch_size),
            Err(_) => self.next + self.batch_size,
        };
        let records = (self.next..end)
            .map(|n| SourceRecord {
                source_partition: partition(),
                source_offset: OffsetMap::from([("n".to_owned(), OffsetValue::Int64(n as i64))]),
                topic: self.topic.clone(),
                kafka_partition: None,
                key_schema: None,
                key: Value::Null,
                value_schema: Some(Schema::string()),
                value: Value::String(format!("{{name}}-{n}")),
                timestamp: None,
                headers: Vec::new(),
            })
            .collect();
        self.next = end.max(self.next);
        Ok(records)
    }
}

export_source!({{Name}}Connector, {{Name}}Task);
