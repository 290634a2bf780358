//! Live instances: the connector level and the two task kinds, each a wasm instance or a
//! native twin. A wasm instance owns its `Store`; a trap poisons it, so after any
//! `SandboxError::Trap` the instance must be dropped.
//!
//! What the two task kinds do alike (stop, renew, the host's bookkeeping) is written once:
//! [`TaskWorld`] is what differs between the source and sink bindings, [`WasmTask`] the wasm
//! side of either, [`NativeTask`] the native side of either, and [`TaskCore`] what both sides
//! of both kinds answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use wasmconnect_config::{ConfigValue, Props};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use super::bindings::{plugin, sink, source, types};
use super::host::HostState;
use super::native::{NativeContext, NativeSinkTask, NativeSourceTask, NativeTask};
use super::{
    Limits, OffsetReader, Plugin, PluginKind, Requests, Sandbox, SandboxError, begin_call,
    config_to_wit,
};

fn guest<T>(r: Result<T, types::ConnectError>) -> Result<T, SandboxError> {
    r.map_err(|e| SandboxError::Guest(e.into()))
}

/// What the worker does with any task instance, wasm or native, source or sink.
pub(crate) trait TaskCore: Send {
    /// What the task asked of the worker since the last call to this.
    fn take_requests(&mut self) -> Requests;
    /// Host resources (streams, descriptors, …) the instance holds now.
    fn host_resources(&mut self) -> usize;
    /// Changes the deadline of later calls (the conformance kit tests an expired one).
    fn set_call_timeout(&mut self, timeout: Duration);
    /// Linear memory in use (all memories) and guest calls made, for recycling and metrics.
    fn usage(&self) -> (u64, u64);
    /// Stops and releases the task, then constructs a fresh one in the same instance (the
    /// conformance kit checks that handles do not pile up).
    fn renew(&mut self) -> impl Future<Output = Result<(), SandboxError>> + Send;
    /// `task.stop`, then releases the task.
    fn stop(self) -> impl Future<Output = Result<(), SandboxError>> + Send;
}

/// The bindings of a task world (`source-connector` or `sink-connector`): what a task
/// instance of each kind calls differently to make, stop and release its task resource.
pub(crate) trait TaskWorld: Sized + Send + Sync + 'static {
    /// The kind a plugin must be to have tasks of this world.
    const KIND: PluginKind;
    /// Instantiates the world in `store`.
    fn instantiate(
        pre: InstancePre<HostState>,
        store: &mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<Self>> + Send;
    /// `task` constructor.
    fn construct(
        &self,
        store: &mut Store<HostState>,
    ) -> impl Future<Output = wasmtime::Result<ResourceAny>> + Send;
    /// `task.stop`.
    fn stop(
        &self,
        store: &mut Store<HostState>,
        task: ResourceAny,
    ) -> impl Future<Output = wasmtime::Result<Result<(), types::ConnectError>>> + Send;
}

/// Implements [`TaskWorld`] for a world's bindings, whose task interface is `$iface`.
macro_rules! task_world {
    ($bindings:ty, $pre:ident, $iface:ident, $kind:expr) => {
        impl TaskWorld for $bindings {
            const KIND: PluginKind = $kind;

            async fn instantiate(
                pre: InstancePre<HostState>,
                store: &mut Store<HostState>,
            ) -> wasmtime::Result<Self> {
                $pre::new(pre)?.instantiate_async(store).await
            }

            async fn construct(
                &self,
                store: &mut Store<HostState>,
            ) -> wasmtime::Result<ResourceAny> {
                self.$iface().task().call_constructor(store).await
            }

            async fn stop(
                &self,
                store: &mut Store<HostState>,
                task: ResourceAny,
            ) -> wasmtime::Result<Result<(), types::ConnectError>> {
                self.$iface().task().call_stop(store, task).await
            }
        }
    };
}

