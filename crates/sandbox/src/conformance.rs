//! The conformance kit: `wasmconnect conformance PLUGIN.wasm [--config k=v …]` runs any
//! connector component through the contract, check by check, with no Kafka: the kit plays
//! the worker (offset storage in memory, synthetic records for sinks). Connector authors
//! put it in their CI; every shipped connector passes it in `make test`.
//!
//! It also measures what a connector costs: precompile and instantiation time, time to the
//! first poll, records/s through `poll` or `put`, idle memory and memory growth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use wasmconnect_config::Props;
use wasmconnect_data::{OffsetMap, Schema, SinkRecord, SourceRecord, TimestampType, Value, batch};

use crate::{
    Limits, OffsetReader, Plugin, PluginKind, Recycle, Sandbox, SandboxConfig, SandboxError,
    SinkTaskInstance, SourceTaskInstance,
};

/// What to run and with which limits.
#[derive(Debug, Clone)]
pub struct Options {
    /// The connector config (`--config k=v`); `name` is added if missing.
    pub config: Props,
    /// Polls (sources) or puts (sinks) of the long run.
    pub calls: u32,
    /// Linear memory cap of each instance, as `wasm.memory.max.bytes`.
    pub memory_max_bytes: u64,
    /// Recycle at this percentage of the cap, as `wasm.recycle.memory.percent`; 0 = never.
    pub recycle_memory_percent: u32,
    /// Deadline of one call, as `wasm.call.timeout.ms`.
    pub call_timeout: Duration,
    /// Records per `put` for sinks.
    pub sink_batch: usize,
    /// Keep precompiled components here between runs (default: a fresh temporary
    /// directory, so `precompile_ms` is a cold compile).
    pub cache_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            config: Props::new(),
            calls: 1000,
            memory_max_bytes: 256 << 20,
            recycle_memory_percent: 75,
            call_timeout: Duration::from_secs(30),
            sink_batch: 100,
            cache_dir: None,
        }
    }
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The connector does what the contract asks.
    Pass,
    /// It does not.
    Fail,
    /// Could not be judged (e.g. a source that produced nothing to resume after).
    Skip,
}

/// One check and what was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Short id, e.g. `validate-required`.
    pub name: &'static str,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// What was seen.
    pub detail: String,
}

/// Costs measured along the way.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Component size.
    pub component_bytes: u64,
    /// Compiling the component, cold.
    pub precompile_ms: f64,
    /// Loading it from the precompiled cache.
    pub cached_load_ms: f64,
    /// Instantiation and task construction, median of 20.
    pub instantiate_us_p50: f64,
    /// Instantiation to the first `poll` (or `put`) returned, task start included.
    pub first_call_ms: f64,
    /// Records through `poll` (or `put`) per second in the long run, batch decoding
    /// (encoding) included.
    pub records_per_sec: f64,
    /// Mean serialized value size in that run.
    pub mean_value_bytes: f64,
    /// Linear memory of a started, idle task.
    pub idle_memory_bytes: u64,
    /// Linear memory growth per 1,000 calls in the long run (before any recycling).
    pub memory_growth_per_1000_calls: f64,
    /// Instance recycles the long run needed.
    pub recycles: u32,
    /// Calls in the long run.
    pub calls: u32,
}

/// The kit's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The plugin's class.
    pub class_name: String,
    /// Source or sink.
    pub kind: Option<PluginKind>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Measured costs.
    pub figures: Figures,
}

impl Report {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// A plain-text table, one check per line, then the figures.
    pub fn text(&self) -> String {
        let mut out = format!(
            "conformance of {} ({})\n",
            if self.class_name.is_empty() {
                "?"
            } else {
                &self.class_name
            },
            self.kind
                .map_or("not a plugin".to_string(), |k| k.to_string())
        );
        for c in &self.checks {
            let tag = match c.outcome {
                Outcome::Pass => "PASS",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "SKIP",
            };
            out.push_str(&format!("{tag}  {:<20} {}\n", c.name, c.detail));
        }
        let f = &self.figures;
        if self.kind.is_some() {
            let call = if self.kind == Some(PluginKind::Sink) {
                "put"
            } else {
                "poll"
            };
            out.push_str(&format!(
                "figures: component {} KB, precompile {:.0} ms (cached load {:.1} ms), \
                 instantiate p50 {:.0} µs, first {call} {:.1} ms, {:.0} records/s through {call} \
                 (mean value {:.0} B), idle memory {} KiB, memory growth {:.0} KiB per 1,000 {call}s, \
                 {} recycles in {} {call}s\n",
                f.component_bytes / 1000,
                f.precompile_ms,
                f.cached_load_ms,
                f.instantiate_us_p50,
                f.first_call_ms,
                f.records_per_sec,
                f.mean_value_bytes,
                f.idle_memory_bytes / 1024,
                f.memory_growth_per_1000_calls / 1024.0,
                f.recycles,
                f.calls,
            ));
        }
        let failed = self
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .count();
        out.push_str(&if failed == 0 {
            "result: PASS\n".to_string()
        } else {
            format!("result: FAIL ({failed} checks failed)\n")
        });
        out
    }
}

