//! Kafka's `FileStreamSinkConnector` as a wasmconnect component: appends each record's
//! value, as text, plus `\n` to `file`. Writes are buffered and made durable (flush +
//! `sync_data`) before offsets are committed, so committed offsets never run ahead of the file.
//!
//! The worker preopens the directory of `file`, so the configured path works as-is.

use std::fmt::{self, Write as _};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};

use wasmconnect_guest::*;

const FILE: &str = "file";

/// The connector: validates the configuration and hands it to its tasks.
#[derive(Debug, Default)]
pub struct FileStreamSinkConnector {
    config: Config,
}

impl Connector for FileStreamSinkConnector {
    fn info() -> PluginInfo {
        PluginInfo::new("io.wasmconnect.file.FileStreamSinkConnector", "0.1.0")
            .aliases([
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "FileStreamSink",
                "FileStreamSinkConnector",
            ])
            .description("Appends the value of each record as a line of text to a file.")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new().define(ConfigKey::new(
            FILE,
            ConfigType::String,
            Importance::High,
            "Destination filename.",
        ))
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        Ok(())
    }

    fn task_configs(&self, max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        Ok(vec![self.config.clone(); max_tasks.max(1) as usize])
    }
}

/// The task: appends to the file through a buffer.
#[derive(Debug)]
pub struct FileStreamSinkTask {
    path: String,
    out: BufWriter<File>,
    line: String,
}

impl SinkTask for FileStreamSinkTask {
    fn start(config: Config) -> Result<Self, ConnectError> {
        let path = config.require(FILE)?.to_owned();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| {
                ConnectError::fatal(format!(
                    "Couldn't find or create file '{path}' for FileStreamSinkTask: {e}"
                ))
            })?;
        Ok(Self {
            path,
            out: BufWriter::with_capacity(64 * 1024, file),
            line: String::new(),
        })
    }

    fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        for record in &records {
            self.line.clear();
            let _ = writeln!(self.line, "{}", JavaString(&record.value));
            self.out.write_all(self.line.as_bytes())?;
        }
        // Visible at once, like Kafka's sink; durable (fsync) only at flush, before the
        // worker commits the offsets.
        self.out.flush()?;
        Ok(())
    }

    fn put_batch(&mut self, records: &[SinkRecordView<'_>]) -> Result<(), ConnectError> {
        for record in records {
            match &record.value {
                // Strings, the usual case, are written as they are, without a copy.
                ValueRef::String(s) => self.out.write_all(s.as_bytes())?,
                ValueRef::Bytes(b) => self.out.write_all(String::from_utf8_lossy(b).as_bytes())?,
                ValueRef::Other(v) => {
                    self.line.clear();
                    let _ = write!(self.line, "{}", JavaString(v));
                    self.out.write_all(self.line.as_bytes())?;
                }
            }
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
        Ok(())
    }

    fn flush(&mut self, _current: &[PartitionOffset]) -> Result<(), ConnectError> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        trace!("Flushed {}", self.path);
        Ok(())
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        self.flush(&[])
    }
}

/// A value as Java's `toString` writes it (`Struct{a=1,b=x}`, `[1, 2]`, `{k=v}`, `null`).
/// Bytes are written as (lossy) UTF-8 text, which is more useful than Java's `[B@1b6d3586`.
struct JavaString<'a>(&'a Value);

impl fmt::Display for JavaString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Null => f.write_str("null"),
            Value::Int8(i) => write!(f, "{i}"),
            Value::Int16(i) => write!(f, "{i}"),
            Value::Int32(i) => write!(f, "{i}"),
            Value::Int64(i) => write!(f, "{i}"),
            Value::Float32(x) => java_double(f, f64::from(*x)),
            Value::Float64(x) => java_double(f, *x),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&String::from_utf8_lossy(b)),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}", JavaString(v))?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}={}", JavaString(k), JavaString(v))?;
                }
                f.write_str("}")
            }
            Value::Struct(s) => {
                f.write_str("Struct{")?;
                let set = s
                    .schema
                    .fields
                    .iter()
                    .zip(&s.values)
                    .filter(|(_, v)| !v.is_null());
                for (i, (field, v)) in set.enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    write!(f, "{sep}{}={}", field.name, JavaString(v))?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Java's `Double.toString`: `1.0`, `0.5`, `1.0E10`, `NaN`, `Infinity`.
fn java_double(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("NaN");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    let a = x.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        if x.fract() == 0.0 {
            write!(f, "{x:.1}")
        } else {
            write!(f, "{x}")
        }
    } else {
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let dot = if mantissa.contains('.') { "" } else { ".0" };
        write!(f, "{mantissa}{dot}E{exp}")
    }
}

export_sink!(FileStreamSinkConnector, FileStreamSinkTask);
