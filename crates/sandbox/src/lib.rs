//! The wasmtime side of the worker: one `Engine` (pooling allocator, epoch interruption), one
//! compiled component per plugin (cached on disk, precompiled), and one `Store` per connector
//! or task instance with its own memory cap, call deadline and capabilities.

mod bindings;
pub mod conformance;
mod host;
mod instance;
pub mod native;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmconnect_config::{ConfigDefault, ConfigKey, ConfigType, Importance, Props, Width};
use wasmtime::UpdateDeadline;
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

pub use host::{OffsetReader, Requests, guest_log};
pub use instance::{ConnectorInstance, RecordAck, SinkTaskInstance, SourceTaskInstance};

use bindings::{plugin, sink, source, types};
use host::HostState;

/// Epoch tick: guests yield to the scheduler this often, and deadlines have this resolution.
const TICK: Duration = Duration::from_millis(10);

/// Why the sandbox could not load a plugin or run a call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The bytes are not a valid WebAssembly component.
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    /// A component, but not of our worlds.
    #[error("not a wasmconnect connector component: {0}")]
    NotAPlugin(String),
    /// Engine set-up, cache or I/O failure.
    #[error("{0}")]
    Io(String),
    /// The guest trapped, ran past its deadline or its memory cap. The instance is unusable.
    #[error("{message}")]
    Trap {
        /// One-line reason.
        message: String,
        /// The full error with the wasm backtrace.
        trace: String,
    },
    /// The guest returned an error.
    #[error("{0}")]
    Guest(ConnectError),
    /// The guest returned something the contract forbids (e.g. an undecodable batch).
    #[error("connector broke the contract: {0}")]
    Contract(String),
}

impl SandboxError {
    /// Whether retrying the same call may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Guest(ConnectError::Retriable(_)))
    }

    /// The trace to show in a FAILED status: the wasm backtrace for traps.
    pub fn trace(&self) -> String {
        match self {
            Self::Trap { trace, .. } => trace.clone(),
            other => other.to_string(),
        }
    }

    pub(crate) fn trap(err: wasmtime::Error) -> Self {
        let message = match (
            err.downcast_ref::<CallTimeout>(),
            err.downcast_ref::<wasmtime::Trap>(),
        ) {
            (Some(t), _) => t.to_string(),
            (None, Some(trap)) => trap.to_string(),
            // e.g. the memory limiter: "forcing trap when growing memory to N bytes".
            (None, None) => {
                let cause = err.root_cause().to_string();
                if cause.contains("growing memory") {
                    format!("linear memory limit reached (wasm.memory.max.bytes): {cause}")
                } else {
                    cause
                }
            }
        };
        let mut trace = format!("{err:?}");
        // Keep the wasm backtrace; drop the host's native one.
        if let Some(i) = trace.find("\nStack backtrace:") {
            trace.truncate(i);
        }
        Self::Trap { message, trace }
    }

    /// A trap, with the guest's last output (e.g. its panic message) added to the trace.
    pub(crate) fn trap_in(store: &Store<HostState>, err: wasmtime::Error) -> Self {
        match Self::trap(err) {
            Self::Trap { message, mut trace } => {
                let output = store.data().output.tail();
                if !output.is_empty() {
                    trace = format!("{trace}\nguest output (last lines):\n{output}");
                }
                Self::Trap { message, trace }
            }
            other => other,
        }
    }
}

/// A connector error, as the guest returned it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    /// Worth retrying.
    #[error("{0}")]
    Retriable(String),
    /// Not worth retrying.
    #[error("{0}")]
    Fatal(String),
}

impl From<types::ConnectError> for ConnectError {
    fn from(e: types::ConnectError) -> Self {
        match e {
            types::ConnectError::Retriable(m) => Self::Retriable(m),
            types::ConnectError::Fatal(m) => Self::Fatal(m),
        }
    }
}

/// A guest call ran past `wasm.call.timeout.ms`.
#[derive(Debug, thiserror::Error)]
#[error("call to the connector timed out after {0:?} (wasm.call.timeout.ms)")]
struct CallTimeout(Duration);

