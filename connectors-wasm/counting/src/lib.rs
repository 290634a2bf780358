//! `counting`: a benchmark sink. It counts the records and key+value bytes it receives and
//! keeps an order-independent checksum of them ([`core::Totals`]). At every pre-commit and at
//! stop it logs the totals and, if `report.file` is set, replaces that file atomically (write
//! a temporary file, then rename) with one line of JSON:
//!
//! ```json
//! {"records":1000,"bytes":100000,"checksum":"89ab…","puts":1,"first_put_us":…,"last_put_us":…}
//! ```
//!
//! `first_put_us` is when the first `put` began and `last_put_us` when the last one ended (µs
//! since the epoch, 0 before any put). The worker must grant the file's directory
//! (`wasm.allowed.dirs`). With `tasks.max` above 1, task `i` writes `<report.file>.<i>`.

pub mod core;

use std::time::{SystemTime, UNIX_EPOCH};

use wasmconnect_guest::*;

use crate::core::Totals;

const REPORT_FILE: &str = "report.file";
const TASK_INDEX: &str = "task.index";
const TASK_COUNT: &str = "task.count";

/// The connector: hands its config to each task, with the task's index.
#[derive(Debug, Default)]
pub struct CountingConnector {
    config: Config,
}

impl Connector for CountingConnector {
    fn info() -> PluginInfo {
        PluginInfo::new("io.wasmconnect.bench.CountingSinkConnector", "0.1.0")
            .aliases(["Counting", "CountingSink"])
            .description(
                "Counts and checksums the records it receives; reports the totals to a file.",
            )
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new().define(
            ConfigKey::new(
                REPORT_FILE,
                ConfigType::String,
                Importance::Medium,
                "File replaced with the totals (JSON) at every commit and at stop; its directory \
                 must be in wasm.allowed.dirs. Unset: totals are only logged.",
            )
            .default_null(),
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

/// The task: totals plus put timing.
#[derive(Debug)]
pub struct CountingTask {
    report: Option<String>,
    totals: Totals,
    puts: u64,
    first_put_us: u64,
    last_put_us: u64,
    scratch: Vec<u8>,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl CountingTask {
    /// Adds a batch to the totals (the task's whole `put`, without timing).
    pub fn count(&mut self, records: &[SinkRecord]) {
        for r in records {
            self.totals.add_values(&r.key, &r.value, &mut self.scratch);
        }
    }

    /// Adds a batch read by reference to the totals.
    pub fn count_views(&mut self, records: &[SinkRecordView<'_>]) {
        for r in records {
            self.totals.add_refs(&r.key, &r.value, &mut self.scratch);
        }
    }

    /// What was counted so far.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    fn report(&self) -> Result<(), ConnectError> {
        let json = self
            .totals
            .to_json(self.puts, self.first_put_us, self.last_put_us);
        // The log is a host import: a native build (no host) only writes the file.
        #[cfg(target_arch = "wasm32")]
        info!("counted {json}");
        if let Some(path) = &self.report {
            let tmp = format!("{path}.tmp");
            std::fs::write(&tmp, format!("{json}\n"))
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| ConnectError::retriable(format!("cannot write {path}: {e}")))?;
        }
        Ok(())
    }
}

impl SinkTask for CountingTask {
    /// Needs no host call, so a native twin can use it as is.
    fn start(config: Config) -> Result<Self, ConnectError> {
        let count = config.get_int(TASK_COUNT)?.unwrap_or(1);
        let index = config.get_int(TASK_INDEX)?.unwrap_or(0);
        let report = config.get(REPORT_FILE).filter(|p| !p.is_empty()).map(|p| {
            if count > 1 {
                format!("{p}.{index}")
            } else {
                p.to_owned()
            }
        });
        let task = Self {
            report,
            totals: Totals::default(),
            puts: 0,
            first_put_us: 0,
            last_put_us: 0,
            scratch: Vec::new(),
        };
        task.report()?;
        Ok(task)
    }

    fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        if records.is_empty() {
            return Ok(());
        }
        if self.puts == 0 {
            self.first_put_us = now_us();
        }
        self.count(&records);
        self.puts += 1;
        self.last_put_us = now_us();
        Ok(())
    }

    fn put_batch(&mut self, records: &[SinkRecordView<'_>]) -> Result<(), ConnectError> {
        if records.is_empty() {
            return Ok(());
        }
        if self.puts == 0 {
            self.first_put_us = now_us();
        }
        self.count_views(records);
        self.puts += 1;
        self.last_put_us = now_us();
        Ok(())
    }

    fn flush(&mut self, _current: &[PartitionOffset]) -> Result<(), ConnectError> {
        self.report()
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        self.report()
    }
}

#[cfg(target_arch = "wasm32")]
export_sink!(CountingConnector, CountingTask);

#[cfg(test)]
mod tests {
    use super::*;

    /// The task runs natively (no host calls) behind the SDK's trait: what a native twin does.
    #[test]
    fn task_counts_and_reports_natively() {
        let path = std::env::temp_dir().join(format!("counting-test-{}.json", std::process::id()));
        let mut config = Config::new();
        config.set(REPORT_FILE, path.display().to_string());
        let mut task = CountingTask::start(config).unwrap();
        let record = SinkRecord {
            topic: "t".into(),
            kafka_partition: 0,
            kafka_offset: 0,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::Bytes(b"abc".to_vec()),
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            headers: Vec::new(),
        };
        task.put(vec![record.clone(), record]).unwrap();
        task.stop().unwrap();
        let report = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            report.starts_with("{\"records\":2,\"bytes\":6,"),
            "{report}"
        );
        assert_eq!(task.totals().records, 2);
    }
}
