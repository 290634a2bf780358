//! Native twins of the benchmark connectors (scenario 4): `datagen` and `counting` built
//! for the host and run by the worker without wasm, through the same SDK glue as their
//! components, so the difference between the two runs is what the sandbox costs.
//! `wasmconnect-bench standalone …` is a worker with these twins in place of the components.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use wasmconnect_config::{ConfigKey, ConfigValue, Props};
use wasmconnect_data::OffsetMap;
use wasmconnect_guest as sdk;
use wasmconnect_guest::__private::{SinkTaskResource, SourceTaskResource};
use wasmconnect_guest::plugin_bindings::wasmconnect::connector::types as wit;
use wasmconnect_guest::sink_bindings::exports::wasmconnect::connector::sink_task::GuestTask as _;
use wasmconnect_guest::source_bindings::exports::wasmconnect::connector::source_task::GuestTask as _;
use wasmconnect_sandbox::native::{
    NativeConnector, NativeContext, NativeInfo, NativePlugin, NativeSinkTask, NativeSourceTask,
};
use wasmconnect_sandbox::{ConnectError, OffsetReader, Plugin, PluginKind, RecordAck};

/// The twins, as plugins for `PluginRegistry::register_native`.
pub fn plugins() -> Vec<Plugin> {
    vec![
        Plugin::native(Arc::new(SourceTwin::<
            datagen::DatagenConnector,
            datagen::DatagenTask,
        >(PhantomData))),
        Plugin::native(Arc::new(SinkTwin::<
            counting::CountingConnector,
            counting::CountingTask,
        >(PhantomData))),
    ]
}

/// Serves a twin's imports from the worker's context for one call.
struct Host {
    connector: String,
    offsets: Option<Arc<dyn OffsetReader>>,
    requests: RefCell<Vec<sdk::native::Request>>,
}

impl sdk::native::Host for Host {
    fn log(&self, level: sdk::log::Level, message: &str) {
        let level = match level {
            sdk::log::Level::Trace => tracing::Level::TRACE,
            sdk::log::Level::Debug => tracing::Level::DEBUG,
            sdk::log::Level::Info => tracing::Level::INFO,
            sdk::log::Level::Warn => tracing::Level::WARN,
            sdk::log::Level::Error => tracing::Level::ERROR,
        };
        wasmconnect_sandbox::guest_log(&self.connector, level, message);
    }

    fn offsets(&self, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        match &self.offsets {
            Some(r) => r.offsets(&self.connector, partitions),
            None => vec![None; partitions.len()],
        }
    }

    fn request(&self, request: sdk::native::Request) {
        self.requests.borrow_mut().push(request);
    }
}

/// Runs `f` with the twin's imports served from `cx`, then hands its requests to `cx`.
fn call<R>(cx: &mut NativeContext, f: impl FnOnce() -> R) -> R {
    let host = Rc::new(Host {
        connector: cx.connector().to_owned(),
        offsets: cx.offset_reader(),
        requests: RefCell::new(Vec::new()),
    });
    let r = sdk::native::with_host(host.clone(), f);
    let requests = cx.requests();
    for q in host.requests.borrow_mut().drain(..) {
        use sdk::native::Request as Q;
        match q {
            Q::Reconfigure => requests.reconfigure = true,
            Q::RaiseError(m) => requests.errors.push(m),
            Q::Pause(ps) => requests
                .pause
                .extend(ps.into_iter().map(|p| (p.topic, p.partition))),
            Q::Resume(ps) => requests
                .resume
                .extend(ps.into_iter().map(|p| (p.topic, p.partition))),
            Q::Reset(os) => requests
                .reset
                .extend(os.into_iter().map(|o| ((o.topic, o.partition), o.offset))),
            Q::Commit => requests.commit = true,
            Q::Report {
                topic,
                partition,
                offset,
                error,
            } => requests.reported.push(((topic, partition), offset, error)),
        }
    }
    r
}

