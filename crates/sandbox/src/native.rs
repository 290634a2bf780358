//! Native twins: a connector's own code built for the host and run without wasm, behind the
//! same instance types as components. Benchmarks load a component and its twin side by side
//! to measure what the sandbox costs on identical logic. A twin is trusted code: it has no
//! memory cap, deadline or capability checks. The worker binary loads none; a program that
//! links a connector's code registers it with `Herder::register_native`.

use std::sync::Arc;

use wasmconnect_data::OffsetMap;

use wasmconnect_config::{ConfigKey, ConfigValue, Props};

use super::instance::TaskCore;
use super::{ConnectError, OffsetReader, PluginKind, RecordAck, Requests, SandboxError};

/// ((topic, partition), offset).
type Offsets = Vec<((String, i32), i64)>;

/// Who a native plugin is (the `plugin-info` of a component).
#[derive(Debug, Clone)]
pub struct NativeInfo {
    /// Class name.
    pub class_name: String,
    /// Other accepted names.
    pub aliases: Vec<String>,
    /// Version.
    pub version: String,
    /// One-line description.
    pub description: String,
}

/// What the worker offers a native twin during a call: the imports a component gets.
#[derive(Debug)]
pub struct NativeContext {
    connector: Arc<str>,
    offsets: Option<Arc<dyn OffsetReader>>,
    requests: Requests,
}

impl NativeContext {
    pub(crate) fn new(connector: &str, offsets: Option<Arc<dyn OffsetReader>>) -> Self {
        Self {
            connector: connector.into(),
            offsets,
            requests: Requests::default(),
        }
    }

    /// `log`.
    pub fn log(&self, level: tracing::Level, message: &str) {
        super::guest_log(&self.connector, level, message);
    }

    /// `offset-reader.offsets` (sources).
    pub fn offsets(&self, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        match &self.offsets {
            Some(r) => r.offsets(&self.connector, partitions),
            None => vec![None; partitions.len()],
        }
    }

    /// The connector this context serves.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    /// The offset reader (sources), to hand to twin code that outlives a borrow.
    pub fn offset_reader(&self) -> Option<Arc<dyn OffsetReader>> {
        self.offsets.clone()
    }

    /// What the twin asks of the worker: `raise-error`, reconfiguration, the sink context.
    pub fn requests(&mut self) -> &mut Requests {
        &mut self.requests
    }
}

/// A connector's code linked into the host program.
pub trait NativePlugin: Send + Sync {
    /// `info`.
    fn info(&self) -> NativeInfo;
    /// Source or sink.
    fn kind(&self) -> PluginKind;
    /// `config-def`.
    fn config_def(&self) -> Vec<ConfigKey>;
    /// A fresh connector level.
    fn connector(&self) -> Box<dyn NativeConnector>;
    /// A fresh source task (sources only).
    fn source_task(&self) -> Box<dyn NativeSourceTask>;
    /// A fresh sink task (sinks only).
    fn sink_task(&self) -> Box<dyn NativeSinkTask>;
}

/// The connector level of a twin.
#[allow(missing_docs, reason = "the `connector` interface of the WIT contract")]
pub trait NativeConnector: Send {
    fn validate(&mut self, cx: &mut NativeContext, config: &Props) -> Vec<ConfigValue>;
    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<(), ConnectError>;
    fn task_configs(
        &mut self,
        cx: &mut NativeContext,
        max_tasks: u32,
    ) -> Result<Vec<Props>, ConnectError>;
    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError>;
}

/// A source task of a twin; `poll` returns the encoded batch, as a component does.
#[allow(
    missing_docs,
    reason = "the `source-task` interface of the WIT contract"
)]
pub trait NativeSourceTask: Send {
    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<bool, ConnectError>;
    fn poll(&mut self, cx: &mut NativeContext) -> Result<Vec<u8>, ConnectError>;
    fn commit(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError>;
    fn commit_records(
        &mut self,
        cx: &mut NativeContext,
        acks: &[RecordAck],
    ) -> Result<(), ConnectError>;
    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError>;
}

/// A sink task of a twin; `put` takes the encoded batch, as a component does.
#[allow(missing_docs, reason = "the `sink-task` interface of the WIT contract")]
pub trait NativeSinkTask: Send {
    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<(), ConnectError>;
    fn open(
        &mut self,
        cx: &mut NativeContext,
        partitions: &[(String, i32)],
    ) -> Result<(), ConnectError>;
    fn put(&mut self, cx: &mut NativeContext, batch: &[u8]) -> Result<(), ConnectError>;
    fn pre_commit(
        &mut self,
        cx: &mut NativeContext,
        current: &[((String, i32), i64)],
    ) -> Result<Offsets, ConnectError>;
    fn close(
        &mut self,
        cx: &mut NativeContext,
        partitions: &[(String, i32)],
    ) -> Result<(), ConnectError>;
    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError>;
}

/// Runs twin code; a panic becomes a trap-like failure, as in a component.
fn guard<T>(f: impl FnOnce() -> Result<T, ConnectError>) -> Result<T, SandboxError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(SandboxError::Guest),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "panic".into());
            Err(SandboxError::Trap {
                message: format!("native twin panicked: {message}"),
                trace: message,
            })
        }
    }
}

/// A twin's code with the context its calls get, and the number of calls made.
pub(crate) struct NativeTask<T: ?Sized> {
    inner: Box<T>,
    cx: NativeContext,
    calls: u64,
}

impl<T: ?Sized> std::fmt::Debug for NativeTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeTask")
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// The connector level of a twin, as an instance.
pub(crate) type NativeConnectorInstance = NativeTask<dyn NativeConnector>;

impl NativeConnectorInstance {
    pub(crate) fn new_connector(inner: Box<dyn NativeConnector>, name: &str) -> Self {
        NativeTask::new(inner, NativeContext::new(name, None))
    }
}

impl<T: ?Sized> NativeTask<T> {
    pub(crate) fn new(inner: Box<T>, cx: NativeContext) -> Self {
        Self {
            inner,
            cx,
            calls: 0,
        }
    }

    /// One call into the twin's code, counted; a panic fails it as a trap would.
    pub(crate) fn call<R>(
        &mut self,
        f: impl FnOnce(&mut T, &mut NativeContext) -> Result<R, ConnectError>,
    ) -> Result<R, SandboxError> {
        self.calls += 1;
        guard(|| f(&mut self.inner, &mut self.cx))
    }

    pub(crate) fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.cx.requests)
    }
}

/// What stops a twin's task, of either kind.
pub(crate) trait StopTask: Send {
    fn stop_task(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError>;
}

impl StopTask for dyn NativeSourceTask + '_ {
    fn stop_task(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        self.stop(cx)
    }
}

impl StopTask for dyn NativeSinkTask + '_ {
    fn stop_task(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        self.stop(cx)
    }
}

impl<T: ?Sized + StopTask> TaskCore for NativeTask<T> {
    fn take_requests(&mut self) -> Requests {
        NativeTask::take_requests(self)
    }

    fn host_resources(&mut self) -> usize {
        0
    }

    fn set_call_timeout(&mut self, _timeout: std::time::Duration) {}

    fn usage(&self) -> (u64, u64) {
        (0, self.calls)
    }

    /// A twin has no resource to release: its task is told to stop and kept.
    async fn renew(&mut self) -> Result<(), SandboxError> {
        guard(|| self.inner.stop_task(&mut self.cx))
    }

    async fn stop(mut self) -> Result<(), SandboxError> {
        guard(|| self.inner.stop_task(&mut self.cx))
    }
}