/// Offsets kept in memory, as the worker's store would keep them.
#[derive(Debug, Default)]
struct MemoryOffsets(Mutex<Vec<(OffsetMap, OffsetMap)>>);

impl MemoryOffsets {
    fn commit(&self, entries: &[(OffsetMap, OffsetMap)]) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (p, o) in entries {
            match all.iter_mut().find(|(q, _)| q == p) {
                Some(e) => e.1 = o.clone(),
                None => all.push((p.clone(), o.clone())),
            }
        }
    }
}

impl OffsetReader for MemoryOffsets {
    fn offsets(&self, _connector: &str, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        let all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        partitions
            .iter()
            .map(|p| all.iter().find(|(q, _)| q == p).map(|(_, o)| o.clone()))
            .collect()
    }
}

struct Kit {
    sandbox: Sandbox,
    plugin: Plugin,
    limits: Limits,
    config: Props,
    opts: Options,
    checks: Vec<Check>,
    figures: Figures,
}

const NAME: &str = "conformance";

impl Kit {
    fn check(&mut self, name: &'static str, outcome: Outcome, detail: impl Into<String>) {
        self.checks.push(Check {
            name,
            outcome,
            detail: detail.into(),
        });
    }

    /// A failed check from an error; traps say so.
    fn failed(&mut self, name: &'static str, what: &str, e: &SandboxError) {
        let kind = if matches!(e, SandboxError::Trap { .. }) {
            "trapped"
        } else {
            "failed"
        };
        self.check(name, Outcome::Fail, format!("{what} {kind}: {e}"));
    }

    async fn source(
        &self,
        offsets: &Arc<MemoryOffsets>,
    ) -> Result<SourceTaskInstance, SandboxError> {
        self.sandbox
            .source_task(&self.plugin, NAME, &self.limits, offsets.clone())
            .await
    }

    async fn sink(&self) -> Result<SinkTaskInstance, SandboxError> {
        self.sandbox
            .sink_task(&self.plugin, NAME, &self.limits)
            .await
    }
}