/// Worker-wide sandbox settings.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where precompiled components are cached.
    pub cache_dir: PathBuf,
    /// Most instances (connectors + tasks) alive at once.
    pub max_instances: u32,
    /// Largest linear memory any instance may have; per-connector caps are at most this.
    pub max_memory_bytes: u64,
}

/// Per-instance limits and capabilities.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory cap (`wasm.memory.max.bytes`).
    pub memory_max_bytes: u64,
    /// Deadline of one guest call (`wasm.call.timeout.ms`).
    pub call_timeout: Duration,
    /// Host directories the guest may open, each mapped at the same path; `true` = writable.
    pub dirs: Vec<(PathBuf, bool)>,
    /// When to replace a task's instance with a fresh one.
    pub recycle: Recycle,
}

/// When a task's instance is replaced by a fresh one at a clean point (offsets committed),
/// so garbage-collected guests whose linear memory only grows keep running
/// (`wasm.recycle.memory.percent`, `wasm.recycle.calls`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recycle {
    /// Recycle once linear memory passes this many bytes; `None` = never.
    pub memory_bytes: Option<u64>,
    /// Recycle after this many guest calls; `None` = never.
    pub calls: Option<u64>,
}

impl Recycle {
    /// From the settings: recycle past `percent` of `memory_max_bytes` (0 or 100 and above:
    /// never) and after `calls` calls (0: never).
    pub fn new(memory_max_bytes: u64, percent: u32, calls: u64) -> Self {
        Self {
            memory_bytes: (1..100)
                .contains(&percent)
                .then(|| memory_max_bytes / 100 * u64::from(percent)),
            calls: (calls > 0).then_some(calls),
        }
    }

    /// Why an instance with `memory` bytes of linear memory that has served `calls` calls
    /// should be recycled, if it should.
    pub fn reason(&self, memory: u64, calls: u64) -> Option<String> {
        if let Some(limit) = self.memory_bytes.filter(|l| memory > *l) {
            return Some(format!(
                "linear memory {memory} bytes passed {limit} (wasm.recycle.memory.percent)"
            ));
        }
        if let Some(limit) = self.calls.filter(|l| calls >= *l) {
            return Some(format!("{calls} calls reached wasm.recycle.calls={limit}"));
        }
        None
    }
}

/// Source or sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// Exports `source-task`.
    Source,
    /// Exports `sink-task`.
    Sink,
}

impl std::fmt::Display for PluginKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Source => "source",
            Self::Sink => "sink",
        })
    }
}

/// A loaded, compiled plugin.
#[derive(Clone)]
pub struct Plugin {
    /// Class name (`connector.class`).
    pub class_name: String,
    /// Other accepted names.
    pub aliases: Vec<String>,
    /// Version.
    pub version: String,
    /// One-line description.
    pub description: String,
    /// Source or sink.
    pub kind: PluginKind,
    /// The configuration definition.
    pub config_def: Arc<Vec<ConfigKey>>,
    /// SHA-256 of the component bytes, hex (`native` for a native twin).
    pub digest: String,
    pre: Option<InstancePre<HostState>>,
    native: Option<Arc<dyn native::NativePlugin>>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("class_name", &self.class_name)
            .field("kind", &self.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Plugin {
    /// A plugin that runs natively, without wasm: the same connector code built for the
    /// host (benchmarks compare it with the component). `info` and `config-def` come from it.
    pub fn native(plugin: Arc<dyn native::NativePlugin>) -> Self {
        let info = plugin.info();
        Self {
            class_name: info.class_name,
            aliases: info.aliases,
            version: info.version,
            description: info.description,
            kind: plugin.kind(),
            config_def: Arc::new(plugin.config_def()),
            digest: "native".into(),
            pre: None,
            native: Some(plugin),
        }
    }

    /// Whether this plugin is a native twin.
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }

    fn wasm_pre(&self) -> Result<InstancePre<HostState>, SandboxError> {
        self.pre
            .clone()
            .ok_or_else(|| SandboxError::NotAPlugin(format!("{} is native", self.class_name)))
    }

    /// Whether `name` (a `connector.class` value) names this plugin.
    pub fn matches(&self, name: &str) -> bool {
        self.class_name == name || self.aliases.iter().any(|a| a == name)
    }
}

/// A plugin's bytes with their SHA-256 (hex), the key of the compiled-component cache.
/// Made without an engine, so a worker reads and hashes its plugin files while it builds
/// the engine.
pub struct PluginBytes {
    /// `None` when [`read`](Self::read) found the digest memoized: the bytes are read
    /// only if the compiled component is not cached.
    bytes: Option<Vec<u8>>,
    file: Option<PathBuf>,
    digest: String,
}

impl PluginBytes {
    /// Hashes `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        let digest = hex(&Sha256::digest(&bytes));
        Self {
            bytes: Some(bytes),
            file: None,
            digest,
        }
    }

