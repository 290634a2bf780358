//! Kafka Connect's `Worker`: runs the connectors and tasks a herder assigns it. One tokio
//! task per connector task owns its sandbox instance and runs the source loop (poll → stage
//! → convert → produce → offsets) or the sink loop (fetch → convert → stage → put →
//! pre-commit → group commit); it reports its state to the status store and takes its
//! orders (pause, resume, stop) from watch channels.
//!
//! The herder sees a worker through [`Worker`] only: what it decides (what runs, when it
//! stops) is separate from how it runs, and a herder is tested with a worker of its own.

mod error;
mod sink;
mod source;
mod stage;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;
use wasmconnect_api::{ConnectorTaskId, State};
use wasmconnect_config::{ConfigValue, Props};
use wasmconnect_converters::Converter;
use wasmconnect_sandbox::{
    ConnectorInstance, Limits, Plugin, PluginKind, Recycle, Sandbox, SandboxError,
};

pub use error::{ConnectorError, GuestCall, TaskError};

use crate::config::ConnectorConfig;
use crate::storage::{OffsetBackingStore, Status, StatusBackingStore, TargetState};
use stage::Stage;

/// What a herder can ask of a worker.
#[async_trait::async_trait]
pub trait Worker: Send + Sync + std::fmt::Debug {
    /// The plugin's own `validate` of `config`, in a throwaway connector instance; `Err`
    /// says why it could not run.
    async fn validate_connector(
        &self,
        plugin: &Plugin,
        config: &Props,
    ) -> Result<Vec<ConfigValue>, String>;

    /// Instantiates the connector level of `plugin` as connector `name` and starts it.
    async fn start_connector(
        &self,
        name: &str,
        plugin: &Plugin,
        config: &ConnectorConfig,
    ) -> Result<Box<dyn RunningConnector>, ConnectorError>;

    /// Starts a task; it reports its state through `spec.status` from then on.
    fn start_task(&self, spec: TaskSpec) -> TaskHandle;

    /// `task.shutdown.graceful.timeout.ms`: how long stopping tasks may take, in all.
    fn shutdown_timeout(&self) -> Duration;
}

/// A started connector level (Kafka Connect's `WorkerConnector`).
#[async_trait::async_trait]
pub trait RunningConnector: Send + std::fmt::Debug {
    /// `task-configs`: at most `max_tasks` task configurations.
    async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError>;
    /// The `raise-error` messages of the calls since the last time this was asked.
    fn take_errors(&mut self) -> Vec<String>;
    /// `stop`; the instance is gone afterwards.
    async fn stop(self: Box<Self>) -> Result<(), SandboxError>;
}

/// A task to start.
#[derive(Debug)]
pub struct TaskSpec {
    /// Which task.
    pub id: ConnectorTaskId,
    /// Its plugin.
    pub plugin: Plugin,
    /// Its connector's configuration.
    pub connector: ConnectorConfig,
    /// Its own configuration, from `task-configs`.
    pub config: Props,
    /// Its connector's target state (paused or not), shared by all its tasks.
    pub target: watch::Receiver<TargetState>,
    /// Where it reports its state.
    pub status: StatusReporter,
    /// Where `request-task-reconfiguration` goes: notified once however often it is asked.
    pub reconfigure: Arc<Notify>,
}

/// A running task, as its herder holds it.
#[derive(Debug)]
pub struct TaskHandle {
    /// Which task.
    pub id: ConnectorTaskId,
    /// Its counters.
    pub metrics: Arc<TaskMetrics>,
    stop: watch::Sender<bool>,
    join: Option<JoinHandle<()>>,
}

impl TaskHandle {
    /// A task running as `join`, stopped through `stop`.
    pub fn new(
        id: ConnectorTaskId,
        metrics: Arc<TaskMetrics>,
        stop: watch::Sender<bool>,
        join: Option<JoinHandle<()>>,
    ) -> Self {
        Self {
            id,
            metrics,
            stop,
            join,
        }
    }

