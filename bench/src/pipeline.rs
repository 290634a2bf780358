//! wasmconnect's own pipelines, run by the real `wasmconnect standalone` binary: datagen →
//! converter → produce, and fetch → converter → counting sink → offset commit.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::raw::{connect, end_offsets, ensure_topic, partition_clients};
use crate::stats::{cpu_seconds, status_field};

/// Connect's class name of the converter the pipelines use by default: bytes pass through.
pub const BYTE_ARRAY_CONVERTER: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";

/// What both pipelines need to start a worker.
#[derive(Debug, Clone)]
pub struct WorkerSetup {
    /// `bootstrap.servers`.
    pub bootstrap: String,
    /// The `wasmconnect` binary.
    pub worker: PathBuf,
    /// The connector component.
    pub plugin: PathBuf,
    /// Directory for plugins (kept: it holds the compiled-component cache) and run files.
    pub work_dir: PathBuf,
    /// `key.converter` and `value.converter`.
    pub converter: String,
    /// `offset.flush.interval.ms`.
    pub flush_ms: u64,
    /// Extra worker properties.
    pub worker_props: Vec<(String, String)>,
    /// Extra connector properties.
    pub connector_props: Vec<(String, String)>,
    /// Give up after this long.
    pub timeout: Duration,
}

/// A running worker; stopped (SIGTERM, then SIGKILL) on drop.
#[derive(Debug)]
struct Worker {
    child: Child,
    spawned: Instant,
    run_dir: PathBuf,
    keep: bool,
}