    /// The plugin in `file`. Its digest is memoized in `.cache/<file name>.sha256` beside
    /// it, with the file's length, modification time and inode: while those are unchanged
    /// the file is neither read nor hashed again (a worker's plugins are megabytes, and
    /// reading and hashing them was a third of its start-up CPU). A plugin directory that
    /// cannot be written to just goes without the memo.
    pub fn read(file: &Path) -> std::io::Result<Self> {
        let stamp = file_stamp(&std::fs::metadata(file)?);
        let memo = file.parent().zip(file.file_name()).map(|(dir, name)| {
            let mut name = name.to_os_string();
            name.push(".sha256");
            dir.join(".cache").join(name)
        });
        if let Some(memo) = &memo
            && let Ok(text) = std::fs::read_to_string(memo)
            && let Some((recorded, digest)) = text.trim_end().split_once('\n')
            && recorded == stamp
            && digest.len() == 64
            && digest.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Ok(Self {
                bytes: None,
                file: Some(file.to_owned()),
                digest: digest.to_owned(),
            });
        }
        let mut this = Self::new(std::fs::read(file)?);
        this.file = Some(file.to_owned());
        if let Some(memo) = memo {
            let tmp = memo.with_extension("tmp");
            let written = memo
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&tmp, format!("{stamp}\n{}\n", this.digest)))
                .and_then(|()| std::fs::rename(&tmp, &memo));
            if let Err(e) = written {
                tracing::debug!(memo = %memo.display(), error = %e, "cannot memoize the plugin digest");
            }
        }
        Ok(this)
    }
}

/// A plugin whose digest was memoized: its cached compiled component, or its bytes and
/// digest read again when there is none.
enum Found {
    Compiled(Component, String),
    Read(Vec<u8>, String),
}

/// What identifies a file's content without reading it: length, modification time, inode.
fn file_stamp(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{} {}.{:09} {}",
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ino()
    )
}

impl std::fmt::Debug for PluginBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginBytes")
            .field("len", &self.bytes.as_ref().map(Vec::len))
            .field("file", &self.file)
            .field("digest", &self.digest)
            .finish()
    }
}