/// Runs every check on the component at `path`.
pub async fn run(path: &Path, opts: Options) -> Report {
    let mut report = Report {
        class_name: String::new(),
        kind: None,
        checks: Vec::new(),
        figures: Figures::default(),
    };
    let fail = |report: &mut Report, name, detail: String| {
        report.checks.push(Check {
            name,
            outcome: Outcome::Fail,
            detail,
        });
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            fail(
                &mut report,
                "component",
                format!("cannot read {}: {e}", path.display()),
            );
            return report;
        }
    };
    report.figures.component_bytes = bytes.len() as u64;
    let cache = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            fail(
                &mut report,
                "component",
                format!("no temporary directory: {e}"),
            );
            return report;
        }
    };
    let sandbox = match Sandbox::new(&SandboxConfig {
        cache_dir: opts
            .cache_dir
            .clone()
            .unwrap_or_else(|| cache.path().to_path_buf()),
        max_instances: 64,
        max_memory_bytes: opts.memory_max_bytes,
    }) {
        Ok(s) => s,
        Err(e) => {
            fail(
                &mut report,
                "component",
                format!("cannot start the engine: {e}"),
            );
            return report;
        }
    };
    let started = Instant::now();
    let plugin = match sandbox.load(bytes.clone()).await {
        Ok(p) => p,
        Err(e) => {
            fail(&mut report, "component", e.to_string());
            return report;
        }
    };
    report.figures.precompile_ms = ms(started.elapsed());
    let started = Instant::now();
    if sandbox.load(bytes).await.is_ok() {
        report.figures.cached_load_ms = ms(started.elapsed());
    }
    report.class_name = plugin.class_name.clone();
    report.kind = Some(plugin.kind);
    let mut config = opts.config.clone();
    config
        .entry("name".into())
        .or_insert_with(|| NAME.to_string());
    config
        .entry("connector.class".into())
        .or_insert_with(|| plugin.class_name.clone());
    let limits = Limits {
        memory_max_bytes: opts.memory_max_bytes,
        call_timeout: opts.call_timeout,
        dirs: grants(&config),
        recycle: Recycle::new(opts.memory_max_bytes, opts.recycle_memory_percent, 0),
    };
    let mut kit = Kit {
        sandbox,
        plugin,
        limits,
        config,
        opts,
        checks: std::mem::take(&mut report.checks),
        figures: std::mem::take(&mut report.figures),
    };
    kit.check(
        "component",
        Outcome::Pass,
        format!(
            "a {}-connector component of wasmconnect:connector@0.1.0, class {} version {}",
            kit.plugin.kind, kit.plugin.class_name, kit.plugin.version
        ),
    );
    config_def(&mut kit);
    validate(&mut kit).await;
    let task_config = connector_lifecycle(&mut kit).await;
    typed_errors(&mut kit).await;
    if let Some(task_config) = task_config {
        match kit.plugin.kind {
            PluginKind::Source => source_checks(&mut kit, &task_config).await,
            PluginKind::Sink => sink_checks(&mut kit, &task_config).await,
        }
    }
    report.checks = kit.checks;
    report.figures = kit.figures;
    report
}