    /// Tells the task to stop, without waiting.
    pub fn signal_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Tells the task to stop and waits until it has, or until `deadline`; then aborts it.
    pub async fn stop(mut self, deadline: tokio::time::Instant) {
        self.signal_stop();
        let Some(join) = self.join.take() else {
            return;
        };
        let abort = join.abort_handle();
        if tokio::time::timeout_at(deadline, join).await.is_err() {
            tracing::warn!(
                connector = %self.id.connector,
                task = self.id.task,
                "task did not stop in time (task.shutdown.graceful.timeout.ms); aborting it"
            );
            abort.abort();
        }
    }
}

/// Stops `tasks` together: all are told at once, then awaited until one shared deadline
/// `timeout` from now, so stopping many takes about as long as stopping the slowest.
pub async fn stop_tasks(tasks: Vec<TaskHandle>, timeout: Duration) {
    for t in &tasks {
        t.signal_stop();
    }
    let deadline = tokio::time::Instant::now() + timeout;
    for t in tasks {
        t.stop(deadline).await;
    }
}

/// Where a task reports its state: the status store, as its generation (a status of an
/// older start of the same task never overwrites a newer one).
#[derive(Debug, Clone)]
pub struct StatusReporter {
    store: Arc<dyn StatusBackingStore>,
    id: ConnectorTaskId,
    worker_id: Arc<str>,
    generation: u64,
}

impl StatusReporter {
    /// Reports `id`'s states to `store` as start number `generation`.
    pub fn new(
        store: Arc<dyn StatusBackingStore>,
        id: ConnectorTaskId,
        worker_id: Arc<str>,
        generation: u64,
    ) -> Self {
        Self {
            store,
            id,
            worker_id,
            generation,
        }
    }

    /// The task is now in `state`.
    pub fn set(&self, state: State) {
        self.store.put_task(
            &self.id,
            Status::new(state, &self.worker_id, self.generation),
        );
    }

    /// The task failed.
    pub fn fail(&self, message: &str, trace: &str) {
        tracing::error!(reason = message, "task failed");
        self.store.put_task(
            &self.id,
            Status::failed(message, trace, &self.worker_id, self.generation),
        );
    }
}

/// Counters a task keeps about its instance, shown by
/// `GET /connectors/{name}/tasks/{id}/metrics`.
#[derive(Debug, Default)]
pub struct TaskMetrics {
    /// Times the instance was replaced by a fresh one (not failures).
    pub instance_recycles: AtomicU64,
    /// Linear memory of the current instance, in bytes.
    pub memory_bytes: AtomicU64,
    /// Guest calls made on the current instance.
    pub instance_calls: AtomicU64,
    /// Records polled (source) or put (sink) since the task started.
    pub records: AtomicU64,
}