/// The engine and linker shared by every instance of the worker.
#[derive(Clone)]
pub struct Sandbox {
    engine: Engine,
    linker: Arc<Linker<HostState>>,
    cache_dir: PathBuf,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

fn io_err(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Io(e.to_string())
}

impl Sandbox {
    /// Builds the engine (pooling allocator sized by `config`) and starts the epoch ticker.
    pub fn new(config: &SandboxConfig) -> Result<Self, SandboxError> {
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32))
            .cranelift_opt_level(wasmtime::OptLevel::Speed);
        let mut pool = PoolingAllocationConfig::default();
        let n = config.max_instances.max(1);
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(8))
            .total_memories(n.saturating_mul(2))
            .total_tables(n.saturating_mul(8))
            .total_stacks(n)
            .max_memories_per_component(4)
            .max_memory_size(config.max_memory_bytes as usize);
        let mut pooled = wasm.clone();
        pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = match Engine::new(&pooled) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "pooling allocator unavailable; allocating on demand");
                Engine::new(&wasm).map_err(io_err)?
            }
        };
        let weak = engine.weak();
        let ticker = std::thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(move || {
                loop {
                    // No guest code runs: nothing to interrupt, so no reason to wake up
                    // (the timeout only notices a dropped engine).
                    if CALLS_IN_FLIGHT.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                        std::thread::park_timeout(Duration::from_secs(1));
                        if weak.upgrade().is_none() {
                            break;
                        }
                        continue;
                    }
                    std::thread::sleep(TICK);
                    let Some(engine) = weak.upgrade() else { break };
                    engine.increment_epoch();
                }
                let me = std::thread::current().id();
                lock_tickers().retain(|t| t.id() != me);
            })
            .map_err(io_err)?;
        lock_tickers().push(ticker.thread().clone());

        let mut linker = Linker::<HostState>::new(&engine);
        host::add_to_linker(&mut linker).map_err(io_err)?;
        std::fs::create_dir_all(&config.cache_dir).map_err(|e| {
            io_err(format!(
                "cannot create cache directory {}: {e}",
                config.cache_dir.display()
            ))
        })?;
        Ok(Self {
            engine,
            linker: Arc::new(linker),
            cache_dir: config.cache_dir.clone(),
        })
    }

    /// Compiles (or loads from the cache) and checks a plugin, then asks it who it is.
    pub async fn load(&self, bytes: Vec<u8>) -> Result<Plugin, SandboxError> {
        self.load_bytes(PluginBytes::new(bytes)).await
    }

    /// [`Self::load`] of bytes already hashed.
    pub async fn load_bytes(&self, plugin: PluginBytes) -> Result<Plugin, SandboxError> {
        let PluginBytes {
            bytes,
            file,
            digest,
        } = plugin;
        let (bytes, digest) = match (bytes, file) {
            (Some(bytes), _) => (bytes, digest),
            (None, file) => {
                let file = file.ok_or_else(|| io_err("a plugin without bytes or file"))?;
                let this = self.clone();
                // Compiled already, or (the cache was cleared) read and hashed after all.
                let found = tokio::task::spawn_blocking(move || match this.cached(&digest) {
                    Some(component) => Ok(Found::Compiled(component, digest)),
                    None => std::fs::read(file).map(|bytes| {
                        let digest = hex(&Sha256::digest(&bytes));
                        Found::Read(bytes, digest)
                    }),
                })
                .await
                .map_err(io_err)?
                .map_err(io_err)?;
                match found {
                    Found::Compiled(component, digest) => {
                        return self.inspect(component, digest).await;
                    }
                    Found::Read(bytes, digest) => (bytes, digest),
                }
            }
        };
        if !wasmparser_is_component(&bytes) {
            return Err(if bytes.starts_with(b"\0asm") {
                SandboxError::NotAComponent(
                    "this is a core WebAssembly module; build a component (wasm32-wasip2)".into(),
                )
            } else {
                SandboxError::NotAComponent("missing the WebAssembly magic number".into())
            });
        }
        let this = self.clone();
        let digest2 = digest.clone();
        let component = tokio::task::spawn_blocking(move || this.compile_cached(&bytes, &digest2))
            .await
            .map_err(io_err)??;
        self.inspect(component, digest).await
    }

    /// Where the component of `digest`, compiled by this engine, is cached.
    fn cache_file(&self, digest: &str) -> PathBuf {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        self.cache_dir
            .join(format!("{digest}-{:016x}.cwasm", h.finish()))
    }

    /// The cached compiled component of `digest`, if there is a good one.
    fn cached(&self, digest: &str) -> Option<Component> {
        let file = self.cache_file(digest);
        if !file.exists() {
            return None;
        }
        // SAFETY: the file was written by `Component::serialize` of an engine with the
        // same compatibility hash (part of the name), into our own cache directory.
        #[allow(unsafe_code, reason = "deserializing our own precompiled cache")]
        match unsafe { Component::deserialize_file(&self.engine, &file) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "ignoring bad cache entry");
                None
            }
        }
    }

    fn compile_cached(&self, bytes: &[u8], digest: &str) -> Result<Component, SandboxError> {
        if let Some(c) = self.cached(digest) {
            return Ok(c);
        }
        let file = self.cache_file(digest);
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| SandboxError::NotAComponent(format!("{e:#}")))?;
        match component.serialize() {
            Ok(data) => {
                let tmp = file.with_extension("tmp");
                if let Err(e) =
                    std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, &file))
                {
                    tracing::warn!(file = %file.display(), error = %e, "cannot cache compiled component");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot serialize compiled component"),
        }
        Ok(component)
    }

    async fn inspect(&self, component: Component, digest: String) -> Result<Plugin, SandboxError> {
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        let as_source = source::SourceConnectorPre::new(pre.clone());
        let as_sink = sink::SinkConnectorPre::new(pre.clone());
        let kind = match (&as_source, &as_sink) {
            (Ok(_), _) => PluginKind::Source,
            (_, Ok(_)) => PluginKind::Sink,
            (Err(source), Err(sink)) => {
                return Err(SandboxError::NotAPlugin(format!(
                    "it implements neither world wasmconnect:connector/source-connector@0.1.0 \
                     ({source:#}) nor sink-connector@0.1.0 ({sink:#})"
                )));
            }
        };
        let probe_limits = Limits {
            memory_max_bytes: 256 << 20,
            call_timeout: Duration::from_secs(10),
            dirs: Vec::new(),
            recycle: Recycle::default(),
        };
        let mut store = self.store(&probe_limits, "(plugin probe)".into(), None)?;
        let plugin_pre = plugin::PluginPre::new(pre.clone())
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        let _call = begin_call(&mut store);
        let bindings = plugin_pre
            .instantiate_async(&mut store)
            .await
            .map_err(SandboxError::trap)?;
        let connector = bindings.wasmconnect_connector_connector();
        let _call = begin_call(&mut store);
        let info = connector
            .call_info(&mut store)
            .await
            .map_err(SandboxError::trap)?;
        let _call = begin_call(&mut store);
        let keys = connector
            .call_config_def(&mut store)
            .await
            .map_err(SandboxError::trap)?;
        if info.class_name.trim().is_empty() {
            return Err(SandboxError::Contract(
                "plugin-info.class-name is empty".into(),
            ));
        }
        Ok(Plugin {
            class_name: info.class_name,
            aliases: info.aliases,
            version: info.version,
            description: info.description,
            kind,
            config_def: Arc::new(keys.into_iter().map(config_key_from_wit).collect()),
            digest,
            pre: Some(pre),
            native: None,
        })
    }

    fn store(
        &self,
        limits: &Limits,
        connector: Arc<str>,
        offsets: Option<Arc<dyn OffsetReader>>,
    ) -> Result<Store<HostState>, SandboxError> {
        let state = HostState::new(limits, connector, offsets)?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            let s = ctx.data();
            if s.call_started.elapsed() > s.call_timeout {
                Err(CallTimeout(s.call_timeout).into())
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        Ok(store)
    }
}