use sink::SinkConnectorPre;
use source::SourceConnectorPre;
task_world!(
    source::SourceConnector,
    SourceConnectorPre,
    wasmconnect_connector_source_task,
    PluginKind::Source
);
task_world!(
    sink::SinkConnector,
    SinkConnectorPre,
    wasmconnect_connector_sink_task,
    PluginKind::Sink
);

/// A task of world `W` in a wasm instance: its `Store`, the world's bindings and the task
/// resource.
pub(crate) struct WasmTask<W> {
    store: Store<HostState>,
    bindings: W,
    task: ResourceAny,
    calls: u64,
}

impl<W> std::fmt::Debug for WasmTask<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmTask")
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// Calls a method of the task resource with the call deadline armed; a trap becomes
/// `SandboxError::Trap` with the guest's last output.
macro_rules! task_call {
    ($self:ident, $iface:ident, $method:ident $(, $arg:expr)*) => {{
        let _call = begin_call(&mut $self.store);
        $self.calls += 1;
        let r = $self
            .bindings
            .$iface()
            .task()
            .$method(&mut $self.store, $self.task $(, $arg)*)
            .await
            .map_err(|e| SandboxError::trap_in(&$self.store, e))?;
        guest(r)
    }};
}

impl<W: TaskWorld> WasmTask<W> {
    /// Instantiates `plugin` in a fresh store and constructs its task.
    async fn new(
        sandbox: &Sandbox,
        plugin: &Plugin,
        connector: &str,
        limits: &Limits,
        offsets: Option<Arc<dyn OffsetReader>>,
    ) -> Result<Self, SandboxError> {
        let started = std::time::Instant::now();
        let mut store = sandbox.store(limits, connector.into(), offsets)?;
        let _call = begin_call(&mut store);
        let bindings = W::instantiate(plugin.wasm_pre()?, &mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        let _call = begin_call(&mut store);
        let task = bindings
            .construct(&mut store)
            .await
            .map_err(|e| SandboxError::trap_in(&store, e))?;
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            kind = %W::KIND,
            "task instantiated"
        );
        Ok(Self {
            store,
            bindings,
            task,
            calls: 0,
        })
    }

    /// `task.stop`, with the deadline armed: a trap is an error, the guest's own answer
    /// the value.
    async fn call_stop(&mut self) -> Result<Result<(), types::ConnectError>, SandboxError> {
        let _call = begin_call(&mut self.store);
        self.calls += 1;
        self.bindings
            .stop(&mut self.store, self.task)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))
    }

    /// Releases the task resource (the guest's destructor runs, with the deadline armed).
    async fn release(&mut self) -> Result<(), SandboxError> {
        let _call = begin_call(&mut self.store);
        self.task
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))
    }
}

impl<W: TaskWorld> TaskCore for WasmTask<W> {
    fn take_requests(&mut self) -> Requests {
        self.store.data_mut().take_requests()
    }

    fn host_resources(&mut self) -> usize {
        self.store.data_mut().table.iter_mut().count()
    }

    fn set_call_timeout(&mut self, timeout: Duration) {
        self.store.data_mut().call_timeout = timeout;
    }

    fn usage(&self) -> (u64, u64) {
        (self.store.data().limits.used as u64, self.calls)
    }

    /// A task whose `stop` fails is kept as it is, and the error returned.
    async fn renew(&mut self) -> Result<(), SandboxError> {
        guest(self.call_stop().await?)?;
        self.release().await?;
        let _call = begin_call(&mut self.store);
        self.task = self
            .bindings
            .construct(&mut self.store)
            .await
            .map_err(|e| SandboxError::trap_in(&self.store, e))?;
        Ok(())
    }

    /// The task is released whatever its `stop` answers; that answer is returned.
    async fn stop(mut self) -> Result<(), SandboxError> {
        let stopped = self.call_stop().await?;
        self.release().await?;
        guest(stopped)
    }
}