impl TaskMetrics {
    /// The counters now, as task `id` of the REST answer.
    pub fn snapshot(&self, id: u32) -> wasmconnect_api::TaskMetrics {
        wasmconnect_api::TaskMetrics {
            id,
            instance_recycles: self.instance_recycles.load(Ordering::Relaxed),
            memory_bytes: self.memory_bytes.load(Ordering::Relaxed),
            instance_calls: self.instance_calls.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn observe(&self, (memory, calls): (u64, u64)) {
        self.memory_bytes.store(memory, Ordering::Relaxed);
        self.instance_calls.store(calls, Ordering::Relaxed);
    }
}

/// A task's orders: stop for good (its own), pause and resume (its connector's).
#[derive(Debug, Clone)]
pub(crate) struct Control {
    stop: watch::Receiver<bool>,
    target: watch::Receiver<TargetState>,
}

impl Control {
    /// Told to stop, or orphaned: a task whose handle or connector is gone stops too,
    /// rather than wait on channels that will never change.
    pub(crate) fn stopping(&self) -> bool {
        *self.stop.borrow()
            || self.stop.has_changed().is_err()
            || self.target.has_changed().is_err()
    }

    pub(crate) fn paused(&self) -> bool {
        *self.target.borrow() == TargetState::Paused
    }

    /// Waits for a new order; returns at once if either side is gone.
    pub(crate) async fn changed(&mut self) {
        tokio::select! {
            _ = self.stop.changed() => {}
            _ = self.target.changed() => {}
        }
    }
}

/// The Kafka clients a worker shares between its tasks.
#[derive(Debug, Clone)]
pub struct KafkaClients {
    /// Produces source records.
    pub producer: Arc<wasmconnect_kafka::Producer>,
    /// Fetches for sink tasks.
    pub consumer: Arc<wasmconnect_kafka::Consumer>,
    /// Commits and reads sink offsets of `connect-<name>` groups.
    pub groups: Arc<wasmconnect_kafka::GroupOffsets>,
}

/// Worker-wide settings of [`SandboxWorker`].
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The worker properties, for the `key.converter`/`value.converter` defaults and their
    /// `key.converter.*`/`value.converter.*` keys.
    pub worker_props: Props,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
    /// Default `wasm.memory.max.bytes`.
    pub memory_max_bytes: u64,
    /// Default `wasm.call.timeout.ms`.
    pub call_timeout: Duration,
    /// Default `wasm.recycle.memory.percent` (0 = off).
    pub recycle_memory_percent: u32,
    /// Default `wasm.recycle.calls` (0 = off).
    pub recycle_calls: u64,
    /// `task.shutdown.graceful.timeout.ms`.
    pub shutdown_timeout: Duration,
}

/// Class names of the file connectors we ship; they get the directory of `file`.
const FILE_SOURCE: &str = "io.wasmconnect.file.FileStreamSourceConnector";
const FILE_SINK: &str = "io.wasmconnect.file.FileStreamSinkConnector";

/// The worker: connectors and tasks in sandbox instances, records through the worker's
/// Kafka clients, source offsets in an offset store.
#[derive(Debug, Clone)]
pub struct SandboxWorker {
    inner: Arc<Parts>,
}

#[derive(Debug)]
struct Parts {
    settings: WorkerSettings,
    sandbox: Sandbox,
    kafka: KafkaClients,
    offsets: Arc<dyn OffsetBackingStore>,
}

impl SandboxWorker {
    /// A worker running instances of `sandbox` against `kafka`.
    pub fn new(
        settings: WorkerSettings,
        sandbox: Sandbox,
        kafka: KafkaClients,
        offsets: Arc<dyn OffsetBackingStore>,
    ) -> Self {
        Self {
            inner: Arc::new(Parts {
                settings,
                sandbox,
                kafka,
                offsets,
            }),
        }
    }

    /// Memory cap, deadline and directory grants for `config`. An invalid config (as
    /// `config/validate` may see) gets the worker's defaults.
    fn limits(&self, plugin: &Plugin, config: &Props) -> Limits {
        let c = &self.inner.settings;
        let parsed = ConnectorConfig::from_props(config).ok();
        let memory_max_bytes = parsed
            .as_ref()
            .and_then(|p| p.wasm_memory_max_bytes)
            .unwrap_or(c.memory_max_bytes)
            .min(c.memory_max_bytes);
        let call_timeout = parsed
            .as_ref()
            .and_then(|p| p.wasm_call_timeout)
            .unwrap_or(c.call_timeout);
        let mut dirs = Vec::new();
        if (plugin.class_name == FILE_SOURCE || plugin.class_name == FILE_SINK)
            && let Some(dir) = config
                .get("file")
                .and_then(|f| wasmconnect_sandbox::parent_dir(Path::new(f)))
        {
            dirs.push((dir, plugin.class_name == FILE_SINK));
        }
        for d in parsed.iter().flat_map(|p| &p.wasm_allowed_dirs) {
            let abs = if d.is_absolute() {
                d.clone()
            } else {
                std::env::current_dir()
                    .map(|c| c.join(d))
                    .unwrap_or_else(|_| d.clone())
            };
            dirs.push((abs, true));
        }
        let percent = parsed
            .as_ref()
            .and_then(|p| p.wasm_recycle_memory_percent)
            .unwrap_or(c.recycle_memory_percent);
        let calls = parsed
            .as_ref()
            .and_then(|p| p.wasm_recycle_calls)
            .unwrap_or(c.recycle_calls);
        Limits {
            memory_max_bytes,
            call_timeout,
            dirs,
            recycle: Recycle::new(memory_max_bytes, percent, calls),
        }
    }

