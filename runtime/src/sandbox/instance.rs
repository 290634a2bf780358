//! Live instances: the connector level and the two task kinds. Each owns its `Store`; a
//! trap poisons it, so after any `SandboxError::Trap` the instance must be dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::bindings::{plugin, sink, source, types};
use super::host::HostState;
use super::{
    ConfigValue, Limits, OffsetReader, Plugin, PluginKind, Requests, Sandbox, SandboxError,
    begin_call, config_to_wit,
};

type Props = BTreeMap<String, String>;

/// Calls a method of the task resource with the call deadline armed; a trap becomes
/// `SandboxError::Trap` with the guest's last output.
macro_rules! task_call {
    ($self:ident, $iface:ident, $method:ident $(, $arg:expr)*) => {{
        begin_call(&mut $self.store);
        $self.calls += 1;
        $self
            .bindings
            .$iface()
            .task()
            .$method(&mut $self.store, $self.task $(, $arg)*)
            .await
            .map_err(|e| SandboxError::trap_in(&$self.store, e))
    }};
}

/// Calls a function of the `connector` export, like `task_call!`.
macro_rules! connector_call {
    ($self:ident, $method:ident $(, $arg:expr)*) => {{
        begin_call(&mut $self.store);
        $self
            .bindings
            .wasmconnect_connector_connector()
            .$method(&mut $self.store $(, $arg)*)
            .await
            .map_err(|e| SandboxError::trap_in(&$self.store, e))
    }};
}

fn guest<T>(r: Result<T, types::ConnectError>) -> Result<T, SandboxError> {
    r.map_err(|e| SandboxError::Guest(e.into()))
}

/// The connector-level instance of a plugin (`Connector`).
pub struct ConnectorInstance {
    store: Store<HostState>,
    bindings: plugin::Plugin,
}

impl std::fmt::Debug for ConnectorInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorInstance").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Instantiates the connector level of `plugin` for connector `name`.
    pub async fn connector(
        &self,
        plugin: &Plugin,
        name: &str,
        limits: &Limits,
    ) -> Result<ConnectorInstance, SandboxError> {
        let mut store = self.store(limits, name.into(), None)?;
        let pre = plugin::PluginPre::new(plugin.pre.clone())
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        Ok(ConnectorInstance { store, bindings })
    }

    /// Instantiates and constructs one source task of `plugin`.
    pub async fn source_task(
        &self,
        plugin: &Plugin,
        connector: &str,
        limits: &Limits,
        offsets: Arc<dyn OffsetReader>,
    ) -> Result<SourceTaskInstance, SandboxError> {
        if plugin.kind != PluginKind::Source {
            return Err(SandboxError::NotAPlugin(format!(
                "{} is not a source",
                plugin.class_name
            )));
        }
        let started = std::time::Instant::now();
        let mut store = self.store(limits, connector.into(), Some(offsets))?;
        let pre = source::SourceConnectorPre::new(plugin.pre.clone())
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        begin_call(&mut store);
        let task = bindings
            .wasmconnect_connector_source_task()
            .task()
            .call_constructor(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            "source task instantiated"
        );
        Ok(SourceTaskInstance {
            store,
            bindings,
            task,
            poll_seq: 0,
            calls: 0,
        })
    }

    /// Instantiates and constructs one sink task of `plugin`.
    pub async fn sink_task(
        &self,
        plugin: &Plugin,
        connector: &str,
        limits: &Limits,
    ) -> Result<SinkTaskInstance, SandboxError> {
        if plugin.kind != PluginKind::Sink {
            return Err(SandboxError::NotAPlugin(format!(
                "{} is not a sink",
                plugin.class_name
            )));
        }
        let started = std::time::Instant::now();
        let mut store = self.store(limits, connector.into(), None)?;
        let pre = sink::SinkConnectorPre::new(plugin.pre.clone())
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        begin_call(&mut store);
        let task = bindings
            .wasmconnect_connector_sink_task()
            .task()
            .call_constructor(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            "sink task instantiated"
        );
        Ok(SinkTaskInstance {
            store,
            bindings,
            task,
            calls: 0,
        })
    }
}

impl ConnectorInstance {
    /// `connector.validate`.
    pub async fn validate(&mut self, config: &Props) -> Result<Vec<ConfigValue>, SandboxError> {
        let values = connector_call!(self, call_validate, &config_to_wit(config))?;
        Ok(values
            .into_iter()
            .map(|v| ConfigValue {
                name: v.name,
                value: v.value,
                recommended_values: v.recommended_values,
                errors: v.errors,
                visible: v.visible,
            })
            .collect())
    }

    /// `connector.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        let r = connector_call!(self, call_start, &config_to_wit(config))?;
        guest(r)
    }

    /// `connector.task-configs`.
    pub async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        let r = connector_call!(self, call_task_configs, max_tasks)?;
        let configs = guest(r)?;
        if configs.len() > max_tasks as usize {
            return Err(SandboxError::Contract(format!(
                "task-configs returned {} configs for tasks.max={max_tasks}",
                configs.len()
            )));
        }
        Ok(configs
            .into_iter()
            .map(|c| c.into_iter().collect())
            .collect())
    }

    /// `connector.stop`.
    pub async fn stop(&mut self) -> Result<(), SandboxError> {
        let r = connector_call!(self, call_stop)?;
        guest(r)
    }

    /// What the connector asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }
}

/// One source task instance.
pub struct SourceTaskInstance {
    store: Store<HostState>,
    bindings: source::SourceConnector,
    task: ResourceAny,
    poll_seq: u64,
    calls: u64,
}

impl std::fmt::Debug for SourceTaskInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceTaskInstance")
            .field("poll_seq", &self.poll_seq)
            .finish_non_exhaustive()
    }
}