/// A task instance: a wasm instance, or a native twin running the same code without wasm.
#[derive(Debug)]
enum Task<W, N> {
    Wasm(W),
    Native(N),
}

impl<W: TaskCore, N: TaskCore> TaskCore for Task<W, N> {
    fn take_requests(&mut self) -> Requests {
        match self {
            Self::Wasm(t) => t.take_requests(),
            Self::Native(t) => t.take_requests(),
        }
    }

    fn host_resources(&mut self) -> usize {
        match self {
            Self::Wasm(t) => t.host_resources(),
            Self::Native(t) => t.host_resources(),
        }
    }

    fn set_call_timeout(&mut self, timeout: Duration) {
        match self {
            Self::Wasm(t) => t.set_call_timeout(timeout),
            Self::Native(t) => t.set_call_timeout(timeout),
        }
    }

    fn usage(&self) -> (u64, u64) {
        match self {
            Self::Wasm(t) => t.usage(),
            Self::Native(t) => t.usage(),
        }
    }

    async fn renew(&mut self) -> Result<(), SandboxError> {
        match self {
            Self::Wasm(t) => t.renew().await,
            Self::Native(t) => t.renew().await,
        }
    }

    async fn stop(self) -> Result<(), SandboxError> {
        match self {
            Self::Wasm(t) => t.stop().await,
            Self::Native(t) => t.stop().await,
        }
    }
}

/// The methods both task instance types forward to their [`Task`].
macro_rules! task_core_methods {
    () => {
        /// What the task asked of the worker since the last call to this.
        pub fn take_requests(&mut self) -> Requests {
            self.task.take_requests()
        }

        /// Stops and releases the task, then constructs a fresh one in the same instance.
        pub async fn renew(&mut self) -> Result<(), SandboxError> {
            self.task.renew().await
        }

        /// Host resources the instance holds now (0 for a native twin).
        pub fn host_resources(&mut self) -> usize {
            self.task.host_resources()
        }

        /// Changes the deadline of later calls (ignored by a native twin).
        pub fn set_call_timeout(&mut self, timeout: Duration) {
            self.task.set_call_timeout(timeout)
        }

        /// Linear memory in use and guest calls made.
        pub fn usage(&self) -> (u64, u64) {
            self.task.usage()
        }

        /// `task.stop`, then releases the task.
        pub async fn stop(self) -> Result<(), SandboxError> {
            self.task.stop().await
        }
    };
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

impl WasmTask<source::SourceConnector> {
    async fn start(&mut self, config: &Props) -> Result<bool, SandboxError> {
        let options = task_call!(
            self,
            wasmconnect_connector_source_task,
            call_start,
            &config_to_wit(config)
        )?;
        Ok(options.commit_record)
    }

    async fn poll(&mut self) -> Result<Vec<u8>, SandboxError> {
        task_call!(self, wasmconnect_connector_source_task, call_poll)
    }

    async fn commit(&mut self) -> Result<(), SandboxError> {
        task_call!(self, wasmconnect_connector_source_task, call_commit)
    }

    async fn commit_records(&mut self, acks: Vec<RecordAck>) -> Result<(), SandboxError> {
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
        task_call!(
            self,
            wasmconnect_connector_source_task,
            call_commit_records,
            &acks
        )
    }
}

impl WasmTask<sink::SinkConnector> {
    async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_start,
            &config_to_wit(config)
        )
    }

    async fn open(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_open,
            &tps(partitions)
        )
    }

    #[allow(clippy::ptr_arg, reason = "the generated binding takes &Vec<u8>")]
    async fn put(&mut self, batch: &Vec<u8>) -> Result<(), SandboxError> {
        task_call!(self, wasmconnect_connector_sink_task, call_put, batch)
    }

    async fn pre_commit(
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
        let safe = task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_pre_commit,
            &current
        )?;
        Ok(safe
            .into_iter()
            .map(|po| ((po.topic, po.partition), po.offset))
            .collect())
    }

    async fn close(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        task_call!(
            self,
            wasmconnect_connector_sink_task,
            call_close,
            &tps(partitions)
        )
    }
}

