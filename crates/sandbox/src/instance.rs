//! Live instances: the connector level and the two task kinds. Each owns its `Store`; a
//! trap poisons it, so after any `SandboxError::Trap` the instance must be dropped.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::bindings::{plugin, sink, source, types};
use super::host::HostState;
use wasmconnect_config::{ConfigValue, Props};

use super::{
    Limits, OffsetReader, Plugin, PluginKind, Requests, Sandbox, SandboxError, begin_call,
    config_to_wit,
};

/// Calls a method of the task resource with the call deadline armed; a trap becomes
/// `SandboxError::Trap` with the guest's last output.
macro_rules! task_call {
    ($self:ident, $iface:ident, $method:ident $(, $arg:expr)*) => {{
        let _call = begin_call(&mut $self.store);
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
        let _call = begin_call(&mut $self.store);
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
pub(crate) struct WasmConnector {
    store: Store<HostState>,
    bindings: plugin::Plugin,
}

impl std::fmt::Debug for WasmConnector {
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
        if let Some(native) = &plugin.native {
            return Ok(ConnectorInstance(ConnectorImpl::Native(
                super::native::NativeConnectorInstance::new(native.connector(), name),
            )));
        }
        let mut store = self.store(limits, name.into(), None)?;
        let pre = plugin::PluginPre::new(plugin.wasm_pre()?)
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        let _call = begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        Ok(ConnectorInstance(ConnectorImpl::Wasm(WasmConnector {
            store,
            bindings,
        })))
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
        if let Some(native) = &plugin.native {
            return Ok(SourceTaskInstance(SourceImpl::Native(
                super::native::NativeSourceInstance::new(native.source_task(), connector, offsets),
            )));
        }
        let started = std::time::Instant::now();
        let mut store = self.store(limits, connector.into(), Some(offsets))?;
        let pre = source::SourceConnectorPre::new(plugin.wasm_pre()?)
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        let _call = begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        let _call = begin_call(&mut store);
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
        Ok(SourceTaskInstance(SourceImpl::Wasm(WasmSource {
            store,
            bindings,
            task,
            poll_seq: 0,
            calls: 0,
        })))
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
        if let Some(native) = &plugin.native {
            return Ok(SinkTaskInstance(SinkImpl::Native(
                super::native::NativeSinkInstance::new(native.sink_task(), connector),
            )));
        }
        let started = std::time::Instant::now();
        let mut store = self.store(limits, connector.into(), None)?;
        let pre = sink::SinkConnectorPre::new(plugin.wasm_pre()?)
            .map_err(|e| SandboxError::NotAPlugin(format!("{e:#}")))?;
        let _call = begin_call(&mut store);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        let _call = begin_call(&mut store);
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
        Ok(SinkTaskInstance(SinkImpl::Wasm(WasmSink {
            store,
            bindings,
            task,
            calls: 0,
        })))
    }
}

impl WasmConnector {
    /// `connector.validate`.
    pub(crate) async fn validate(
        &mut self,
        config: &Props,
    ) -> Result<Vec<ConfigValue>, SandboxError> {
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
    pub(crate) async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        let r = connector_call!(self, call_start, &config_to_wit(config))?;
        guest(r)
    }

    /// `connector.task-configs`.
    pub(crate) async fn task_configs(
        &mut self,
        max_tasks: u32,
    ) -> Result<Vec<Props>, SandboxError> {
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
    pub(crate) async fn stop(&mut self) -> Result<(), SandboxError> {
        let r = connector_call!(self, call_stop)?;
        guest(r)
    }

    /// What the connector asked of the worker since the last call to this.
    pub(crate) fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }
}

/// One source task instance.
pub(crate) struct WasmSource {
    store: Store<HostState>,
    bindings: source::SourceConnector,
    task: ResourceAny,
    poll_seq: u64,
    calls: u64,
}

impl std::fmt::Debug for WasmSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmSource")
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

impl WasmSource {
    /// `task.start`; returns whether the task wants `commit-records`.
    pub(crate) async fn start(&mut self, config: &Props) -> Result<bool, SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_source_task,
            call_start,
            &config_to_wit(config)
        )?;
        Ok(guest(r)?.commit_record)
    }

    /// `task.poll`: the encoded batch and its poll sequence number.
    pub(crate) async fn poll(&mut self) -> Result<(u64, Vec<u8>), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_poll)?;
        let batch = guest(r)?;
        let seq = self.poll_seq;
        self.poll_seq += 1;
        Ok((seq, batch))
    }

    /// `task.commit`.
    pub(crate) async fn commit(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_commit)?;
        guest(r)
    }

    /// `task.commit-records`.
    pub(crate) async fn commit_records(
        &mut self,
        acks: Vec<RecordAck>,
    ) -> Result<(), SandboxError> {
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
    pub(crate) async fn stop(mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_stop)?;
        let _call = begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        guest(r)
    }

    /// What the task asked of the worker since the last call to this.
    pub(crate) fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }

    /// Stops and releases the task resource, then constructs a fresh one in the same
    /// instance (the conformance kit checks that handles do not pile up).
    pub(crate) async fn renew(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_source_task, call_stop)?;
        guest(r)?;
        let _call = begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        let _call = begin_call(&mut self.store);
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
    pub(crate) fn host_resources(&mut self) -> usize {
        self.store.data_mut().table.iter_mut().count()
    }

    /// Changes the deadline of later calls (the conformance kit tests an expired one).
    pub(crate) fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        self.store.data_mut().call_timeout = timeout;
    }

    /// Linear memory in use (all memories) and guest calls made, for recycling and metrics.
    pub(crate) fn usage(&self) -> (u64, u64) {
        (self.store.data().limits.used as u64, self.calls)
    }
}

