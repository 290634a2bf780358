//! The `log` import, and the guest's stdout and stderr: both go to the worker's log with
//! target `wasmconnect::guest`, inside the calling task's span.

use std::sync::Arc;

use crate::bindings::{plugin, types};

/// What `log` needs: whose messages these are.
#[derive(Debug)]
pub(crate) struct LogCtx {
    pub(crate) connector: Arc<str>,
}

impl plugin::wasmconnect::connector::log::Host for LogCtx {
    fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Trace => tracing::Level::TRACE,
            types::LogLevel::Debug => tracing::Level::DEBUG,
            types::LogLevel::Info => tracing::Level::INFO,
            types::LogLevel::Warn => tracing::Level::WARN,
            types::LogLevel::Error => tracing::Level::ERROR,
        };
        guest_log(&self.connector, level, &message);
    }
}

/// Logs a guest's message (the `log` import, for components and native twins alike).
pub fn guest_log(connector: &str, level: tracing::Level, message: &str) {
    match level {
        tracing::Level::TRACE => {
            tracing::trace!(target: "wasmconnect::guest", connector, "{message}")
        }
        tracing::Level::DEBUG => {
            tracing::debug!(target: "wasmconnect::guest", connector, "{message}")
        }
        tracing::Level::INFO => {
            tracing::info!(target: "wasmconnect::guest", connector, "{message}")
        }
        tracing::Level::WARN => {
            tracing::warn!(target: "wasmconnect::guest", connector, "{message}")
        }
        tracing::Level::ERROR => {
            tracing::error!(target: "wasmconnect::guest", connector, "{message}")
        }
    }
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