/// Directories granted as the worker would: `wasm.allowed.dirs`, and the parent of `file`.
fn grants(config: &Props) -> Vec<(PathBuf, bool)> {
    let mut dirs = Vec::new();
    if let Some(dir) = config
        .get("file")
        .and_then(|f| crate::parent_dir(Path::new(f)))
    {
        dirs.push((dir, true));
    }
    for d in config
        .get("wasm.allowed.dirs")
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .into_iter()
        .flatten()
    {
        dirs.push((PathBuf::from(d), true));
    }
    dirs
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Names unique and non-empty, defaults of the declared type.
fn config_def(kit: &mut Kit) {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for k in kit.plugin.config_def.iter() {
        if k.name.trim().is_empty() {
            problems.push("a key has an empty name".to_string());
        }
        if !seen.insert(k.name.clone()) {
            problems.push(format!("{} is defined twice", k.name));
        }
        if let Some(default) = k.default_text()
            && !k.config_type.accepts(default)
        {
            let ty = k.config_type.name();
            problems.push(format!(
                "default of {} ({ty}) {default:?} is not a {ty}",
                k.name
            ));
        }
    }
    if problems.is_empty() {
        let required = kit
            .plugin
            .config_def
            .iter()
            .filter(|k| k.is_required())
            .count();
        let n = kit.plugin.config_def.len();
        kit.check(
            "config-def",
            Outcome::Pass,
            format!("{n} keys, {required} required, every default parses as its type"),
        );
    } else {
        kit.check("config-def", Outcome::Fail, problems.join("; "));
    }
}

/// `validate` of an empty config names every required key.
async fn validate(kit: &mut Kit) {
    let required: Vec<String> = kit
        .plugin
        .config_def
        .iter()
        .filter(|k| k.is_required())
        .map(|k| k.name.clone())
        .collect();
    let mut connector = match kit.sandbox.connector(&kit.plugin, NAME, &kit.limits).await {
        Ok(c) => c,
        Err(e) => return kit.failed("validate-required", "instantiation", &e),
    };
    let values = match connector.validate(&Props::new()).await {
        Ok(v) => v,
        Err(e) => return kit.failed("validate-required", "validate of an empty config", &e),
    };
    let silent: Vec<&String> = required
        .iter()
        .filter(|name| {
            !values
                .iter()
                .any(|v| &v.name == *name && !v.errors.is_empty())
        })
        .collect();
    if silent.is_empty() {
        kit.check(
            "validate-required",
            Outcome::Pass,
            format!(
                "an empty config gets errors for every required key ({})",
                if required.is_empty() {
                    "none defined".to_string()
                } else {
                    required.join(", ")
                }
            ),
        );
    } else {
        kit.check(
            "validate-required",
            Outcome::Fail,
            format!("validate of an empty config reports nothing for required {silent:?}"),
        );
    }
}

/// start → task-configs → stop of the connector level with the given config.
async fn connector_lifecycle(kit: &mut Kit) -> Option<Props> {
    const CHECK: &str = "connector-lifecycle";
    let mut connector = match kit.sandbox.connector(&kit.plugin, NAME, &kit.limits).await {
        Ok(c) => c,
        Err(e) => {
            kit.failed(CHECK, "instantiation", &e);
            return None;
        }
    };
    let values = match connector.validate(&kit.config).await {
        Ok(v) => v,
        Err(e) => {
            kit.failed(CHECK, "validate", &e);
            return None;
        }
    };
    let errors: Vec<String> = values
        .iter()
        .flat_map(|v| v.errors.iter().map(move |e| format!("{}: {e}", v.name)))
        .collect();
    if !errors.is_empty() {
        kit.check(
            CHECK,
            Outcome::Fail,
            format!(
                "the given config does not validate (pass --config k=v): {}",
                errors.join("; ")
            ),
        );
        return None;
    }
    if let Err(e) = connector.start(&kit.config).await {
        kit.failed(CHECK, "start", &e);
        return None;
    }
    let configs = match connector.task_configs(2).await {
        Ok(c) => c,
        Err(e) => {
            kit.failed(CHECK, "task-configs", &e);
            return None;
        }
    };
    if let Err(e) = connector.stop().await {
        kit.failed(CHECK, "stop", &e);
        return None;
    }
    let Some(first) = configs.into_iter().next() else {
        kit.check(
            CHECK,
            Outcome::Fail,
            "task-configs(2) returned no task config",
        );
        return None;
    };
    kit.check(
        CHECK,
        Outcome::Pass,
        "validate, start, task-configs and stop return without error or trap",
    );
    Some(first)
}

/// Bad input comes back as the typed error (or is accepted), never as a trap.
async fn typed_errors(kit: &mut Kit) {
    const CHECK: &str = "typed-errors";
    let mut seen = Vec::new();
    let empty = Props::new();
    let mut connector = match kit.sandbox.connector(&kit.plugin, NAME, &kit.limits).await {
        Ok(c) => c,
        Err(e) => return kit.failed(CHECK, "instantiation", &e),
    };
    match connector.start(&empty).await {
        Ok(()) => seen.push("connector start({}) accepted".to_string()),
        Err(SandboxError::Guest(e)) => seen.push(format!("connector start({{}}) → error \"{e}\"")),
        Err(e) => return kit.failed(CHECK, "connector start with an empty config", &e),
    }
    let task_start = match kit.plugin.kind {
        PluginKind::Source => {
            let offsets = Arc::new(MemoryOffsets::default());
            match kit.source(&offsets).await {
                Ok(mut t) => t.start(&empty).await.map(|_| ()),
                Err(e) => Err(e),
            }
        }
        PluginKind::Sink => match kit.sink().await {
            Ok(mut t) => t.start(&empty).await,
            Err(e) => Err(e),
        },
    };
    match task_start {
        Ok(()) => seen.push("task start({}) accepted".to_string()),
        Err(SandboxError::Guest(e)) => seen.push(format!("task start({{}}) → error \"{e}\"")),
        Err(e) => return kit.failed(CHECK, "task start with an empty config", &e),
    }
    kit.check(CHECK, Outcome::Pass, seen.join("; "));
}

fn partition_key(m: &OffsetMap) -> String {
    format!("{m:?}")
}

async fn source_checks(kit: &mut Kit, task_config: &Props) {
    let offsets = Arc::new(MemoryOffsets::default());
    // Instantiation alone, median of 20.
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        match kit.source(&offsets).await {
            Ok(task) => {
                times.push(t.elapsed());
                drop(task);
            }
            Err(e) => return kit.failed("task-lifecycle", "instantiation", &e),
        }
    }
    times.sort();
    kit.figures.instantiate_us_p50 = times[times.len() / 2].as_secs_f64() * 1e6;

    // The long run: start, poll N times committing as the worker does, stop.
    let t0 = Instant::now();
    let mut task = match kit.source(&offsets).await {
        Ok(t) => t,
        Err(e) => return kit.failed("task-lifecycle", "instantiation", &e),
    };
    let mut wants_acks = match task.start(task_config).await {
        Ok(w) => w,
        Err(e) => return kit.failed("task-lifecycle", "start", &e),
    };
    kit.figures.idle_memory_bytes = task.usage().0;
    let mut committed: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Vec<(OffsetMap, OffsetMap)> = Vec::new();
    let (mut records, mut value_bytes, mut poll_time) = (0u64, 0u64, Duration::ZERO);
    let mut first_memory = None;
    let mut growth = 0u64;
    let calls = kit.opts.calls.max(1);
    let budget = Duration::from_secs(60);
    let run_started = Instant::now();
    let mut done = 0;
    for i in 0..calls {
        let t = Instant::now();
        let polled = task.poll().await;
        let decoded = polled.and_then(|(seq, bytes)| {
            batch::decode_source(&bytes)
                .map(|r| (seq, r))
                .map_err(|e| SandboxError::Contract(format!("poll returned a bad batch: {e}")))
        });
        let (seq, batch) = match decoded {
            Ok(b) => b,
            Err(e) if e.is_retriable() => continue,
            Err(e) => return kit.failed("task-lifecycle", &format!("poll #{i}"), &e),
        };
        poll_time += t.elapsed();
        if i == 0 {
            kit.figures.first_call_ms = ms(t0.elapsed());
        }
        done += 1;
        let memory = task.usage().0;
        let base = *first_memory.get_or_insert(memory);
        growth = memory.saturating_sub(base);
        records += batch.len() as u64;
        value_bytes += batch.iter().map(|r| value_size(&r.value)).sum::<u64>();
        if wants_acks && !batch.is_empty() {
            let acks = (0..batch.len())
                .map(|i| crate::RecordAck {
                    poll_seq: seq,
                    index: i as u32,
                    metadata: Some(("conformance".to_string(), 0, i as i64, None)),
                })
                .collect();
            if let Err(e) = task.commit_records(acks).await {
                return kit.failed("task-lifecycle", "commit-records", &e);
            }
        }
        for r in &batch {
            if !r.source_partition.is_empty() || !r.source_offset.is_empty() {
                pending.push((r.source_partition.clone(), r.source_offset.clone()));
            }
        }
        if i % 100 == 99 || i + 1 == calls {
            commit_source(&offsets, &mut pending, &mut committed);
            if let Err(e) = task.commit().await
                && !matches!(e, SandboxError::Guest(_))
            {
                return kit.failed("task-lifecycle", "commit", &e);
            }
        }
        if let Some(reason) = kit.limits.recycle.reason(memory, 0) {
            commit_source(&offsets, &mut pending, &mut committed);
            let _ = task.commit().await;
            tracing::debug!(reason, "conformance: recycling");
            let fresh = match kit.source(&offsets).await {
                Ok(t) => t,
                Err(e) => return kit.failed("memory", "instantiation after recycling", &e),
            };
            let old = std::mem::replace(&mut task, fresh);
            let _ = old.stop().await;
            wants_acks = match task.start(task_config).await {
                Ok(w) => w,
                Err(e) => return kit.failed("memory", "start after recycling", &e),
            };
            kit.figures.recycles += 1;
            first_memory = Some(task.usage().0);
        }
        if run_started.elapsed() > budget {
            break;
        }
    }
    kit.figures.calls = done;
    if kit.figures.recycles == 0 && done > 0 {
        kit.figures.memory_growth_per_1000_calls = growth as f64 * 1000.0 / f64::from(done);
    } else if done > 0 {
        // Growth before the first recycle: the threshold over the polls it took.
        let per = done / (kit.figures.recycles + 1);
        let threshold = kit.limits.recycle.memory_bytes.unwrap_or(0);
        kit.figures.memory_growth_per_1000_calls =
            threshold.saturating_sub(kit.figures.idle_memory_bytes) as f64 * 1000.0
                / f64::from(per.max(1));
    }
    if poll_time > Duration::ZERO {
        kit.figures.records_per_sec = records as f64 / poll_time.as_secs_f64();
    }
    if records > 0 {
        kit.figures.mean_value_bytes = value_bytes as f64 / records as f64;
    }
    if let Err(e) = task.stop().await {
        return kit.failed("task-lifecycle", "stop", &e);
    }
    kit.check(
        "task-lifecycle",
        Outcome::Pass,
        format!("start, {done} polls ({records} records), commit, commit-records and stop without a trap"),
    );
    kit.check(
        "memory",
        Outcome::Pass,
        format!(
            "{done} polls within wasm.memory.max.bytes={}{}",
            kit.limits.memory_max_bytes,
            if kit.figures.recycles > 0 {
                format!(
                    " thanks to {} recycles (memory grows about {:.0} KiB per 1,000 polls)",
                    kit.figures.recycles,
                    kit.figures.memory_growth_per_1000_calls / 1024.0
                )
            } else {
                String::new()
            }
        ),
    );

    // Resume: a new instance starts after what was committed.
    resume(kit, task_config, &offsets, &committed).await;
    resources_source(kit, task_config, &offsets).await;
    deadline_source(kit, task_config, &offsets).await;
}