fn error(e: wit::ConnectError) -> ConnectError {
    match e {
        wit::ConnectError::Retriable(m) => ConnectError::Retriable(m),
        wit::ConnectError::Fatal(m) => ConnectError::Fatal(m),
    }
}

fn sdk_error(e: sdk::ConnectError) -> ConnectError {
    match e {
        sdk::ConnectError::Retriable(m) => ConnectError::Retriable(m),
        sdk::ConnectError::Fatal(m) => ConnectError::Fatal(m),
    }
}

fn wit_config(config: &Props) -> wit::Config {
    config.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn info(i: sdk::PluginInfo) -> NativeInfo {
    NativeInfo {
        class_name: i.class_name,
        aliases: i.aliases,
        version: i.version,
        description: i.description,
    }
}

/// The connector level of a twin: the SDK trait, held here rather than in the component's
/// per-instance slot.
struct Connector<C> {
    started: Option<C>,
    validate: fn(&sdk::Config) -> Vec<sdk::ConfigValue>,
    start: fn(&mut C, sdk::Config) -> Result<(), sdk::ConnectError>,
    task_configs: fn(&C, u32) -> Result<Vec<sdk::Config>, sdk::ConnectError>,
    stop: fn(&mut C) -> Result<(), sdk::ConnectError>,
}

impl<C: Default + Send> NativeConnector for Connector<C> {
    fn validate(&mut self, cx: &mut NativeContext, config: &Props) -> Vec<ConfigValue> {
        let config: sdk::Config = config.clone().into();
        call(cx, || (self.validate)(&config))
    }

    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<(), ConnectError> {
        let mut c = C::default();
        call(cx, || (self.start)(&mut c, config.clone().into())).map_err(sdk_error)?;
        self.started = Some(c);
        Ok(())
    }

    fn task_configs(
        &mut self,
        cx: &mut NativeContext,
        max: u32,
    ) -> Result<Vec<Props>, ConnectError> {
        let c = self
            .started
            .as_ref()
            .ok_or_else(|| ConnectError::Fatal("connector not started".into()))?;
        let configs = call(cx, || (self.task_configs)(c, max)).map_err(sdk_error)?;
        Ok(configs
            .into_iter()
            .map(|c| c.into_iter().collect())
            .collect())
    }

    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        match self.started.take() {
            Some(mut c) => call(cx, || (self.stop)(&mut c)).map_err(sdk_error),
            None => Ok(()),
        }
    }
}

/// A source plugin's twin.
#[derive(Debug)]
pub struct SourceTwin<C, T>(PhantomData<fn() -> (C, T)>);

impl<C, T> NativePlugin for SourceTwin<C, T>
where
    C: sdk::Connector + Send + 'static,
    T: sdk::SourceTask + Send + 'static,
{
    fn info(&self) -> NativeInfo {
        info(C::info())
    }
    fn kind(&self) -> PluginKind {
        PluginKind::Source
    }
    fn config_def(&self) -> Vec<ConfigKey> {
        C::config_def().keys().to_vec()
    }
    fn connector(&self) -> Box<dyn NativeConnector> {
        Box::new(Connector::<C> {
            started: None,
            validate: C::validate,
            start: C::start,
            task_configs: C::task_configs,
            stop: C::stop,
        })
    }
    fn source_task(&self) -> Box<dyn NativeSourceTask> {
        Box::new(SourceTask(SourceTaskResource::<T>::new()))
    }
    fn sink_task(&self) -> Box<dyn NativeSinkTask> {
        unreachable!("a source plugin has no sink task")
    }
}

struct SourceTask<T>(SourceTaskResource<T>);

