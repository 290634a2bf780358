//! Kafka Connect's three backing stores, behind traits: connector and task configurations
//! with target states ([`ConfigBackingStore`]), source offsets ([`OffsetBackingStore`]),
//! and connector and task statuses ([`StatusBackingStore`]).
//!
//! The herder and the worker see only the traits. Standalone mode keeps configurations and
//! statuses in memory ([`MemoryConfigStore`], [`MemoryStatusStore`]) and source offsets in
//! `offset.storage.file.filename` ([`FileOffsetStore`]); distributed mode keeps all three in
//! Kafka's internal topics. Reads answer from what the store holds, so they are never slow;
//! writes are async, as a write to a topic waits for the broker.

mod file;
mod memory;

use std::path::PathBuf;
use std::sync::Arc;

use wasmconnect_api::{ConnectorTaskId, State};
use wasmconnect_config::Props;
use wasmconnect_data::OffsetMap;

pub use file::FileOffsetStore;
pub use memory::{MemoryConfigStore, MemoryOffsetStore, MemoryStatusStore};

/// Why a store could not read or write.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file (or its directory) cannot be read or written.
    #[error("cannot {action} offset file {}: {source}", path.display())]
    Io {
        /// What was being done: `read`, `write`, …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Arc<std::io::Error>,
    },
    /// A file is not what this store writes.
    #[error("offset file {} is corrupt: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What a connector is asked to be (Kafka Connect's `TargetState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TargetState {
    /// Running.
    #[default]
    Started,
    /// Paused: its tasks stay, but process nothing.
    Paused,
}

/// One connector as the config store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorEntry {
    /// Its configuration as given.
    pub config: Props,
    /// What it is asked to be.
    pub target: TargetState,
    /// Its task configurations, as its `task-configs` last returned them.
    pub tasks: Vec<Props>,
}

/// Connector configurations, task configurations and target states
/// (Kafka Connect's `ConfigBackingStore`).
#[async_trait::async_trait]
pub trait ConfigBackingStore: Send + Sync + std::fmt::Debug {
    /// Every connector's name, sorted.
    fn connectors(&self) -> Vec<String>;
    /// A connector's entry.
    fn get(&self, connector: &str) -> Option<ConnectorEntry>;
    /// Stores a connector's configuration and target state, keeping its task configs.
    async fn put_connector_config(
        &self,
        connector: &str,
        config: Props,
        target: TargetState,
    ) -> Result<(), StoreError>;
    /// Stores a connector's task configurations.
    async fn put_task_configs(&self, connector: &str, tasks: Vec<Props>) -> Result<(), StoreError>;
    /// Stores a connector's target state.
    async fn put_target_state(
        &self,
        connector: &str,
        target: TargetState,
    ) -> Result<(), StoreError>;
    /// Forgets a connector: its configuration, task configurations and target state.
    async fn remove_connector(&self, connector: &str) -> Result<(), StoreError>;
}

/// Committed source offsets by connector and source partition
/// (Kafka Connect's `OffsetBackingStore`).
#[async_trait::async_trait]
pub trait OffsetBackingStore: Send + Sync + std::fmt::Debug {
    /// The last offset committed for `partition` of `connector`, if any.
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap>;
    /// Every `(partition, offset)` committed for `connector`.
    fn connector_offsets(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)>;
    /// Commits `(partition, offset)` pairs of `connector` durably; later pairs for the same
    /// partition win.
    async fn commit(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, OffsetMap)>,
    ) -> Result<(), StoreError>;
}

/// A connector's or task's status as stored (Kafka Connect's `AbstractStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The state.
    pub state: State,
    /// Why it failed.
    pub trace: Option<String>,
    /// The worker it runs on.
    pub worker_id: String,
    /// Which start of it this is: a status of an older start (a task that was replaced but
    /// had not stopped yet) never overwrites a newer one.
    pub generation: u64,
}

impl Status {
    /// A status without a trace.
    pub fn new(state: State, worker_id: &str, generation: u64) -> Self {
        Self {
            state,
            trace: None,
            worker_id: worker_id.to_owned(),
            generation,
        }
    }

    /// A FAILED status: `message`, then `trace` on the next lines unless `message` holds it.
    pub fn failed(message: &str, trace: &str, worker_id: &str, generation: u64) -> Self {
        let trace = if trace.is_empty() || message.contains(trace) {
            message.to_string()
        } else {
            format!("{message}\n{trace}")
        };
        Self {
            state: State::Failed,
            trace: Some(trace),
            worker_id: worker_id.to_owned(),
            generation,
        }
    }
}

/// Connector and task statuses (Kafka Connect's `StatusBackingStore`).
pub trait StatusBackingStore: Send + Sync + std::fmt::Debug {
    /// Stores a connector's status, unless a newer generation's is stored.
    fn put_connector(&self, connector: &str, status: Status);
    /// Stores a task's status, unless a newer generation's is stored.
    fn put_task(&self, id: &ConnectorTaskId, status: Status);
    /// A connector's status.
    fn connector(&self, connector: &str) -> Option<Status>;
    /// A task's status.
    fn task(&self, id: &ConnectorTaskId) -> Option<Status>;
    /// Forgets the statuses of `connector`'s tasks from number `from` on (after a
    /// reconfiguration left it fewer tasks).
    fn remove_tasks(&self, connector: &str, from: u32);
    /// Forgets a connector's status and its tasks'.
    fn remove_connector(&self, connector: &str);
}