/// One source task instance: wasm, or a native twin.
#[derive(Debug)]
pub struct SourceTaskInstance {
    task: Task<WasmTask<source::SourceConnector>, NativeTask<dyn NativeSourceTask>>,
    /// Sequence number of the next `poll`.
    poll_seq: u64,
}

impl SourceTaskInstance {
    task_core_methods!();

    /// `task.start`; returns whether the task wants `commit-records`.
    pub async fn start(&mut self, config: &Props) -> Result<bool, SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.start(config).await,
            Task::Native(t) => t.call(|n, cx| n.start(cx, config)),
        }
    }

    /// `task.poll`: the encoded batch and its poll sequence number.
    pub async fn poll(&mut self) -> Result<(u64, Vec<u8>), SandboxError> {
        let batch = match &mut self.task {
            Task::Wasm(t) => t.poll().await,
            Task::Native(t) => t.call(|n, cx| n.poll(cx)),
        }?;
        let seq = self.poll_seq;
        self.poll_seq += 1;
        Ok((seq, batch))
    }

    /// `task.commit`.
    pub async fn commit(&mut self) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.commit().await,
            Task::Native(t) => t.call(|n, cx| n.commit(cx)),
        }
    }

    /// `task.commit-records`.
    pub async fn commit_records(&mut self, acks: Vec<RecordAck>) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.commit_records(acks).await,
            Task::Native(t) => t.call(|n, cx| n.commit_records(cx, &acks)),
        }
    }
}

/// One sink task instance: wasm, or a native twin.
#[derive(Debug)]
pub struct SinkTaskInstance {
    task: Task<WasmTask<sink::SinkConnector>, NativeTask<dyn NativeSinkTask>>,
}

impl SinkTaskInstance {
    task_core_methods!();

    /// `task.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.start(config).await,
            Task::Native(t) => t.call(|n, cx| n.start(cx, config)),
        }
    }

    /// `task.open`.
    pub async fn open(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.open(partitions).await,
            Task::Native(t) => t.call(|n, cx| n.open(cx, partitions)),
        }
    }

    /// `task.put` with an encoded batch.
    #[allow(clippy::ptr_arg, reason = "the generated binding takes &Vec<u8>")]
    pub async fn put(&mut self, batch: &Vec<u8>) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.put(batch).await,
            Task::Native(t) => t.call(|n, cx| n.put(cx, batch)),
        }
    }

    /// `task.pre-commit`: offsets safe to commit.
    pub async fn pre_commit(
        &mut self,
        current: &[((String, i32), i64)],
    ) -> Result<Vec<((String, i32), i64)>, SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.pre_commit(current).await,
            Task::Native(t) => t.call(|n, cx| n.pre_commit(cx, current)),
        }
    }

    /// `task.close`.
    pub async fn close(&mut self, partitions: &[(String, i32)]) -> Result<(), SandboxError> {
        match &mut self.task {
            Task::Wasm(t) => t.close(partitions).await,
            Task::Native(t) => t.call(|n, cx| n.close(cx, partitions)),
        }
    }
}

/// The connector-level instance of a plugin (`Connector`) in wasm.
struct WasmConnector {
    store: Store<HostState>,
    bindings: plugin::Plugin,
}

/// Calls a function of the `connector` export, with the deadline armed.
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

impl WasmConnector {
    async fn validate(&mut self, config: &Props) -> Result<Vec<ConfigValue>, SandboxError> {
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

    async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        guest(connector_call!(self, call_start, &config_to_wit(config))?)
    }

    async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        let configs = guest(connector_call!(self, call_task_configs, max_tasks)?)?;
        Ok(configs
            .into_iter()
            .map(|c| c.into_iter().collect())
            .collect())
    }

    async fn stop(&mut self) -> Result<(), SandboxError> {
        guest(connector_call!(self, call_stop)?)
    }
}