/// One sink task instance.
pub(crate) struct WasmSink {
    store: Store<HostState>,
    bindings: sink::SinkConnector,
    task: ResourceAny,
    calls: u64,
}

impl std::fmt::Debug for WasmSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmSink").finish_non_exhaustive()
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

impl WasmSink {
    /// `task.start`.
    pub(crate) async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_start,
            &config_to_wit(config)
        )?;
        guest(r)
    }

    /// `task.open`.
    pub(crate) async fn open(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
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
    pub(crate) async fn put(&mut self, batch: &Vec<u8>) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_put, batch)?;
        guest(r)
    }

    /// `task.pre-commit`: offsets safe to commit.
    pub(crate) async fn pre_commit(
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
    pub(crate) async fn close(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        let r = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_close,
            &tps(partitions)
        )?;
        guest(r)
    }

    /// `task.stop`, then releases the resource.
    pub(crate) async fn stop(mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_stop)?;
        let _call = begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        guest(r)
    }

    /// What the task asked of the worker since the last call to this.
    pub(crate) fn take_requests(&mut self) -> Requests {
        std::mem::take(&mut self.store.data_mut().requests)
    }

    /// Stops and releases the task resource, then constructs a fresh one in the same
    /// instance (the conformance kit checks that handles do not pile up).
    pub(crate) async fn renew(&mut self) -> Result<(), SandboxError> {
        let r = task_call!(self, wasmconnect_connector_sink_task, call_stop)?;
        guest(r)?;
        let _call = begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        let _call = begin_call(&mut self.store);
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
    pub(crate) fn host_resources(&mut self) -> usize {
        self.store.data_mut().table.iter_mut().count()
    }

    /// Changes the deadline of later calls (the conformance kit tests an expired one).
    pub(crate) fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        self.store.data_mut().call_timeout = timeout;
    }

    /// Linear memory in use (all memories) and guest calls made, for recycling and metrics.
    pub(crate) fn usage(&self) -> (u64, u64) {
        (self.store.data().limits.used as u64, self.calls)
    }
}

/// The connector-level instance of a plugin (`Connector`): a wasm instance, or a native
/// twin running the same code without wasm.
#[derive(Debug)]
pub struct ConnectorInstance(ConnectorImpl);

#[derive(Debug)]
enum ConnectorImpl {
    Wasm(WasmConnector),
    Native(super::native::NativeConnectorInstance),
}

/// Forwards a method to the wasm instance or the native twin.
macro_rules! either {
    ($self:ident, $Impl:ident, $inner:ident => $call:expr) => {
        match &mut $self.0 {
            $Impl::Wasm($inner) => $call,
            $Impl::Native($inner) => $call,
        }
    };
}

impl ConnectorInstance {
    /// `connector.validate`.
    pub async fn validate(&mut self, config: &Props) -> Result<Vec<ConfigValue>, SandboxError> {
        either!(self, ConnectorImpl, c => c.validate(config).await)
    }

    /// `connector.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        either!(self, ConnectorImpl, c => c.start(config).await)
    }

    /// `connector.task-configs`.
    pub async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        either!(self, ConnectorImpl, c => c.task_configs(max_tasks).await)
    }

    /// `connector.stop`.
    pub async fn stop(&mut self) -> Result<(), SandboxError> {
        either!(self, ConnectorImpl, c => c.stop().await)
    }

    /// What the connector asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        either!(self, ConnectorImpl, c => c.take_requests())
    }
}

/// One source task instance: wasm, or a native twin.
#[derive(Debug)]
pub struct SourceTaskInstance(SourceImpl);