impl<T: sdk::SourceTask + Send> NativeSourceTask for SourceTask<T> {
    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<bool, ConnectError> {
        call(cx, || self.0.start(wit_config(config)))
            .map(|o| o.commit_record)
            .map_err(error)
    }
    fn poll(&mut self, cx: &mut NativeContext) -> Result<Vec<u8>, ConnectError> {
        call(cx, || self.0.poll()).map_err(error)
    }
    fn commit(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        call(cx, || self.0.commit()).map_err(error)
    }
    fn commit_records(
        &mut self,
        cx: &mut NativeContext,
        acks: &[RecordAck],
    ) -> Result<(), ConnectError> {
        let acks = acks
            .iter()
            .map(|a| wit::RecordAck {
                poll_seq: a.poll_seq,
                index: a.index,
                metadata: a
                    .metadata
                    .clone()
                    .map(
                        |(topic, partition, offset, timestamp)| wit::RecordMetadata {
                            topic,
                            partition,
                            offset,
                            timestamp,
                        },
                    ),
            })
            .collect();
        call(cx, || self.0.commit_records(acks)).map_err(error)
    }
    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        call(cx, || self.0.stop()).map_err(error)
    }
}

/// A sink plugin's twin.
#[derive(Debug)]
pub struct SinkTwin<C, T>(PhantomData<fn() -> (C, T)>);

impl<C, T> NativePlugin for SinkTwin<C, T>
where
    C: sdk::Connector + Send + 'static,
    T: sdk::SinkTask + Send + 'static,
{
    fn info(&self) -> NativeInfo {
        info(C::info())
    }
    fn kind(&self) -> PluginKind {
        PluginKind::Sink
    }
    fn config_def(&self) -> Vec<ConfigKey> {
        C::config_def().keys().to_vec()
    }
    fn connector(&self) -> Box<dyn NativeConnector> {
        Box::new(Connector::<C> {
            started: None,
            validate: C::validate,
            start: C::start,
            task_configs: C::task_configs,
            stop: C::stop,
        })
    }
    fn source_task(&self) -> Box<dyn NativeSourceTask> {
        unreachable!("a sink plugin has no source task")
    }
    fn sink_task(&self) -> Box<dyn NativeSinkTask> {
        Box::new(SinkTask(SinkTaskResource::<T>::new()))
    }
}

struct SinkTask<T>(SinkTaskResource<T>);

fn wit_partitions(partitions: &[(String, i32)]) -> Vec<wit::TopicPartition> {
    partitions
        .iter()
        .map(|(topic, partition)| wit::TopicPartition {
            topic: topic.clone(),
            partition: *partition,
        })
        .collect()
}

impl<T: sdk::SinkTask + Send> NativeSinkTask for SinkTask<T> {
    fn start(&mut self, cx: &mut NativeContext, config: &Props) -> Result<(), ConnectError> {
        call(cx, || self.0.start(wit_config(config))).map_err(error)
    }
    fn open(
        &mut self,
        cx: &mut NativeContext,
        partitions: &[(String, i32)],
    ) -> Result<(), ConnectError> {
        call(cx, || self.0.open(wit_partitions(partitions))).map_err(error)
    }
    fn put(&mut self, cx: &mut NativeContext, batch: &[u8]) -> Result<(), ConnectError> {
        // The component gets its own copy of the batch too (in its linear memory).
        call(cx, || self.0.put(batch.to_vec())).map_err(error)
    }
    fn pre_commit(
        &mut self,
        cx: &mut NativeContext,
        current: &[((String, i32), i64)],
    ) -> Result<Vec<((String, i32), i64)>, ConnectError> {
        let current = current
            .iter()
            .map(|((topic, partition), offset)| wit::PartitionOffset {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
            })
            .collect();
        call(cx, || self.0.pre_commit(current))
            .map(|v| {
                v.into_iter()
                    .map(|o| ((o.topic, o.partition), o.offset))
                    .collect()
            })
            .map_err(error)
    }
    fn close(
        &mut self,
        cx: &mut NativeContext,
        partitions: &[(String, i32)],
    ) -> Result<(), ConnectError> {
        call(cx, || self.0.close(wit_partitions(partitions))).map_err(error)
    }
    fn stop(&mut self, cx: &mut NativeContext) -> Result<(), ConnectError> {
        call(cx, || self.0.stop()).map_err(error)
    }
}