    /// The `key.converter` or `value.converter` of a connector: its own, else the worker's,
    /// with the `<which>.*` keys of the same config.
    fn converter(&self, config: &Props, which: &str) -> Result<Arc<dyn Converter>, String> {
        let worker = &self.inner.settings.worker_props;
        let (class, source) = match config.get(which) {
            Some(c) => (c.clone(), config),
            None => (
                worker
                    .get(which)
                    .cloned()
                    .unwrap_or_else(|| wasmconnect_converters::JSON_CONVERTER.into()),
                worker,
            ),
        };
        let prefix = format!("{which}.");
        let sub: Props = source
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v.clone())))
            .collect();
        wasmconnect_converters::build(&class, &sub, which == "key.converter")
            .map(Arc::from)
            .map_err(|e| format!("Invalid value {class} for configuration {which}: {e}"))
    }
}

/// A connector level running in a sandbox instance.
#[derive(Debug)]
struct SandboxConnector(ConnectorInstance);

#[async_trait::async_trait]
impl RunningConnector for SandboxConnector {
    async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        self.0.task_configs(max_tasks).await
    }

    fn take_errors(&mut self) -> Vec<String> {
        self.0.take_requests().errors
    }

    async fn stop(mut self: Box<Self>) -> Result<(), SandboxError> {
        self.0.stop().await
    }
}

#[async_trait::async_trait]
impl Worker for SandboxWorker {
    async fn validate_connector(
        &self,
        plugin: &Plugin,
        config: &Props,
    ) -> Result<Vec<ConfigValue>, String> {
        let limits = self.limits(plugin, config);
        let name = config.get("name").cloned().unwrap_or_default();
        let mut instance = self
            .inner
            .sandbox
            .connector(plugin, &name, &limits)
            .await
            .map_err(|e| format!("connector {name} cannot be instantiated: {e}"))?;
        instance
            .validate(config)
            .await
            .map_err(|e| format!("connector validate failed: {e}"))
    }

    async fn start_connector(
        &self,
        name: &str,
        plugin: &Plugin,
        config: &ConnectorConfig,
    ) -> Result<Box<dyn RunningConnector>, ConnectorError> {
        let limits = self.limits(plugin, &config.props);
        let mut instance = self
            .inner
            .sandbox
            .connector(plugin, name, &limits)
            .await
            .map_err(ConnectorError::Instantiate)?;
        instance
            .start(&config.props)
            .await
            .map_err(ConnectorError::Start)?;
        Ok(Box::new(SandboxConnector(instance)))
    }