#[derive(Debug)]
enum SourceImpl {
    Wasm(WasmSource),
    Native(super::native::NativeSourceInstance),
}

impl SourceTaskInstance {
    /// `task.start`; returns whether the task wants `commit-records`.
    pub async fn start(&mut self, config: &Props) -> Result<bool, SandboxError> {
        either!(self, SourceImpl, t => t.start(config).await)
    }

    /// `task.poll`: the encoded batch and its poll sequence number.
    pub async fn poll(&mut self) -> Result<(u64, Vec<u8>), SandboxError> {
        either!(self, SourceImpl, t => t.poll().await)
    }

    /// `task.commit`.
    pub async fn commit(&mut self) -> Result<(), SandboxError> {
        either!(self, SourceImpl, t => t.commit().await)
    }

    /// `task.commit-records`.
    pub async fn commit_records(&mut self, acks: Vec<RecordAck>) -> Result<(), SandboxError> {
        either!(self, SourceImpl, t => t.commit_records(acks).await)
    }

    /// `task.stop`, then releases the resource.
    pub async fn stop(self) -> Result<(), SandboxError> {
        match self.0 {
            SourceImpl::Wasm(t) => t.stop().await,
            SourceImpl::Native(t) => t.stop().await,
        }
    }

    /// What the task asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        either!(self, SourceImpl, t => t.take_requests())
    }

    /// Stops and releases the task, then constructs a fresh one in the same instance.
    pub async fn renew(&mut self) -> Result<(), SandboxError> {
        either!(self, SourceImpl, t => t.renew().await)
    }

    /// Host resources the instance holds now (0 for a native twin).
    pub fn host_resources(&mut self) -> usize {
        either!(self, SourceImpl, t => t.host_resources())
    }

    /// Changes the deadline of later calls (ignored by a native twin).
    pub fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        either!(self, SourceImpl, t => t.set_call_timeout(timeout))
    }

    /// Linear memory in use and guest calls made.
    pub fn usage(&self) -> (u64, u64) {
        match &self.0 {
            SourceImpl::Wasm(t) => t.usage(),
            SourceImpl::Native(t) => t.usage(),
        }
    }
}

/// One sink task instance: wasm, or a native twin.
#[derive(Debug)]
pub struct SinkTaskInstance(SinkImpl);

#[derive(Debug)]
enum SinkImpl {
    Wasm(WasmSink),
    Native(super::native::NativeSinkInstance),
}

impl SinkTaskInstance {
    /// `task.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        either!(self, SinkImpl, t => t.start(config).await)
    }

    /// `task.open`.
    pub async fn open(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        either!(self, SinkImpl, t => t.open(partitions).await)
    }

    /// `task.put` with an encoded batch.
    #[allow(clippy::ptr_arg, reason = "the generated binding takes &Vec<u8>")]
    pub async fn put(&mut self, batch: &Vec<u8>) -> Result<(), SandboxError> {
        either!(self, SinkImpl, t => t.put(batch).await)
    }

    /// `task.pre-commit`: offsets safe to commit.
    pub async fn pre_commit(
        &mut self,
        current: &[((String, i32), i64)],
    ) -> Result<Vec<((String, i32), i64)>, SandboxError> {
        either!(self, SinkImpl, t => t.pre_commit(current).await)
    }

    /// `task.close`.
    pub async fn close(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        either!(self, SinkImpl, t => t.close(partitions).await)
    }

    /// `task.stop`, then releases the resource.
    pub async fn stop(self) -> Result<(), SandboxError> {
        match self.0 {
            SinkImpl::Wasm(t) => t.stop().await,
            SinkImpl::Native(t) => t.stop().await,
        }
    }

    /// What the task asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        either!(self, SinkImpl, t => t.take_requests())
    }

    /// Stops and releases the task, then constructs a fresh one in the same instance.
    pub async fn renew(&mut self) -> Result<(), SandboxError> {
        either!(self, SinkImpl, t => t.renew().await)
    }

    /// Host resources the instance holds now (0 for a native twin).
    pub fn host_resources(&mut self) -> usize {
        either!(self, SinkImpl, t => t.host_resources())
    }

    /// Changes the deadline of later calls (ignored by a native twin).
    pub fn set_call_timeout(&mut self, timeout: std::time::Duration) {
        either!(self, SinkImpl, t => t.set_call_timeout(timeout))
    }

    /// Linear memory in use and guest calls made.
    pub fn usage(&self) -> (u64, u64) {
        match &self.0 {
            SinkImpl::Wasm(t) => t.usage(),
            SinkImpl::Native(t) => t.usage(),
        }
    }
}
