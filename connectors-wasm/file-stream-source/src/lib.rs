//! Kafka's `FileStreamSourceConnector` as a wasmconnect component: each line of `file`
//! becomes one record with a STRING value on `topic`. The source offset is the byte position
//! after the line, so a restarted task resumes after the last committed line.
//!
//! The worker preopens the directory of `file`, so the configured path works as-is.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};

use wasmconnect_guest::*;

const FILE: &str = "file";
const TOPIC: &str = "topic";
const BATCH_SIZE: &str = "batch.size";
const POSITION: &str = "position";
const SINGLE_TOPIC: &str =
    "'topic' in FileStreamSourceConnector configuration requires definition of a single topic";

/// The connector: validates the configuration and hands it to its single task.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    config: Config,
}

impl Connector for FileStreamSourceConnector {
    fn info() -> PluginInfo {
        PluginInfo::new("io.wasmconnect.file.FileStreamSourceConnector", "0.1.0")
            .aliases([
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "FileStreamSource",
                "FileStreamSourceConnector",
            ])
            .description("Reads lines from a file and produces each as a STRING record.")
    }

    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new(FILE, ConfigType::String, Importance::High, "Source filename."))
            .define(
                ConfigKey::new(TOPIC, ConfigType::String, Importance::High, "The topic to publish data to")
                    .validator(|v| if v.contains(',') { Err(SINGLE_TOPIC.into()) } else { Ok(()) }),
            )
            .define(
                ConfigKey::new(
                    BATCH_SIZE,
                    ConfigType::Int,
                    Importance::Low,
                    "The maximum number of records the source task can read from the file each time it is polled",
                )
                .default_value("2000"),
            )
    }

    fn start(&mut self, config: Config) -> Result<(), ConnectError> {
        self.config = Self::config_def().parse(&config)?;
        info!(
            "Starting file source connector reading from {}",
            self.config.require(FILE)?
        );
        Ok(())
    }

    fn task_configs(&self, _max_tasks: u32) -> Result<Vec<Config>, ConnectError> {
        Ok(vec![self.config.clone()]) // one file, one task
    }
}

/// The task: tails the file from the committed position.
#[derive(Debug)]
pub struct FileStreamSourceTask {
    path: String,
    topic: String,
    batch_size: usize,
    /// The source partition `{"filename": path}`, encoded once for every record.
    partition: EncodedOffsetMap,
    /// The open file, and whether it is a regular file (its length tells whether there is
    /// more to read; pipes and devices are always read).
    file: Option<(File, bool)>,
    /// File position of `pending[0]`: just after the last line returned.
    position: i64,
    /// Bytes read but not yet returned (a line whose `\n` has not arrived yet).
    pending: Vec<u8>,
    /// Read buffer, kept between polls rather than zeroed on the stack by every poll.
    chunk: Vec<u8>,
}

impl SourceTask for FileStreamSourceTask {
    fn start(config: Config) -> Result<Self, ConnectError> {
        let config = FileStreamSourceConnector::config_def().parse(&config)?;
        let path = config.require(FILE)?.to_owned();
        let partition =
            OffsetMap::from([("filename".to_owned(), OffsetValue::String(path.clone()))]);
        let position = match OffsetReader
            .offset(&partition)
            .and_then(|o| o.get(POSITION).cloned())
        {
            None => 0,
            Some(OffsetValue::Int64(p)) if p >= 0 => p,
            Some(_) => return Err(ConnectError::fatal("Offset position is the incorrect type")),
        };
        debug!("Reading {path} from position {position}");
        Ok(Self {
            topic: config.require(TOPIC)?.to_owned(),
            batch_size: config.get_int(BATCH_SIZE)?.unwrap_or(2000).max(1) as usize,
            path,
            partition: EncodedOffsetMap::new(&partition),
            file: None,
            position,
            pending: Vec::new(),
            chunk: Vec::new(),
        })
    }

    fn poll_batch(&mut self, batch: &mut SourceBatch) -> Result<(), ConnectError> {
        let (file, regular) = match &mut self.file {
            Some(f) => f,
            None => match File::open(&self.path) {
                Ok(f) => {
                    let regular = f.metadata().is_ok_and(|m| m.is_file());
                    self.file.insert((f, regular))
                }
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()), // wait for it
                Err(e) => {
                    return Err(ConnectError::fatal(format!(
                        "cannot open {}: {e}",
                        self.path
                    )));
                }
            },
        };
        let read_from = self.position as u64 + self.pending.len() as u64;
        // An idle file costs one stat per poll: with no whole line left over, there is
        // nothing to return while a regular file is no longer than what was read. Its
        // length comes from a seek to the end, one host call (`metadata()` makes two: the
        // stat and an inode hash).
        if *regular
            && memchr::memchr(b'\n', &self.pending).is_none()
            && file
                .seek(SeekFrom::End(0))
                .is_ok_and(|len| len <= read_from)
        {
            return Ok(());
        }
        // Seek every time: under WASI a read stream that hit end-of-file stays there, so
        // this is what lets a later poll see lines appended since.
        file.seek(SeekFrom::Start(read_from))?;
        // One value, refilled for every line: the batch keeps the bytes, not the record.
        let mut value = Value::String(String::new());
        let schema = Schema::string();
        let mut scanned = 0; // bytes of `pending` known to hold no `\n`
        let mut consumed = 0; // bytes of `pending` already turned into records
        if self.chunk.is_empty() {
            self.chunk = vec![0; 64 * 1024];
        }
        let chunk = &mut self.chunk;
        while batch.len() < self.batch_size {
            match memchr::memchr(b'\n', &self.pending[scanned..]) {
                Some(i) => {
                    let end = scanned + i;
                    let line = &self.pending[consumed..end];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    self.position += (end + 1 - consumed) as i64;
                    if let Value::String(text) = &mut value {
                        text.clear();
                        // Valid UTF-8, the usual case, is checked by the fast validator;
                        // only a line that fails it goes through the lossy conversion.
                        match std::str::from_utf8(line) {
                            Ok(valid) => text.push_str(valid),
                            Err(_) => text.push_str(&String::from_utf8_lossy(line)),
                        }
                    }
                    batch.push_ref(SourceRecordRef {
                        topic: &self.topic,
                        kafka_partition: None,
                        source_partition: OffsetMapRef::Encoded(&self.partition),
                        source_offset: OffsetMapRef::Single(
                            POSITION,
                            &OffsetValue::Int64(self.position),
                        ),
                        key_schema: None,
                        key: &Value::Null,
                        value_schema: Some(&schema),
                        value: &value,
                        timestamp: None,
                        headers: &[],
                    });
                    consumed = end + 1;
                    scanned = consumed;
                }
                None => {
                    scanned = self.pending.len();
                    let n = file.read(chunk)?;
                    if n == 0 {
                        break; // a partial last line waits for its newline
                    }
                    self.pending.extend_from_slice(&chunk[..n]);
                }
            }
        }
        self.pending.drain(..consumed);
        Ok(())
    }

    fn stop(&mut self) -> Result<(), ConnectError> {
        self.file = None;
        Ok(())
    }
}

export_source!(FileStreamSourceConnector, FileStreamSourceTask);