fn commit_source(
    offsets: &MemoryOffsets,
    pending: &mut Vec<(OffsetMap, OffsetMap)>,
    committed: &mut BTreeMap<String, String>,
) {
    offsets.commit(pending);
    for (p, o) in pending.drain(..) {
        committed.insert(partition_key(&p), partition_key(&o));
    }
}

fn value_size(v: &Value) -> u64 {
    match v {
        Value::Bytes(b) => b.len() as u64,
        Value::String(s) => s.len() as u64,
        Value::Null => 0,
        other => format!("{other:?}").len() as u64,
    }
}

async fn resume(
    kit: &mut Kit,
    task_config: &Props,
    offsets: &Arc<MemoryOffsets>,
    committed: &BTreeMap<String, String>,
) {
    const CHECK: &str = "resume";
    if committed.is_empty() {
        return kit.check(
            CHECK,
            Outcome::Skip,
            "no record with a source offset was polled, nothing to resume after",
        );
    }
    let mut task = match kit.source(offsets).await {
        Ok(t) => t,
        Err(e) => return kit.failed(CHECK, "instantiation", &e),
    };
    if let Err(e) = task.start(task_config).await {
        return kit.failed(CHECK, "start", &e);
    }
    let mut polled: Vec<SourceRecord> = Vec::new();
    for _ in 0..20 {
        match task.poll().await {
            Ok((_, bytes)) => match batch::decode_source(&bytes) {
                Ok(b) => polled.extend(b),
                Err(e) => {
                    return kit.check(CHECK, Outcome::Fail, format!("bad batch: {e}"));
                }
            },
            Err(e) if e.is_retriable() => {}
            Err(e) => return kit.failed(CHECK, "poll", &e),
        }
        if !polled.is_empty() {
            break;
        }
    }
    let _ = task.stop().await;
    let repeated = polled.iter().find(|r| {
        committed.get(&partition_key(&r.source_partition)) == Some(&partition_key(&r.source_offset))
    });
    match (repeated, polled.first()) {
        (Some(r), _) => kit.check(
            CHECK,
            Outcome::Fail,
            format!(
                "after a restart the task polled again the record at committed offset {:?} of {:?}",
                r.source_offset, r.source_partition
            ),
        ),
        (None, Some(r)) => kit.check(
            CHECK,
            Outcome::Pass,
            format!(
                "a new instance went on after the committed offsets (first offset {:?})",
                r.source_offset
            ),
        ),
        (None, None) => kit.check(
            CHECK,
            Outcome::Pass,
            "a new instance polled nothing committed again (nothing new to poll)",
        ),
    }
}

