//! Native builds: a connector compiled for the host rather than `wasm32-wasip2` (its
//! "native twin", which benchmarks run next to the component to measure the sandbox). The
//! imports a component gets from the worker (log, offsets, the connector and sink contexts)
//! go to the [`Host`] that the calling program installs with [`with_host`] around each call.
//! Without one, logs go to stderr, offsets are empty and requests are dropped.

use std::cell::RefCell;
use std::rc::Rc;

use crate::log::Level;
use crate::{OffsetMap, PartitionOffset, TopicPartition};

/// What a connector asks of the worker, outside its return values.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `request_task_reconfiguration`.
    Reconfigure,
    /// `raise_error`.
    RaiseError(String),
    /// `SinkContext::pause`.
    Pause(Vec<TopicPartition>),
    /// `SinkContext::resume`.
    Resume(Vec<TopicPartition>),
    /// `SinkContext::reset_offsets`.
    Reset(Vec<PartitionOffset>),
    /// `SinkContext::request_commit`.
    Commit,
    /// `SinkContext::report`.
    Report {
        /// Topic of the errant record.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
        /// Why.
        error: String,
    },
}

/// The worker side of a native twin.
pub trait Host {
    /// `log`.
    fn log(&self, level: Level, message: &str);
    /// `offset-reader.offsets`.
    fn offsets(&self, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>>;
    /// Everything else the connector asks.
    fn request(&self, request: Request);
}

thread_local! {
    static HOST: RefCell<Option<Rc<dyn Host>>> = const { RefCell::new(None) };
}

/// Runs `f` (a call into connector code) with `host` serving its imports on this thread.
pub fn with_host<R>(host: Rc<dyn Host>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<dyn Host>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            HOST.with(|h| *h.borrow_mut() = previous);
        }
    }
    let _restore = Restore(HOST.with(|h| h.borrow_mut().replace(host)));
    f()
}

fn host() -> Option<Rc<dyn Host>> {
    HOST.with(|h| h.borrow().clone())
}

pub(crate) fn log(level: Level, message: &str) {
    match host() {
        Some(h) => h.log(level, message),
        None => eprintln!("{level:?}: {message}"),
    }
}

pub(crate) fn offsets(partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
    match host() {
        Some(h) => h.offsets(partitions),
        None => vec![None; partitions.len()],
    }
}

pub(crate) fn request(request: Request) {
    if let Some(h) = host() {
        h.request(request);
    }
}
