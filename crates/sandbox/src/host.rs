//! The per-Store state: one context per WIT interface a connector imports, each with its
//! `Host` implementation and added to the linker on its own (the shape of wasmtime's WASI
//! crates and Spin's host factors: a context, its `Host` impl, an `add_to_linker`).
//!
//! - `grants`: WASI (the directories a connector may open, its stdout and stderr);
//! - `log`: `log`, and the guest's output into the worker's log;
//! - `connector_context`: `connector-context` (`request-task-reconfiguration`, `raise-error`);
//! - `offset_reader`: `offset-reader`, answering for the store's connector only;
//! - `sink_context`: `sink-context` (pause, resume, reset, commit, report);
//! - `limits`: the memory cap (the call deadline sits in `HostState` for the epoch callback).

mod connector_context;
mod grants;
mod limits;
mod log;
mod offset_reader;
mod sink_context;

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::WasiCtx;

pub(crate) use log::GuestOutput;
pub use log::guest_log;
pub use offset_reader::OffsetReader;

use super::bindings::{plugin, sink, source, types};
use super::{Limits, SandboxError};
use connector_context::ConnectorContextCtx;
use limits::MemoryLimiter;
use log::LogCtx;
use offset_reader::OffsetReaderCtx;
use sink_context::SinkContextCtx;

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

/// The data of one Store: one connector or one task instance.
pub(crate) struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: MemoryLimiter,
    log: LogCtx,
    connector_context: ConnectorContextCtx,
    offset_reader: OffsetReaderCtx,
    sink_context: SinkContextCtx,
    /// When the current guest call started, for the epoch deadline.
    pub(crate) call_started: Instant,
    pub(crate) call_timeout: Duration,
    /// The guest's stdout and stderr.
    pub(crate) output: GuestOutput,
}

impl HostState {
    /// The state of an instance of `connector` with `limits`; a source task's reads its
    /// committed offsets from `offsets`.
    pub(crate) fn new(
        limits: &Limits,
        connector: Arc<str>,
        offsets: Option<Arc<dyn OffsetReader>>,
    ) -> Result<Self, SandboxError> {
        let output = GuestOutput::default();
        let wasi = grants::wasi(&limits.dirs, &output).map_err(SandboxError::Io)?;
        Ok(Self {
            wasi,
            table: ResourceTable::new(),
            limits: MemoryLimiter {
                max: usize::try_from(limits.memory_max_bytes).unwrap_or(usize::MAX),
                used: 0,
            },
            log: LogCtx {
                connector: connector.clone(),
            },
            connector_context: ConnectorContextCtx::default(),
            offset_reader: OffsetReaderCtx {
                connector,
                reader: offsets,
            },
            sink_context: SinkContextCtx::default(),
            call_started: Instant::now(),
            call_timeout: limits.call_timeout,
            output,
        })
    }

    /// What the guest asked of the worker since the last call to this.
    pub(crate) fn take_requests(&mut self) -> Requests {
        let c = std::mem::take(&mut self.connector_context);
        let s = std::mem::take(&mut self.sink_context);
        Requests {
            reconfigure: c.reconfigure,
            errors: c.errors,
            pause: s.pause,
            resume: s.resume,
            reset: s.reset,
            commit: s.commit,
            reported: s.reported,
        }
    }
}

impl types::Host for HostState {}

/// Adds every import a connector may have, each served by its own context.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    use plugin::wasmconnect::connector::{connector_context, log};
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    types::add_to_linker::<_, HasSelf<HostState>>(linker, |s| s)?;
    log::add_to_linker::<_, HasSelf<LogCtx>>(linker, |s| &mut s.log)?;
    connector_context::add_to_linker::<_, HasSelf<ConnectorContextCtx>>(linker, |s| {
        &mut s.connector_context
    })?;
    source::wasmconnect::connector::offset_reader::add_to_linker::<_, HasSelf<OffsetReaderCtx>>(
        linker,
        |s| &mut s.offset_reader,
    )?;
    sink::wasmconnect::connector::sink_context::add_to_linker::<_, HasSelf<SinkContextCtx>>(
        linker,
        |s| &mut s.sink_context,
    )?;
    Ok(())
}