async fn resources_source(kit: &mut Kit, task_config: &Props, offsets: &Arc<MemoryOffsets>) {
    const CHECK: &str = "resources";
    let mut task = match kit.source(offsets).await {
        Ok(t) => t,
        Err(e) => return kit.failed(CHECK, "instantiation", &e),
    };
    let mut counts = Vec::new();
    for round in 0..4 {
        if let Err(e) = task.start(task_config).await {
            return kit.failed(CHECK, &format!("start #{round}"), &e);
        }
        for _ in 0..3 {
            match task.poll().await {
                Ok(_) => {}
                Err(e) if e.is_retriable() => {}
                Err(e) => return kit.failed(CHECK, "poll", &e),
            }
        }
        if let Err(e) = task.renew().await {
            return kit.failed(CHECK, &format!("stop #{round}"), &e);
        }
        counts.push(task.host_resources());
    }
    let _ = task.stop().await;
    resources_verdict(kit, &counts);
}

fn resources_verdict(kit: &mut Kit, counts: &[usize]) {
    const CHECK: &str = "resources";
    // The first round may open what the guest keeps for its lifetime (e.g. preopens).
    if counts.windows(2).skip(1).all(|w| w[1] <= w[0]) {
        kit.check(
            CHECK,
            Outcome::Pass,
            format!("four start/stop rounds in one instance: host handles after each stop {counts:?}, none piling up"),
        );
    } else {
        kit.check(
            CHECK,
            Outcome::Fail,
            format!("host handles still open after each stop keep growing: {counts:?}"),
        );
    }
}