    fn start_task(&self, spec: TaskSpec) -> TaskHandle {
        let (stop, stop_rx) = watch::channel(false);
        let metrics = Arc::new(TaskMetrics::default());
        let id = spec.id.clone();
        // Its own root span, as in Kafka Connect's logs: `task{connector=… task=…}`.
        let span =
            tracing::info_span!(parent: None, "task", connector = %id.connector, task = id.task);
        let converters = self
            .converter(&spec.connector.props, "key.converter")
            .and_then(|key| {
                Ok(Converters {
                    key,
                    value: self.converter(&spec.connector.props, "value.converter")?,
                })
            });
        let converters = match converters {
            Ok(c) => c,
            Err(why) => {
                let _span = span.enter();
                spec.status.fail(&why, "");
                return TaskHandle::new(id, metrics, stop, None);
            }
        };
        let ctx = TaskContext {
            id: spec.id,
            task_config: spec.config,
            limits: self.limits(&spec.plugin, &spec.connector.props),
            connector: spec.connector,
            plugin: spec.plugin,
            sandbox: self.inner.sandbox.clone(),
            converters,
            flush_interval: self.inner.settings.flush_interval,
            kafka: self.inner.kafka.clone(),
            status: spec.status,
            metrics: metrics.clone(),
            control: Control {
                stop: stop_rx,
                target: spec.target,
            },
            offsets: self.inner.offsets.clone(),
            reconfigure: spec.reconfigure,
            stage: Stage::default(),
        };
        let join = match ctx.plugin.kind {
            PluginKind::Source => tokio::spawn(source::run(ctx).instrument(span)),
            PluginKind::Sink => tokio::spawn(sink::run(ctx).instrument(span)),
        };
        TaskHandle::new(id, metrics, stop, Some(join))
    }

    fn shutdown_timeout(&self) -> Duration {
        self.inner.settings.shutdown_timeout
    }
}

/// A task's key and value converters.
#[derive(Debug, Clone)]
pub(crate) struct Converters {
    pub(crate) key: Arc<dyn Converter>,
    pub(crate) value: Arc<dyn Converter>,
}

/// Everything a task needs to run.
#[derive(Debug)]
pub(crate) struct TaskContext {
    /// Who.
    pub(crate) id: ConnectorTaskId,
    /// The task config from `task-configs`.
    pub(crate) task_config: Props,
    /// The connector config, parsed (validated when the connector was created).
    pub(crate) connector: ConnectorConfig,
    /// The plugin.
    pub(crate) plugin: Plugin,
    /// The engine.
    pub(crate) sandbox: Sandbox,
    /// Memory, deadline and directories.
    pub(crate) limits: Limits,
    /// Key and value converters.
    pub(crate) converters: Converters,
    /// `offset.flush.interval.ms`.
    pub(crate) flush_interval: Duration,
    /// The Kafka cluster.
    pub(crate) kafka: KafkaClients,
    /// Where this task reports its state.
    pub(crate) status: StatusReporter,
    /// Where this task reports its counters.
    pub(crate) metrics: Arc<TaskMetrics>,
    /// Pause / stop orders.
    pub(crate) control: Control,
    /// Source offsets (source tasks).
    pub(crate) offsets: Arc<dyn OffsetBackingStore>,
    /// `request-task-reconfiguration` goes here.
    pub(crate) reconfigure: Arc<Notify>,
    /// Between conversion and the guest (sink) or the guest and conversion (source).
    pub(crate) stage: Stage,
}

impl TaskContext {
    /// `errors.tolerance=all`.
    pub(crate) fn tolerates_errors(&self) -> bool {
        self.connector.errors_tolerance == crate::config::ErrorsTolerance::All
    }

    /// `errors.deadletterqueue.topic.name`, if set.
    pub(crate) fn dlq_topic(&self) -> Option<&str> {
        self.connector.errors_deadletterqueue_topic.as_deref()
    }

    pub(crate) fn fail(&self, e: &TaskError) {
        self.status.fail(&e.to_string(), &e.trace());
    }

    /// Waits while paused; returns false once stopping.
    pub(crate) async fn wait_runnable(&mut self) -> bool {
        let mut reported_paused = false;
        loop {
            if self.control.stopping() {
                return false;
            }
            if !self.control.paused() {
                if reported_paused {
                    self.status.set(State::Running);
                }
                return true;
            }
            if !reported_paused {
                self.status.set(State::Paused);
                reported_paused = true;
            }
            self.control.changed().await;
        }
    }