impl Worker {
    fn start(
        setup: &WorkerSetup,
        name: &str,
        connector: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let stem = setup
            .plugin
            .file_stem()
            .and_then(|s| s.to_str())
            .context("plugin path has no file name")?;
        let plugin_dir = setup.work_dir.join("plugins").join(stem);
        std::fs::create_dir_all(&plugin_dir)?;
        std::fs::copy(&setup.plugin, plugin_dir.join(format!("{stem}.wasm")))
            .with_context(|| format!("cannot copy {}", setup.plugin.display()))?;
        let run_dir = std::path::absolute(setup.work_dir.join("runs").join(name))?;
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(&run_dir)?;
        let mut worker = vec![
            ("bootstrap.servers".to_owned(), setup.bootstrap.clone()),
            ("key.converter".to_owned(), setup.converter.clone()),
            ("value.converter".to_owned(), setup.converter.clone()),
            (
                "offset.storage.file.filename".to_owned(),
                run_dir.join("offsets").display().to_string(),
            ),
            (
                "offset.flush.interval.ms".to_owned(),
                setup.flush_ms.to_string(),
            ),
            (
                "plugin.path".to_owned(),
                std::path::absolute(&plugin_dir)?.display().to_string(),
            ),
            ("listeners".to_owned(), "http://127.0.0.1:0".to_owned()),
        ];
        worker.extend(setup.worker_props.iter().cloned());
        let mut conn = vec![("name".to_owned(), name.to_owned())];
        conn.extend(connector.iter().cloned());
        conn.extend(setup.connector_props.iter().cloned());
        write_props(&run_dir.join("worker.properties"), &worker)?;
        write_props(&run_dir.join("connector.properties"), &conn)?;
        let log = std::fs::File::create(run_dir.join("worker.log"))?;
        let spawned = Instant::now();
        let child = Command::new(&setup.worker)
            .arg("standalone")
            .arg(run_dir.join("worker.properties"))
            .arg(run_dir.join("connector.properties"))
            .current_dir(&run_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", setup.worker.display()))?;
        Ok(Self {
            child,
            spawned,
            run_dir,
            keep: true,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the worker exited, with the end of its log.
    fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            anyhow::bail!("worker exited ({status}); log:\n{}", self.log_tail());
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.run_dir.join("worker.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The worker's CPU seconds, peak RSS (MiB) and threads now.
    fn usage(&self) -> (f64, f64, f64) {
        let pid = self.pid();
        (
            cpu_seconds(pid).unwrap_or(f64::NAN),
            status_field(pid, "VmHWM").unwrap_or(f64::NAN),
            status_field(pid, "Threads").unwrap_or(f64::NAN),
        )
    }

    /// Stops the worker and removes its run directory (kept on failure, for the log).
    fn finish(mut self) {
        self.keep = false;
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling our own child, whose pid we hold and have not reaped.
        #[allow(unsafe_code, reason = "libc::kill of our own child")]
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep {
            eprintln!("worker files kept in {}", self.run_dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.run_dir);
        }
    }
}

fn write_props(path: &Path, props: &[(String, String)]) -> anyhow::Result<()> {
    let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Parses `key=value`.
pub fn parse_prop(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}

/// What `source-pipeline` and `sink-pipeline` print.
#[derive(Debug, Serialize)]
pub struct PipelineResult {
    /// Which measurement.
    pub scenario: &'static str,
    /// Topic.
    pub topic: String,
    /// Records through the pipeline.
    pub records: u64,
    /// Key plus value bytes of those records.
    pub bytes: u64,
    /// Wall time of the steady-state window (see RUST.md).
    pub seconds: f64,
    /// Records per second in that window.
    pub records_per_s: f64,
    /// Key plus value MB (1e6 bytes) per second in that window.
    pub mb_per_s: f64,
    /// Worker process start to the first record seen (produced, or put into the sink).
    pub first_record_ms: f64,
    /// Worker process start to the last record seen.
    pub total_seconds: f64,
    /// Worker CPU seconds (user + system) from process start to the last record.
    pub worker_cpu_seconds: f64,
    /// Worker CPU µs per record (start-up included).
    pub worker_cpu_us_per_record: f64,
    /// Worker peak RSS (VmHWM), MiB.
    pub worker_peak_rss_mib: f64,
    /// Worker threads at the end.
    pub worker_threads: f64,
    /// `counting::core` checksum: of the records datagen made (source) or the sink counted.
    pub checksum: String,
}

/// Settings of `source-pipeline`.
#[derive(Debug, Clone)]
pub struct SourcePipeline {
    /// The worker.
    pub setup: WorkerSetup,
    /// Topic (created with `partitions` if missing; use a fresh one per run).
    pub topic: String,
    /// Partitions of a created topic.
    pub partitions: i32,
    /// Records (datagen `records`).
    pub records: u64,
    /// datagen `value.size`.
    pub value_size: usize,
    /// datagen `batch.size`.
    pub batch: usize,
    /// datagen `key`.
    pub key: bool,
    /// datagen `schema`.
    pub schema: bool,
}

/// Runs datagen in a fresh worker until the topic's end offsets reach `records`. The window
/// runs from the first records seen in the topic to the last (polled every 10 ms).
pub async fn source_pipeline(cfg: &SourcePipeline) -> anyhow::Result<PipelineResult> {
    let client = connect(&cfg.setup.bootstrap).await?;
    let partitions = ensure_topic(&client, &cfg.topic, cfg.partitions).await?;
    let clients = partition_clients(&client, &cfg.topic, &partitions).await?;
    let already = end_offsets(&clients).await?;
    anyhow::ensure!(
        already == 0,
        "topic {} is not empty ({already} records): use a fresh topic",
        cfg.topic
    );
    let connector = [
        (
            "connector.class",
            "io.wasmconnect.bench.DatagenSourceConnector".to_owned(),
        ),
        ("tasks.max", "1".to_owned()),
        ("topic", cfg.topic.clone()),
        ("records", cfg.records.to_string()),
        ("value.size", cfg.value_size.to_string()),
        ("batch.size", cfg.batch.to_string()),
        ("key", cfg.key.to_string()),
        ("schema", cfg.schema.to_string()),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let name = format!("bench-source-{}", cfg.topic);
    let mut worker = Worker::start(&cfg.setup, &name, &connector)?;
    let target = cfg.records as i64;
    let mut first: Option<(Instant, i64)> = None;
    let (done, usage) = loop {
        worker.check_alive()?;
        let n = end_offsets(&clients).await?;
        let now = Instant::now();
        if n > 0 && first.is_none() {
            first = Some((now, n));
        }
        if n >= target {
            break (now, worker.usage());
        }
        anyhow::ensure!(
            worker.spawned.elapsed() < cfg.setup.timeout,
            "source pipeline: {n} of {target} records after {:?}; log:\n{}",
            cfg.setup.timeout,
            worker.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let spawned = worker.spawned;
    worker.finish();
    let (t_first, n_first) = first.unwrap_or((done, 0));
    let expected = expected_totals(cfg);
    let window = done.duration_since(t_first).as_secs_f64();
    let (seconds, counted) = if window > 0.0 && n_first < target {
        (window, (target - n_first) as f64)
    } else {
        (done.duration_since(spawned).as_secs_f64(), target as f64)
    };
    let bytes_per_record = expected.bytes as f64 / expected.records.max(1) as f64;
    Ok(PipelineResult {
        scenario: "source-pipeline",
        topic: cfg.topic.clone(),
        records: expected.records,
        bytes: expected.bytes,
        seconds,
        records_per_s: counted / seconds,
        mb_per_s: counted * bytes_per_record / seconds / 1e6,
        first_record_ms: t_first.duration_since(spawned).as_secs_f64() * 1e3,
        total_seconds: done.duration_since(spawned).as_secs_f64(),
        worker_cpu_seconds: usage.0,
        worker_cpu_us_per_record: usage.0 * 1e6 / cfg.records.max(1) as f64,
        worker_peak_rss_mib: usage.1,
        worker_threads: usage.2,
        checksum: format!("{:016x}", expected.checksum),
    })
}

/// The totals of the records datagen makes for `cfg` (schemaless: the bytes a raw consumer
/// reads with ByteArrayConverter).
fn expected_totals(cfg: &SourcePipeline) -> counting::core::Totals {
    let mut totals = counting::core::Totals::default();
    let mut scratch = Vec::new();
    for seq in 0..cfg.records as i64 {
        datagen::core::value_bytes(seq, cfg.value_size, &mut scratch);
        let key = cfg.key.then(|| datagen::core::key_bytes(seq));
        totals.add(key.as_deref(), Some(&scratch));
    }
    totals
}

/// Settings of `sink-pipeline`.
#[derive(Debug, Clone)]
pub struct SinkPipeline {
    /// The worker.
    pub setup: WorkerSetup,
    /// Topic to read from the start (it must hold at least `records` records).
    pub topic: String,
    /// Records to wait for.
    pub records: u64,
}

/// The counting sink's report file.
#[derive(Debug, Clone, serde::Deserialize)]
struct Report {
    records: u64,
    bytes: u64,
    checksum: String,
    first_put_us: u64,
    last_put_us: u64,
}

/// Runs the counting sink in a fresh worker (new consumer group) until its report shows
/// `records`. The window runs from the start of the first `put` to the end of the last, as
/// the sink measures them itself.
pub async fn sink_pipeline(cfg: &SinkPipeline) -> anyhow::Result<PipelineResult> {
    let name = format!(
        "bench-sink-{}-{}",
        cfg.topic,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
    );
    let run_dir = std::path::absolute(cfg.setup.work_dir.join("runs").join(&name))?;
    let report_file = run_dir.join("report.json");
    let connector = [
        (
            "connector.class",
            "io.wasmconnect.bench.CountingSinkConnector".to_owned(),
        ),
        ("tasks.max", "1".to_owned()),
        ("topics", cfg.topic.clone()),
        ("report.file", report_file.display().to_string()),
        ("wasm.allowed.dirs", run_dir.display().to_string()),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let mut worker = Worker::start(&cfg.setup, &name, &connector)?;
    let spawned_wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_micros() as u64
        - worker.spawned.elapsed().as_micros() as u64;
    let (report, done, usage) = loop {
        worker.check_alive()?;
        let report = std::fs::read_to_string(&report_file)
            .ok()
            .and_then(|s| serde_json::from_str::<Report>(&s).ok());
        if let Some(r) = report.filter(|r| r.records >= cfg.records) {
            break (r, Instant::now(), worker.usage());
        }
        anyhow::ensure!(
            worker.spawned.elapsed() < cfg.setup.timeout,
            "sink pipeline: report {} short of {} records after {:?}; log:\n{}",
            std::fs::read_to_string(&report_file)
                .unwrap_or_default()
                .trim(),
            cfg.records,
            cfg.setup.timeout,
            worker.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let spawned = worker.spawned;
    worker.finish();
    let seconds = (report.last_put_us.saturating_sub(report.first_put_us)) as f64 / 1e6;
    let seconds = if seconds > 0.0 {
        seconds
    } else {
        done.duration_since(spawned).as_secs_f64()
    };
    Ok(PipelineResult {
        scenario: "sink-pipeline",
        topic: cfg.topic.clone(),
        records: report.records,
        bytes: report.bytes,
        seconds,
        records_per_s: report.records as f64 / seconds,
        mb_per_s: report.bytes as f64 / seconds / 1e6,
        first_record_ms: report.first_put_us.saturating_sub(spawned_wall) as f64 / 1e3,
        total_seconds: report.last_put_us.saturating_sub(spawned_wall) as f64 / 1e6,
        worker_cpu_seconds: usage.0,
        worker_cpu_us_per_record: usage.0 * 1e6 / report.records.max(1) as f64,
        worker_peak_rss_mib: usage.1,
        worker_threads: usage.2,
        checksum: report.checksum,
    })
}