async fn deadline_source(kit: &mut Kit, task_config: &Props, offsets: &Arc<MemoryOffsets>) {
    let mut task = match kit.source(offsets).await {
        Ok(t) => t,
        Err(e) => return kit.failed("deadline", "instantiation", &e),
    };
    if let Err(e) = task.start(task_config).await {
        return kit.failed("deadline", "start", &e);
    }
    task.set_call_timeout(Duration::ZERO);
    let t = Instant::now();
    let r = task.poll().await.map(|_| ());
    deadline_verdict(kit, r, t.elapsed());
}

fn deadline_verdict(kit: &mut Kit, r: Result<(), SandboxError>, took: Duration) {
    const CHECK: &str = "deadline";
    match r {
        Err(SandboxError::Trap { message, .. }) if message.contains("timed out") => kit.check(
            CHECK,
            Outcome::Pass,
            format!(
                "a call past its deadline was interrupted and reported in {:.0} ms: {message}",
                ms(took)
            ),
        ),
        Ok(()) if took < Duration::from_millis(20) => kit.check(
            CHECK,
            Outcome::Pass,
            format!(
                "the call returned in {:.1} ms, within one deadline tick",
                ms(took)
            ),
        ),
        Ok(()) => kit.check(
            CHECK,
            Outcome::Fail,
            format!(
                "a call with an expired deadline ran {:.0} ms to completion",
                ms(took)
            ),
        ),
        Err(e) => kit.failed(CHECK, "the call under an expired deadline", &e),
    }
}

/// Synthetic records for `put`: string keys, 100-byte string values, one partition.
fn sink_records(start: i64, n: usize) -> Vec<SinkRecord> {
    (0..n as i64)
        .map(|i| {
            let offset = start + i;
            let mut value = format!("conformance record {offset} ");
            while value.len() < 100 {
                value.push('x');
            }
            SinkRecord {
                topic: "conformance".into(),
                kafka_partition: 0,
                kafka_offset: offset,
                key_schema: Some(Schema::string()),
                key: Value::String(format!("key-{offset}")),
                value_schema: Some(Schema::string()),
                value: Value::String(value),
                timestamp: Some(1_700_000_000_000 + offset),
                timestamp_type: TimestampType::CreateTime,
                headers: Vec::new(),
            }
        })
        .collect()
}