    /// Acts on what the guest asked during its last calls: `raise-error` fails the task,
    /// `request-task-reconfiguration` is passed to the herder.
    pub(crate) fn connector_requests(
        &self,
        requests: &wasmconnect_sandbox::Requests,
    ) -> Result<(), TaskError> {
        if requests.reconfigure {
            self.reconfigure.notify_one();
        }
        if requests.errors.is_empty() {
            Ok(())
        } else {
            Err(TaskError::Guest {
                call: GuestCall::RaiseError,
                error: SandboxError::Guest(wasmconnect_sandbox::ConnectError::Fatal(
                    requests.errors.join("; "),
                )),
            })
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.control.stopping()
    }

    /// Sleeps about `d` (see [`coarse_deadline`]), waking early on a new order.
    pub(crate) async fn sleep(&mut self, d: Duration) {
        let _ = tokio::time::timeout_at(coarse_deadline(d), self.control.changed()).await;
    }
}

/// When a sleep of `d` from now should end. Long sleeps (idle backoff, from half a second)
/// end on a 100 ms grid shared by the whole worker, so a thousand idle tasks backing off by
/// a second wake the runtime together at most 10 times a second rather than each on its
/// own millisecond, and each wake-up (a parked thread unparked, epoll, a context switch,
/// caches refilled) serves many tasks; they last at most 100 ms longer than asked. Shorter
/// sleeps (retries, waits on the way to a first record) end on time. Measured with 1,000
/// idle file sources on 2 cores: a 50 ms grid cost 2.0 % of a core, 100 ms 1.5 %, 250 ms
/// 1.2 %.
pub(crate) fn coarse_deadline(d: Duration) -> tokio::time::Instant {
    const GRAIN: Duration = Duration::from_millis(100);
    static GRID_ORIGIN: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let origin = *GRID_ORIGIN.get_or_init(tokio::time::Instant::now);
    let target = tokio::time::Instant::now() + d;
    if d < Duration::from_millis(500) {
        return target;
    }
    let since = target.saturating_duration_since(origin).as_nanos();
    let rounded = since.div_ceil(GRAIN.as_nanos()) * GRAIN.as_nanos();
    origin + Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
}

/// Exponential backoff for retriable errors: 100 ms doubling to 10 s.
#[derive(Debug)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub(crate) fn new() -> Self {
        Self(Duration::from_millis(100))
    }
    pub(crate) fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(10));
        d
    }
    pub(crate) fn reset(&mut self) {
        self.0 = Duration::from_millis(100);
    }
}

#[cfg(test)]
mod tests {
    use super::{Control, TargetState, coarse_deadline};
    use std::time::Duration;
    use tokio::sync::watch;

    #[test]
    fn an_orphaned_task_stops() {
        let (stop, stop_rx) = watch::channel(false);
        let (target, target_rx) = watch::channel(TargetState::Started);
        let control = Control {
            stop: stop_rx,
            target: target_rx,
        };
        assert!(!control.stopping());
        drop(target);
        assert!(control.stopping(), "its connector is gone");
        let (_target, target_rx) = watch::channel(TargetState::Paused);
        let control = Control {
            stop: stop.subscribe(),
            target: target_rx,
        };
        assert!(!control.stopping() && control.paused());
        drop(stop);
        assert!(control.stopping(), "its handle is gone");
    }

    #[tokio::test]
    async fn long_sleeps_end_on_a_shared_grid_short_ones_on_time() {
        let now = tokio::time::Instant::now();
        let short = coarse_deadline(Duration::from_millis(100));
        assert!(short >= now + Duration::from_millis(100));
        assert!(short < now + Duration::from_millis(110));
        let a = coarse_deadline(Duration::from_secs(1));
        let b = coarse_deadline(Duration::from_millis(1001));
        assert!(a >= now + Duration::from_secs(1));
        assert!(a <= tokio::time::Instant::now() + Duration::from_millis(1100));
        // Two tasks asking a millisecond apart usually wake together.
        assert!(b == a || b == a + Duration::from_millis(100));
    }
}
