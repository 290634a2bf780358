//! The per-Store state and the host imports a connector sees.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmconnect_data::{OffsetMap, OffsetValue};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{plugin, sink, source, types};

/// Answers `offset-reader.offsets` for one connector (standalone: the offsets file).
pub trait OffsetReader: Send + Sync + std::fmt::Debug {
    /// The committed source offset of each partition of `connector`, in order.
    fn offsets(&self, connector: &str, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>>;
}

/// What a guest asked of the worker during its last calls; the worker drains it.
#[derive(Debug, Default)]
pub struct Requests {
    /// `connector-context.request-task-reconfiguration` was called.
    pub reconfigure: bool,
    /// `connector-context.raise-error` messages.
    pub errors: Vec<String>,
    /// `sink-context.pause` partitions, as (topic, partition).
    pub pause: Vec<(String, i32)>,
    /// `sink-context.resume` partitions.
    pub resume: Vec<(String, i32)>,
    /// `sink-context.reset-offsets`: ((topic, partition), offset).
    pub reset: Vec<((String, i32), i64)>,
    /// `sink-context.request-commit` was called.
    pub commit: bool,
    /// `sink-context.report`: (partition, offset, error).
    pub reported: Vec<((String, i32), i64, String)>,
}

/// Caps an instance's linear memory (`wasm.memory.max.bytes`, all memories together) and
/// keeps the current total, which drives instance recycling. Memories only grow.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    pub(crate) max: usize,
    pub(crate) used: usize,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let after = self.used - current.min(self.used) + desired;
        if after > self.max {
            // The same wording as wasmtime's own limiter; `SandboxError::trap` looks for it.
            return Err(wasmtime::Error::msg(format!(
                "forcing trap when growing memory to {after} bytes"
            )));
        }
        self.used = after;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// The data of one Store: one connector or one task instance.
pub(crate) struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: MemoryLimiter,
    pub(crate) connector: Arc<str>,
    pub(crate) offsets: Option<Arc<dyn OffsetReader>>,
    pub(crate) requests: Requests,
    /// When the current guest call started, for the epoch deadline.
    pub(crate) call_started: Instant,
    pub(crate) call_timeout: Duration,
    /// The guest's stdout and stderr.
    pub(crate) output: GuestOutput,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl plugin::wasmconnect::connector::log::Host for HostState {
    fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Trace => tracing::Level::TRACE,
            types::LogLevel::Debug => tracing::Level::DEBUG,
            types::LogLevel::Info => tracing::Level::INFO,
            types::LogLevel::Warn => tracing::Level::WARN,
            types::LogLevel::Error => tracing::Level::ERROR,
        };
        super::guest_log(&self.connector, level, &message);
    }
}

impl types::Host for HostState {}

impl plugin::wasmconnect::connector::connector_context::Host for HostState {
    fn request_task_reconfiguration(&mut self) {
        self.requests.reconfigure = true;
    }

    fn raise_error(&mut self, message: String) {
        self.requests.errors.push(message);
    }
}

impl source::wasmconnect::connector::offset_reader::Host for HostState {
    fn offsets(&mut self, partitions: Vec<types::OffsetMap>) -> Vec<Option<types::OffsetMap>> {
        let Some(reader) = &self.offsets else {
            return vec![None; partitions.len()];
        };
        let wanted: Vec<OffsetMap> = partitions.into_iter().map(offset_map_from_wit).collect();
        reader
            .offsets(&self.connector, &wanted)
            .into_iter()
            .map(|o| o.map(offset_map_to_wit))
            .collect()
    }
}

impl sink::wasmconnect::connector::sink_context::Host for HostState {
    fn pause(&mut self, partitions: Vec<types::TopicPartition>) {
        self.requests
            .pause
            .extend(partitions.into_iter().map(|tp| (tp.topic, tp.partition)));
    }

    fn resume(&mut self, partitions: Vec<types::TopicPartition>) {
        self.requests
            .resume
            .extend(partitions.into_iter().map(|tp| (tp.topic, tp.partition)));
    }

    fn reset_offsets(&mut self, offsets: Vec<types::PartitionOffset>) {
        self.requests.reset.extend(
            offsets
                .into_iter()
                .map(|po| ((po.topic, po.partition), po.offset)),
        );
    }

    fn request_commit(&mut self) {
        self.requests.commit = true;
    }

    fn report(&mut self, record: types::PartitionOffset, error: String) {
        self.requests
            .reported
            .push(((record.topic, record.partition), record.offset, error));
    }
}

/// WIT offset map to the data model's.
pub(crate) fn offset_map_from_wit(map: types::OffsetMap) -> OffsetMap {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                types::OffsetValue::Null => OffsetValue::Null,
                types::OffsetValue::Boolean(b) => OffsetValue::Boolean(b),
                types::OffsetValue::Int64(i) => OffsetValue::Int64(i),
                types::OffsetValue::Float64(f) => OffsetValue::Float64(f),
                types::OffsetValue::String(s) => OffsetValue::String(s),
                types::OffsetValue::Bytes(b) => OffsetValue::Bytes(b),
            };
            (k, v)
        })
        .collect()
}

/// The data model's offset map to WIT's.
pub(crate) fn offset_map_to_wit(map: OffsetMap) -> types::OffsetMap {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                OffsetValue::Null => types::OffsetValue::Null,
                OffsetValue::Boolean(b) => types::OffsetValue::Boolean(b),
                OffsetValue::Int64(i) => types::OffsetValue::Int64(i),
                OffsetValue::Float64(f) => types::OffsetValue::Float64(f),
                OffsetValue::String(s) => types::OffsetValue::String(s),
                OffsetValue::Bytes(b) => types::OffsetValue::Bytes(b),
            };
            (k, v)
        })
        .collect()
}

/// A guest's stdout/stderr: each line goes to the log (target `wasmconnect::guest`) and the
/// last few KiB are kept, so a panic message can join the trace of a FAILED task.
#[derive(Debug, Clone, Default)]
pub(crate) struct GuestOutput {
    tail: Arc<std::sync::Mutex<std::collections::VecDeque<u8>>>,
}

/// Bytes of guest output kept for failure traces.
const OUTPUT_TAIL: usize = 4096;

impl GuestOutput {
    /// The kept tail, as text.
    pub(crate) fn tail(&self) -> String {
        let tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        let bytes: Vec<u8> = tail.iter().copied().collect();
        String::from_utf8_lossy(&bytes).trim_end().to_string()
    }
}

impl wasmtime_wasi::cli::IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl wasmtime_wasi::cli::StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        for line in String::from_utf8_lossy(buf).lines() {
            if !line.trim().is_empty() {
                tracing::info!(target: "wasmconnect::guest", "{line}");
            }
        }
        let mut tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        tail.extend(buf.iter().copied());
        let excess = tail.len().saturating_sub(OUTPUT_TAIL);
        tail.drain(..excess);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