async fn sink_checks(kit: &mut Kit, task_config: &Props) {
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        match kit.sink().await {
            Ok(task) => {
                times.push(t.elapsed());
                drop(task);
            }
            Err(e) => return kit.failed("task-lifecycle", "instantiation", &e),
        }
    }
    times.sort();
    kit.figures.instantiate_us_p50 = times[times.len() / 2].as_secs_f64() * 1e6;
    let tp = vec![("conformance".to_string(), 0)];
    let t0 = Instant::now();
    let mut task = match kit.sink().await {
        Ok(t) => t,
        Err(e) => return kit.failed("task-lifecycle", "instantiation", &e),
    };
    if let Err(e) = task.start(task_config).await {
        return kit.failed("task-lifecycle", "start", &e);
    }
    if let Err(e) = task.open(&tp).await {
        return kit.failed("task-lifecycle", "open", &e);
    }
    kit.figures.idle_memory_bytes = task.usage().0;
    let n = kit.opts.sink_batch.max(1);
    let calls = kit.opts.calls.max(1);
    let (mut put_time, mut first_memory, mut growth, mut done) = (Duration::ZERO, None, 0, 0u32);
    let mut next = 0i64;
    let run_started = Instant::now();
    for i in 0..calls {
        let t = Instant::now();
        let bytes = batch::encode_sink(&sink_records(next, n));
        match task.put(&bytes).await {
            Ok(()) => {}
            Err(e) if e.is_retriable() => continue,
            Err(e) => return kit.failed("task-lifecycle", &format!("put #{i}"), &e),
        }
        put_time += t.elapsed();
        if i == 0 {
            kit.figures.first_call_ms = ms(t0.elapsed());
        }
        next += n as i64;
        done += 1;
        let memory = task.usage().0;
        let base = *first_memory.get_or_insert(memory);
        growth = memory.saturating_sub(base);
        if i % 100 == 99 || i + 1 == calls {
            let current = vec![(tp[0].clone(), next)];
            match task.pre_commit(&current).await {
                Ok(safe) => {
                    if let Some((_, o)) = safe.iter().find(|(t, o)| *t != tp[0] || *o > next) {
                        return kit.check(
                            "task-lifecycle",
                            Outcome::Fail,
                            format!("pre-commit returned offset {o}, past what was put ({next}) or for a partition not opened"),
                        );
                    }
                }
                Err(SandboxError::Guest(_)) => {}
                Err(e) => return kit.failed("task-lifecycle", "pre-commit", &e),
            }
        }
        if kit.limits.recycle.reason(memory, 0).is_some() {
            let fresh = match kit.sink().await {
                Ok(t) => t,
                Err(e) => return kit.failed("memory", "instantiation after recycling", &e),
            };
            let mut old = std::mem::replace(&mut task, fresh);
            let _ = old.close(&tp).await;
            let _ = old.stop().await;
            if let Err(e) = task.start(task_config).await {
                return kit.failed("memory", "start after recycling", &e);
            }
            if let Err(e) = task.open(&tp).await {
                return kit.failed("memory", "open after recycling", &e);
            }
            kit.figures.recycles += 1;
            first_memory = Some(task.usage().0);
        }
        if run_started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    kit.figures.calls = done;
    if done > 0 {
        kit.figures.memory_growth_per_1000_calls = growth as f64 * 1000.0 / f64::from(done);
        kit.figures.records_per_sec = (u64::from(done) * n as u64) as f64 / put_time.as_secs_f64();
        kit.figures.mean_value_bytes = 100.0;
    }
    if let Err(e) = task.close(&tp).await {
        return kit.failed("task-lifecycle", "close", &e);
    }
    if let Err(e) = task.stop().await {
        return kit.failed("task-lifecycle", "stop", &e);
    }
    kit.check(
        "task-lifecycle",
        Outcome::Pass,
        format!(
            "start, open, {done} puts of {n} records, pre-commit, close and stop without a trap"
        ),
    );
    kit.check(
        "memory",
        Outcome::Pass,
        format!(
            "{done} puts within wasm.memory.max.bytes={}{}",
            kit.limits.memory_max_bytes,
            if kit.figures.recycles > 0 {
                format!(" thanks to {} recycles", kit.figures.recycles)
            } else {
                String::new()
            }
        ),
    );
    kit.check(
        "resume",
        Outcome::Skip,
        "sinks resume from the offsets the worker commits to Kafka",
    );
    // Resources: rounds of start/open/put/close/stop in one instance.
    let mut task = match kit.sink().await {
        Ok(t) => t,
        Err(e) => return kit.failed("resources", "instantiation", &e),
    };
    let mut counts = Vec::new();
    for round in 0..4 {
        let step = async {
            task.start(task_config).await?;
            task.open(&tp).await?;
            task.put(&batch::encode_sink(&sink_records(next, 10)))
                .await?;
            task.close(&tp).await?;
            task.renew().await
        };
        if let Err(e) = step.await {
            return kit.failed("resources", &format!("round #{round}"), &e);
        }
        next += 10;
        counts.push(task.host_resources());
    }
    drop(task);
    resources_verdict(kit, &counts);
    // Deadline.
    let mut task = match kit.sink().await {
        Ok(t) => t,
        Err(e) => return kit.failed("deadline", "instantiation", &e),
    };
    if let Err(e) = task.start(task_config).await {
        return kit.failed("deadline", "start", &e);
    }
    task.set_call_timeout(Duration::ZERO);
    let t = Instant::now();
    let r = task.put(&batch::encode_sink(&sink_records(next, n))).await;
    deadline_verdict(kit, r, t.elapsed());
}
