//! {{Name}}: a sink connector. It appends `topic-partition@offset value` lines to `file`
//! and makes them durable before the worker commits offsets. Replace `put` with writing to
//! your system.
//!
//! The worker opens only the directories listed in `wasm.allowed.dirs` to the connector.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};

use wasmconnect_guest::*;

const FILE: &str = "file";

/// The connector: checks the config and gives each task a copy.
#[derive(Debug, Default)]
pub struct {{Name}}Connector {
    config: Config,
}

impl Connector for {{Name}}Connector {
    fn info() -> PluginInfo {
        PluginInfo::new("{{Name}}Connector", "0.1.0")
            .aliases(["{{name}}"])
            .description("Appends records to a file (a template to start from).")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new().define(ConfigKey::new(
            FILE,
            ConfigType::String,
            Importance::High,
            "The file to append to.",
        ))
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        Ok(())
    }

    fn task_configs(&self, _max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        // One file: one task.
        Ok(vec![self.config.clone()])
    }
}

/// The task: a buffered writer on the file.
#[derive(Debug)]
pub struct {{Name}}Task {
    out: BufWriter<File>,
}

impl SinkTask for {{Name}}Task {
    fn start(config: Config) -> Result<Self, ConnectError> {
        let config = {{Name}}Connector::config_def().parse(&config)?;
        let path = config.require(FILE)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| ConnectError::fatal(format!("cannot open {path}: {e}")))?;
        Ok(Self {
            out: BufWriter::new(file),
        })
    }

    fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        for r in &records {
            let value = match &r.value {
                Value::String(s) => s.clone(),
                Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                other => format!("{other:?}"),
            };
            writeln!(
                self.out,
                "{}-{}@{} {value}",
                r.topic, r.kafka_partition, r.kafka_offset
            )?;
        }
        Ok(())
    }

    fn flush(&mut self, _current: &[PartitionOffset]) -> Result<(), ConnectError> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        Ok(())
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        self.flush(&[])
    }
}

export_sink!({{Name}}Connector, {{Name}}Task);