/// The connector-level instance of a plugin (`Connector`): a wasm instance, or a native
/// twin running the same code without wasm.
pub struct ConnectorInstance(Task<WasmConnector, super::native::NativeConnectorInstance>);

impl std::fmt::Debug for ConnectorInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorInstance").finish_non_exhaustive()
    }
}

impl ConnectorInstance {
    /// `connector.validate`.
    pub async fn validate(&mut self, config: &Props) -> Result<Vec<ConfigValue>, SandboxError> {
        match &mut self.0 {
            Task::Wasm(c) => c.validate(config).await,
            Task::Native(c) => c.call(|n, cx| Ok(n.validate(cx, config))),
        }
    }

    /// `connector.start`.
    pub async fn start(&mut self, config: &Props) -> Result<(), SandboxError> {
        match &mut self.0 {
            Task::Wasm(c) => c.start(config).await,
            Task::Native(c) => c.call(|n, cx| n.start(cx, config)),
        }
    }

    /// `connector.task-configs`: at most `max_tasks` of them (more break the contract).
    pub async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        let configs = match &mut self.0 {
            Task::Wasm(c) => c.task_configs(max_tasks).await,
            Task::Native(c) => c.call(|n, cx| n.task_configs(cx, max_tasks)),
        }?;
        if configs.len() > max_tasks as usize {
            return Err(SandboxError::Contract(format!(
                "task-configs returned {} configs for tasks.max={max_tasks}",
                configs.len()
            )));
        }
        Ok(configs)
    }

    /// `connector.stop`.
    pub async fn stop(&mut self) -> Result<(), SandboxError> {
        match &mut self.0 {
            Task::Wasm(c) => c.stop().await,
            Task::Native(c) => c.call(|n, cx| n.stop(cx)),
        }
    }

    /// What the connector asked of the worker since the last call to this.
    pub fn take_requests(&mut self) -> Requests {
        match &mut self.0 {
            Task::Wasm(c) => c.store.data_mut().take_requests(),
            Task::Native(c) => c.take_requests(),
        }
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
            return Ok(ConnectorInstance(Task::Native(
                super::native::NativeConnectorInstance::new_connector(native.connector(), name),
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
        Ok(ConnectorInstance(Task::Wasm(WasmConnector {
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
        let task = match kind_checked::<source::SourceConnector>(plugin)? {
            Some(native) => Task::Native(NativeTask::new(
                native.source_task(),
                NativeContext::new(connector, Some(offsets)),
            )),
            None => {
                Task::Wasm(WasmTask::new(self, plugin, connector, limits, Some(offsets)).await?)
            }
        };
        Ok(SourceTaskInstance { task, poll_seq: 0 })
    }

    /// Instantiates and constructs one sink task of `plugin`.
    pub async fn sink_task(
        &self,
        plugin: &Plugin,
        connector: &str,
        limits: &Limits,
    ) -> Result<SinkTaskInstance, SandboxError> {
        let task = match kind_checked::<sink::SinkConnector>(plugin)? {
            Some(native) => Task::Native(NativeTask::new(
                native.sink_task(),
                NativeContext::new(connector, None),
            )),
            None => Task::Wasm(WasmTask::new(self, plugin, connector, limits, None).await?),
        };
        Ok(SinkTaskInstance { task })
    }
}

/// `plugin`'s native twin if it has one, once it is of `W`'s kind.
fn kind_checked<W: TaskWorld>(
    plugin: &Plugin,
) -> Result<Option<&Arc<dyn super::native::NativePlugin>>, SandboxError> {
    if plugin.kind != W::KIND {
        return Err(SandboxError::NotAPlugin(format!(
            "{} is not a {}",
            plugin.class_name,
            W::KIND
        )));
    }
    Ok(plugin.native.as_ref())
}