/// Guest calls in progress in the process. The epoch tickers run only while there are
/// some: a worker of idle tasks then has no thread waking a hundred times a second.
static CALLS_IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The epoch ticker threads, woken when a guest call starts while none was running.
static TICKERS: std::sync::Mutex<Vec<std::thread::Thread>> = std::sync::Mutex::new(Vec::new());

fn lock_tickers() -> std::sync::MutexGuard<'static, Vec<std::thread::Thread>> {
    TICKERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A guest call in progress (see [`begin_call`]); keep it until the call returns.
#[must_use = "the epoch ticker only runs while the guard lives"]
pub(crate) struct CallGuard(());

impl Drop for CallGuard {
    fn drop(&mut self) {
        CALLS_IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Marks the start of a guest call, for its deadline; the epoch ticks (deadline checks and
/// yields) run while the returned guard lives.
pub(crate) fn begin_call(store: &mut Store<HostState>) -> CallGuard {
    store.data_mut().call_started = Instant::now();
    // A zero timeout (the conformance kit's expired deadline) interrupts at the guest's
    // first epoch check instead of the next tick.
    let ticks = u64::from(!store.data().call_timeout.is_zero());
    store.set_epoch_deadline(ticks);
    if CALLS_IN_FLIGHT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
        for t in lock_tickers().iter() {
            t.unpark();
        }
    }
    CallGuard(())
}

fn wasmparser_is_component(bytes: &[u8]) -> bool {
    // Component preamble: magic, version 0x0d, layer 1.
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [0x01, 0x00]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn config_key_from_wit(k: types::ConfigKey) -> ConfigKey {
    ConfigKey {
        name: k.name,
        config_type: match k.type_ {
            types::ConfigType::Boolean => ConfigType::Boolean,
            types::ConfigType::String => ConfigType::String,
            types::ConfigType::Int => ConfigType::Int,
            types::ConfigType::Short => ConfigType::Short,
            types::ConfigType::Long => ConfigType::Long,
            types::ConfigType::Double => ConfigType::Double,
            types::ConfigType::List => ConfigType::List,
            types::ConfigType::Class => ConfigType::Class,
            types::ConfigType::Password => ConfigType::Password,
        },
        default_value: match k.default_value {
            types::ConfigDefault::Required => ConfigDefault::Required,
            types::ConfigDefault::NullValue => ConfigDefault::Null,
            types::ConfigDefault::Value(v) => ConfigDefault::Value(v),
        },
        importance: match k.importance {
            types::Importance::High => Importance::High,
            types::Importance::Medium => Importance::Medium,
            types::Importance::Low => Importance::Low,
        },
        documentation: k.documentation,
        group: k.group,
        order_in_group: k.order_in_group,
        width: match k.width {
            types::Width::None => Width::None,
            types::Width::Short => Width::Short,
            types::Width::Medium => Width::Medium,
            types::Width::Long => Width::Long,
        },
        display_name: k.display_name,
        dependents: k.dependents,
        // The guest checks its own values in `validate`.
        validator: None,
    }
}

fn config_to_wit(config: &Props) -> Vec<(String, String)> {
    config.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Where a directory grant for `file` points: its parent directory, absolute.
pub fn parent_dir(file: &Path) -> Option<PathBuf> {
    let abs = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(file)
    };
    abs.parent().map(Path::to_path_buf)
}

#[cfg(test)]
mod plugin_bytes_tests {
    use super::PluginBytes;

    #[test]
    fn a_plugin_file_is_hashed_once_while_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.wasm");
        std::fs::write(&file, b"first version").unwrap();
        let first = PluginBytes::read(&file).unwrap();
        assert_eq!(first.bytes.as_deref(), Some(&b"first version"[..]));
        assert_eq!(
            first.digest,
            PluginBytes::new(b"first version".to_vec()).digest
        );
        assert!(dir.path().join(".cache/p.wasm.sha256").exists());

        let again = PluginBytes::read(&file).unwrap();
        assert!(again.bytes.is_none(), "read again: {again:?}");
        assert_eq!(again.digest, first.digest);
        assert_eq!(again.file.as_deref(), Some(file.as_path()));

        // Another length (and modification time): hashed again.
        std::fs::write(&file, b"the second version").unwrap();
        let changed = PluginBytes::read(&file).unwrap();
        assert_eq!(changed.bytes.as_deref(), Some(&b"the second version"[..]));
        assert_ne!(changed.digest, first.digest);
        // A memo that does not parse is ignored, never trusted.
        std::fs::write(dir.path().join(".cache/p.wasm.sha256"), "garbage").unwrap();
        assert!(PluginBytes::read(&file).unwrap().bytes.is_some());
    }
}