/// Acknowledgement of one polled record, for `commit-records`.
#[derive(Debug, Clone)]
pub struct RecordAck {
    /// The poll it came from.
    pub poll_seq: u64,
    /// Its index in that batch.
    pub index: u32,
    /// Where it was written: (topic, partition, offset, timestamp); `None` if dropped.
    pub metadata: Option<(String, i32, i64, Option<i64>)>,
}

impl SourceTaskInstance {
    /// `task.start`; returns whether the task wants `commit-records`.
    pub async fn start(&mut self, config: &Props) -> Result<bool, SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_source_task,
            call_start,
            &config_to_wit(config)
        )?;
        Ok(guest(r)?.commit_record)
    }

    /// `task.poll`: the encoded batch and its poll sequence number.
    pub async fn poll(&mut self) -> Result<(u64, Vec<u8>), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_poll)?;
        let batch = guest(r)?;
        let seq = self.poll_seq;
        self.poll_seq += 1;
        Ok((seq, batch))
    }

    /// `task.commit`.
    pub async fn commit(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_commit)?;
        guest(r)
    }

    /// `task.commit-records`.
    pub async fn commit_records(&mut self, acks: Vec<RecordAck>) -> Result<(), SandboxError> {
        let acks: Vec<types::RecordAck> = acks
            .into_iter()
            .map(|a| types::RecordAck {
                poll_seq: a.poll_seq,
                index: a.index,
                metadata: a.metadata.map(|(topic, partition, offset, timestamp)| {
                    types::RecordMetadata {
                        topic,
                        partition,
                        offset,
                        timestamp,
                    }
                }),
            })
            .collect();
        let r = task_call!(
            self,
            wasmconnect_connector_source_task,
            call_commit_records,
            &acks
        )?;
        guest(r)
    }

    /// `task.stop`, then releases the resource.
    pub async fn stop(mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_stop)?;
        begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        guest(r)
    }

    /// What the task asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }

    /// Stops and releases the task resource, then constructs a fresh one in the same
    /// instance (the conformance kit checks that handles do not pile up).
    pub async fn renew(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_stop)?;
        guest(r)?;
        begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        begin_call(&mut self.store);
        self.task = self
            .bindings
            .wasmconnect_connector_source_task()
            .task()
            .call_constructor(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        Ok(())
    }

    /// Host resources (streams, descriptors, …) the instance holds now.
    pub fn host_resources(&mut self) -> usize {
        self.store.data_mut().table.iter_mut().count()
    }

    /// Changes the deadline of later calls (the conformance kit tests an expired one).
    pub fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        self.store.data_mut().call_timeout = timeout;
    }

    /// Linear memory in use (all memories) and guest calls made, for recycling and metrics.
    pub fn usage(&self) -> (u64, u64) {
        (self.store.data().limits.used as u64, self.calls)
    }
}

/// One sink task instance.
pub struct SinkTaskInstance {
    store: Store<HostState>,
    bindings: sink::SinkConnector,
    task: ResourceAny,
    calls: u64,
}

impl std::fmt::Debug for SinkTaskInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkTaskInstance").finish_non_exhaustive()
    }
}

fn tps(partitions: &[(String, i32)]) -> Vec<types::TopicPartition> {
    partitions
        .iter()
        .map(|(topic, partition)| types::TopicPartition {
            topic: topic.clone(),
            partition: *partition,
        })
        .collect()
}

impl SinkTaskInstance {
    /// `task.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_start,
            &config_to_wit(config)
        )?;
        guest(r)
    }

    /// `task.open`.
    pub async fn open(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_open,
            &tps(partitions)
        )?;
        guest(r)
    }

    /// `task.put` with an encoded batch.
    #[allow(clippy::ptr_arg, reason = "the generated binding takes &Vec<u8>")]
    pub async fn put(&mut self, batch: &Vec<u8>) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_put, batch)?;
        guest(r)
    }

    /// `task.pre-commit`: offsets safe to commit.
    pub async fn pre_commit(
        &mut self,
        current: &[((String, i32), i64)],
    ) -> Result<Vec<((String, i32), i64)>, SandboxError> {
        let current: Vec<types::PartitionOffset> = current
            .iter()
            .map(|((topic, partition), offset)| types::PartitionOffset {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
            })
            .collect();
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_pre_commit,
            &current
        )?;
        Ok(guest(r)?
            .into_iter()
            .map(|po| ((po.topic, po.partition), po.offset))
            .collect())
    }

    /// `task.close`.
    pub async fn close(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_close,
            &tps(partitions)
        )?;
        guest(r)
    }

    /// `task.stop`, then releases the resource.
    pub async fn stop(mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_stop)?;
        begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        guest(r)
    }

    /// What the task asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }

    /// Stops and releases the task resource, then constructs a fresh one in the same
    /// instance (the conformance kit checks that handles do not pile up).
    pub async fn renew(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_stop)?;
        guest(r)?;
        begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        begin_call(&mut self.store);
        self.task = self
            .bindings
            .wasmconnect_connector_sink_task()
            .task()
            .call_constructor(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        Ok(())
    }

    /// Host resources (streams, descriptors, …) the instance holds now.
    pub fn host_resources(&mut self) -> usize {
        self.store.data_mut().table.iter_mut().count()
    }

    /// Changes the deadline of later calls (the conformance kit tests an expired one).
    pub fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        self.store.data_mut().call_timeout = timeout;
    }

    /// Linear memory in use (all memories) and guest calls made, for recycling and metrics.
    pub fn usage(&self) -> (u64, u64) {
        (self.store.data().limits.used as u64, self.calls)
    }
}
