//! The standalone herder's state machine, with a worker of its own (no broker, no wasm):
//! create, pause, resume, restart, delete and reconfigure, and what a slow connector does to
//! the others (nothing), on tokio's paused clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use wasmconnect_api::{ConnectorTaskId, CreateConnectorRequest, Herder, HerderError, Props, State};
use wasmconnect_config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance};
use wasmconnect_sandbox::native::{
    NativeConnector, NativeInfo, NativePlugin, NativeSinkTask, NativeSourceTask,
};
use wasmconnect_sandbox::{ConnectError, Plugin, PluginKind, SandboxConfig, SandboxError};

use super::StandaloneHerder;
use crate::plugins::PluginRegistry;
use crate::storage::{MemoryConfigStore, MemoryStatusStore, TargetState};
use crate::worker::{ConnectorError, RunningConnector, TaskHandle, TaskMetrics, TaskSpec, Worker};

const CLASS: &str = "test.FakeSource";
const SINK_CLASS: &str = "test.FakeSink";
const SHUTDOWN: Duration = Duration::from_secs(5);

/// A plugin the registry lists (a source, or with `true` a sink); the fake worker runs it
/// without instantiating anything.
#[derive(Debug)]
struct FakePlugin(bool);

impl NativePlugin for FakePlugin {
    fn info(&self) -> NativeInfo {
        let (class, alias) = if self.0 {
            (SINK_CLASS, "FakeSink")
        } else {
            (CLASS, "FakeSource")
        };
        NativeInfo {
            class_name: class.into(),
            aliases: vec![alias.into()],
            version: "1".into(),
            description: String::new(),
        }
    }
    fn kind(&self) -> PluginKind {
        if self.0 {
            PluginKind::Sink
        } else {
            PluginKind::Source
        }
    }
    fn config_def(&self) -> Vec<ConfigKey> {
        ConfigDef::new()
            .define(
                ConfigKey::new("fake.tasks", ConfigType::Int, Importance::High, "tasks")
                    .default_value("1"),
            )
            .keys()
            .to_vec()
    }
    fn connector(&self) -> Box<dyn NativeConnector> {
        unreachable!("the fake worker makes no instances")
    }
    fn source_task(&self) -> Box<dyn NativeSourceTask> {
        unreachable!("the fake worker makes no instances")
    }
    fn sink_task(&self) -> Box<dyn NativeSinkTask> {
        unreachable!("the fake worker makes no instances")
    }
}

/// A worker that runs nothing: its connectors return `fake.tasks` task configs (tagged with
/// how often they were asked), its tasks report RUNNING or PAUSED as told and stop when told.
/// Connector starts and stops, and task stops, can be made slow; everything is logged.
#[derive(Debug, Default)]
struct FakeWorker {
    /// Connector name → how long its `start` takes.
    slow_start: Mutex<HashMap<String, Duration>>,
    /// Connector name → how long its connector level's `stop` takes.
    slow_stop: Mutex<HashMap<String, Duration>>,
    /// Connector names whose tasks ignore the order to stop.
    stubborn: Mutex<Vec<String>>,
    /// Connector names whose `start` fails.
    failing: Mutex<Vec<String>>,
    log: Arc<Mutex<Vec<String>>>,
    /// The reconfiguration requests of the tasks started last, by connector.
    reconfigure: Mutex<HashMap<String, Arc<Notify>>>,
}

impl FakeWorker {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn note(log: &Mutex<Vec<String>>, line: String) {
        log.lock().unwrap().push(line);
    }
}

#[derive(Debug)]
struct FakeConnector {
    name: String,
    tasks: u32,
    asked: u32,
    stop_takes: Duration,
    log: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl RunningConnector for FakeConnector {
    async fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Props>, SandboxError> {
        self.asked += 1;
        Ok((0..self.tasks.min(max_tasks))
            .map(|i| {
                Props::from([
                    ("task.index".to_owned(), i.to_string()),
                    ("generation".to_owned(), self.asked.to_string()),
                ])
            })
            .collect())
    }

    fn take_errors(&mut self) -> Vec<String> {
        Vec::new()
    }

    async fn stop(self: Box<Self>) -> Result<(), SandboxError> {
        tokio::time::sleep(self.stop_takes).await;
        FakeWorker::note(&self.log, format!("stop {}", self.name));
        Ok(())
    }
}

#[async_trait::async_trait]
impl Worker for FakeWorker {
    async fn validate_connector(
        &self,
        _plugin: &Plugin,
        config: &Props,
    ) -> Result<Vec<ConfigValue>, String> {
        let errors = match config.get("fake.tasks").map(|t| t.parse::<u32>()) {
            Some(Err(_)) => vec!["fake.tasks is not a number".to_owned()],
            _ => Vec::new(),
        };
        Ok(vec![ConfigValue {
            name: "fake.tasks".into(),
            value: config.get("fake.tasks").cloned(),
            recommended_values: Vec::new(),
            errors,
            visible: true,
        }])
    }

    async fn start_connector(
        &self,
        name: &str,
        _plugin: &Plugin,
        config: &crate::config::ConnectorConfig,
    ) -> Result<Box<dyn RunningConnector>, ConnectorError> {
        let delay = self.slow_start.lock().unwrap().get(name).copied();
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if self.failing.lock().unwrap().iter().any(|n| n == name) {
            return Err(ConnectorError::Start(SandboxError::Guest(
                ConnectError::Fatal("no can do".into()),
            )));
        }
        Self::note(&self.log, format!("start {name}"));
        let tasks = config
            .props
            .get("fake.tasks")
            .and_then(|t| t.parse().ok())
            .unwrap_or(1);
        let stop_takes = self
            .slow_stop
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or_default();
        Ok(Box::new(FakeConnector {
            name: name.to_owned(),
            tasks,
            asked: 0,
            stop_takes,
            log: self.log.clone(),
        }))
    }

    fn start_task(&self, spec: TaskSpec) -> TaskHandle {
        let (stop, mut stop_rx) = watch::channel(false);
        let id = spec.id.clone();
        let label = format!("{id}@{}", spec.config["generation"]);
        let stubborn = self.stubborn.lock().unwrap().contains(&id.connector);
        self.reconfigure
            .lock()
            .unwrap()
            .insert(id.connector.clone(), spec.reconfigure.clone());
        let log = self.log.clone();
        Self::note(&log, format!("task {label} started"));
        let mut target = spec.target;
        let status = spec.status;
        let join = tokio::spawn(async move {
            loop {
                status.set(match *target.borrow_and_update() {
                    TargetState::Started => State::Running,
                    TargetState::Paused => State::Paused,
                });
                tokio::select! {
                    _ = stop_rx.changed(), if !stubborn => break,
                    changed = target.changed() => if changed.is_err() { break },
                }
            }
            Self::note(&log, format!("task {label} stopped"));
        });
        TaskHandle::new(id, Arc::new(TaskMetrics::default()), stop, Some(join))
    }

    fn shutdown_timeout(&self) -> Duration {
        SHUTDOWN
    }
}

fn herder(worker: Arc<FakeWorker>) -> StandaloneHerder {
    // A real engine, for the registry; no instance of it is ever made.
    let sandbox = wasmconnect_sandbox::Sandbox::new(&SandboxConfig {
        cache_dir: std::env::temp_dir().join("wasmconnect-herder-tests"),
        max_instances: 1,
        max_memory_bytes: 64 << 20,
    })
    .expect("engine");
    let plugins = PluginRegistry::new(sandbox, Vec::new());
    plugins.register_native(Plugin::native(Arc::new(FakePlugin(false))));
    plugins.register_native(Plugin::native(Arc::new(FakePlugin(true))));
    StandaloneHerder::new(
        "worker:8083",
        Some("cluster".into()),
        worker,
        Arc::new(plugins),
        Arc::new(MemoryConfigStore::new()),
        Arc::new(MemoryStatusStore::new()),
    )
}

fn config(tasks: u32) -> Props {
    Props::from([
        ("connector.class".to_owned(), "FakeSource".to_owned()),
        ("fake.tasks".to_owned(), tasks.to_string()),
        ("tasks.max".to_owned(), "8".to_owned()),
    ])
}

fn request(name: &str, tasks: u32) -> CreateConnectorRequest {
    CreateConnectorRequest {
        name: name.into(),
        config: config(tasks),
    }
}

/// Lets the spawned tasks run until nothing is left to do now.
async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

async fn states(h: &StandaloneHerder, name: &str) -> (State, Vec<State>) {
    let s = h.connector_status(name).await.expect("status");
    (s.connector.state, s.tasks.iter().map(|t| t.state).collect())
}

#[tokio::test(start_paused = true)]
async fn create_pause_resume_restart_delete() {
    let worker = Arc::new(FakeWorker::default());
    let h = herder(worker.clone());
    let info = h.create_connector(request("c", 2)).await.unwrap();
    assert_eq!(
        info.tasks,
        vec![ConnectorTaskId::new("c", 0), ConnectorTaskId::new("c", 1)]
    );
    assert_eq!(info.config["name"], "c");
    assert_eq!(h.connectors().await, vec!["c"]);
    settle().await;
    assert_eq!(
        states(&h, "c").await,
        (State::Running, vec![State::Running, State::Running])
    );
    assert!(matches!(
        h.create_connector(request("c", 1)).await,
        Err(HerderError::ConnectorExists(_))
    ));

    h.pause_connector("c").await.unwrap();
    settle().await;
    assert_eq!(
        states(&h, "c").await,
        (State::Paused, vec![State::Paused, State::Paused])
    );
    h.resume_connector("c").await.unwrap();
    settle().await;
    assert_eq!(
        states(&h, "c").await,
        (State::Running, vec![State::Running, State::Running])
    );

    // A paused connector stays paused through a restart.
    h.pause_connector("c").await.unwrap();
    h.restart_connector("c").await.unwrap();
    settle().await;
    assert_eq!(
        states(&h, "c").await,
        (State::Paused, vec![State::Paused, State::Paused])
    );
    h.resume_connector("c").await.unwrap();
    let id = ConnectorTaskId::new("c", 1);
    h.restart_task(&id).await.unwrap();
    settle().await;
    assert_eq!(h.task_status(&id).await.unwrap().state, State::Running);
    assert!(matches!(
        h.restart_task(&ConnectorTaskId::new("c", 7)).await,
        Err(HerderError::TaskNotFound(_))
    ));

    h.delete_connector("c").await.unwrap();
    assert!(h.connectors().await.is_empty());
    assert!(matches!(
        h.connector_status("c").await,
        Err(HerderError::ConnectorNotFound(_))
    ));
    assert!(matches!(
        h.delete_connector("c").await,
        Err(HerderError::ConnectorNotFound(_))
    ));
    settle().await;
    let log = worker.log();
    assert_eq!(
        log,
        [
            "start c",
            "task c-0@1 started",
            "task c-1@1 started",
            // restart: everything stopped, then started again
            "task c-0@1 stopped",
            "task c-1@1 stopped",
            "stop c",
            "start c",
            "task c-0@1 started",
            "task c-1@1 started",
            // restart of task 1 alone
            "task c-1@1 stopped",
            "task c-1@1 started",
            // delete
            "task c-0@1 stopped",
            "task c-1@1 stopped",
            "stop c",
        ],
        "{log:#?}"
    );
    // The name is free again.
    h.create_connector(request("c", 1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn put_config_reconfigures_and_a_task_request_restarts_changed_tasks() {
    let worker = Arc::new(FakeWorker::default());
    let h = herder(worker.clone());
    let created = h.put_connector_config("r", config(1)).await.unwrap();
    assert!(created.created);
    assert_eq!(created.result.tasks.len(), 1);
    let updated = h.put_connector_config("r", config(3)).await.unwrap();
    assert!(!updated.created);
    assert_eq!(updated.result.tasks.len(), 3);
    assert_eq!(updated.result.config["fake.tasks"], "3");
    settle().await;
    assert_eq!(
        states(&h, "r").await,
        (State::Running, vec![State::Running; 3])
    );
    let tasks = h.task_configs("r").await.unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[2].config["task.index"], "2");

    // request-task-reconfiguration: the connector's task configs changed (a new
    // generation), so its tasks restart with them.
    let request = worker.reconfigure.lock().unwrap()["r"].clone();
    request.notify_one();
    settle().await;
    let tasks = h.task_configs("r").await.unwrap();
    assert!(
        tasks.iter().all(|t| t.config["generation"] == "2"),
        "{tasks:?}"
    );
    assert_eq!(
        states(&h, "r").await,
        (State::Running, vec![State::Running; 3])
    );

    // Fewer tasks: the others' statuses go.
    h.put_connector_config("r", config(1)).await.unwrap();
    settle().await;
    assert_eq!(states(&h, "r").await.1, vec![State::Running]);
    assert!(matches!(
        h.task_status(&ConnectorTaskId::new("r", 2)).await,
        Err(HerderError::TaskNotFound(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn bad_configs_are_refused_and_a_failed_start_is_failed() {
    let worker = Arc::new(FakeWorker::default());
    worker.failing.lock().unwrap().push("f".into());
    let h = herder(worker.clone());
    let mut bad = config(1);
    bad.insert("tasks.max".into(), "zero".into());
    match h
        .create_connector(CreateConnectorRequest {
            name: "b".into(),
            config: bad,
        })
        .await
    {
        Err(HerderError::InvalidConfig { errors }) => assert_eq!(
            errors,
            ["Invalid value zero for configuration tasks.max: Not a number of type INT"]
        ),
        other => panic!("{other:?}"),
    }
    // The plugin's own validation counts too.
    let mut bad = config(1);
    bad.insert("fake.tasks".into(), "x".into());
    match h
        .create_connector(CreateConnectorRequest {
            name: "b".into(),
            config: bad,
        })
        .await
    {
        Err(HerderError::InvalidConfig { errors }) => {
            assert_eq!(errors, ["fake.tasks is not a number"])
        }
        other => panic!("{other:?}"),
    }
    assert!(h.connectors().await.is_empty());
    let mut unknown = config(1);
    unknown.insert("connector.class".into(), "Nope".into());
    assert!(matches!(
        h.create_connector(CreateConnectorRequest {
            name: "u".into(),
            config: unknown,
        })
        .await,
        Err(HerderError::InvalidConfig { .. })
    ));

    let info = h.create_connector(request("f", 2)).await.unwrap();
    assert!(info.tasks.is_empty());
    let status = h.connector_status("f").await.unwrap();
    assert_eq!(status.connector.state, State::Failed);
    assert!(
        status
            .connector
            .trace
            .as_deref()
            .is_some_and(|t| t.contains("connector start failed: no can do")),
        "{status:?}"
    );
    assert!(status.tasks.is_empty());
}

/// Runs `f` on the paused clock; `None` if it did not finish before `limit` passed.
async fn within<F: std::future::Future>(limit: Duration, f: F) -> Option<F::Output> {
    tokio::time::timeout(limit, f).await.ok()
}

#[tokio::test(start_paused = true)]
async fn a_slow_start_or_stop_holds_up_only_its_own_connector() {
    let worker = Arc::new(FakeWorker::default());
    let twenty = Duration::from_secs(20);
    worker
        .slow_start
        .lock()
        .unwrap()
        .insert("slow-start".into(), twenty);
    worker
        .slow_stop
        .lock()
        .unwrap()
        .insert("slow-stop".into(), twenty);
    let h = herder(worker.clone());
    h.create_connector(request("healthy", 1)).await.unwrap();
    h.create_connector(request("slow-stop", 1)).await.unwrap();
    let started = Instant::now();
    let creating = tokio::spawn({
        let h = h.clone();
        async move { h.create_connector(request("slow-start", 1)).await }
    });
    let deleting = tokio::spawn({
        let h = h.clone();
        async move { h.delete_connector("slow-stop").await }
    });
    settle().await;

    let fast = Duration::from_millis(100);
    let names = within(fast, h.connectors()).await.expect("GET /connectors");
    assert!(names.contains(&"healthy".to_owned()), "{names:?}");
    let status = within(fast, h.connector_status("healthy"))
        .await
        .expect("GET …/status")
        .unwrap();
    assert_eq!(status.connector.state, State::Running);
    // The starting one answers too, as not running yet.
    let starting = within(fast, h.connector_status("slow-start"))
        .await
        .expect("status of the starting connector")
        .unwrap();
    assert_eq!(starting.connector.state, State::Unassigned);
    within(fast, h.create_connector(request("third", 1)))
        .await
        .expect("POST /connectors")
        .unwrap();
    within(fast, h.pause_connector("healthy"))
        .await
        .expect("PUT …/pause")
        .unwrap();
    assert!(Instant::now() - started < fast * 5);

    creating.await.unwrap().unwrap();
    deleting.await.unwrap().unwrap();
    let took = Instant::now() - started;
    assert!(
        took >= twenty && took < twenty + Duration::from_secs(1),
        "{took:?}"
    );
    assert_eq!(states(&h, "slow-start").await.0, State::Running);
    assert!(!h.connectors().await.contains(&"slow-stop".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn deleting_fifty_stuck_connectors_takes_one_graceful_timeout() {
    let worker = Arc::new(FakeWorker::default());
    let h = herder(worker.clone());
    for i in 0..50 {
        let name = format!("stuck-{i}");
        worker.stubborn.lock().unwrap().push(name.clone());
        h.create_connector(request(&name, 2)).await.unwrap();
    }
    settle().await;
    let started = Instant::now();
    let deletes: Vec<_> = (0..50)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { h.delete_connector(&format!("stuck-{i}")).await })
        })
        .collect();
    for d in deletes {
        d.await.unwrap().unwrap();
    }
    let took = Instant::now() - started;
    assert!(
        took >= SHUTDOWN && took < SHUTDOWN + Duration::from_secs(1),
        "{took:?}"
    );
    assert!(h.connectors().await.is_empty());
    // Every task was aborted, none stopped on its own.
    assert!(!worker.log().iter().any(|l| l.ends_with("stopped")));

    // A worker shutdown stops many connectors together as well.
    for i in 0..10 {
        let name = format!("again-{i}");
        worker.stubborn.lock().unwrap().push(name.clone());
        h.create_connector(request(&name, 1)).await.unwrap();
    }
    let started = Instant::now();
    h.stop().await;
    let took = Instant::now() - started;
    assert!(
        took >= SHUTDOWN && took < SHUTDOWN + Duration::from_secs(1),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_delete_whose_caller_goes_away_still_forgets_the_connector() {
    let worker = Arc::new(FakeWorker::default());
    worker.stubborn.lock().unwrap().push("d".into());
    let h = herder(worker.clone());
    h.create_connector(request("d", 1)).await.unwrap();
    settle().await;
    // The REST client disconnects while the tasks are still stopping.
    let deleting = tokio::spawn({
        let h = h.clone();
        async move { h.delete_connector("d").await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    deleting.abort();
    // Meanwhile the name is taken, and a create of it waits for the delete to end.
    let recreate = tokio::spawn({
        let h = h.clone();
        async move { h.create_connector(request("d", 2)).await }
    });
    tokio::time::sleep(SHUTDOWN).await;
    settle().await;
    let info = recreate
        .await
        .unwrap()
        .expect("created once the delete was done");
    assert_eq!(info.tasks.len(), 2);
    assert_eq!(h.connectors().await, vec!["d"]);
    settle().await;
    assert_eq!(
        states(&h, "d").await,
        (State::Running, vec![State::Running; 2])
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_restart_leaves_no_tasks_behind() {
    let worker = Arc::new(FakeWorker::default());
    let h = herder(worker.clone());
    h.create_connector(request("x", 2)).await.unwrap();
    settle().await;
    worker.failing.lock().unwrap().push("x".into());
    h.restart_connector("x").await.unwrap();
    settle().await;
    let info = h.connector_info("x").await.unwrap();
    assert!(info.tasks.is_empty(), "{info:?}");
    assert!(h.task_configs("x").await.unwrap().is_empty());
    let status = h.connector_status("x").await.unwrap();
    assert_eq!(status.connector.state, State::Failed);
    assert!(status.tasks.is_empty(), "{status:?}");
    let id = ConnectorTaskId::new("x", 0);
    assert!(matches!(
        h.task_status(&id).await,
        Err(HerderError::TaskNotFound(_))
    ));
    assert!(matches!(
        h.task_metrics(&id).await,
        Err(HerderError::TaskNotFound(_))
    ));
    // Fixed, a restart brings the tasks back.
    worker.failing.lock().unwrap().clear();
    h.restart_connector("x").await.unwrap();
    assert_eq!(h.connector_info("x").await.unwrap().tasks.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_reconfiguration_to_another_plugin_changes_the_connector_type() {
    let worker = Arc::new(FakeWorker::default());
    let h = herder(worker);
    h.create_connector(request("k", 1)).await.unwrap();
    assert_eq!(
        h.connector_info("k").await.unwrap().kind,
        wasmconnect_api::ConnectorType::Source
    );
    let mut sink = config(1);
    sink.insert("connector.class".into(), "FakeSink".into());
    sink.insert("topics".into(), "t".into());
    let updated = h.put_connector_config("k", sink).await.unwrap();
    assert_eq!(updated.result.kind, wasmconnect_api::ConnectorType::Sink);
    assert_eq!(
        h.connector_status("k").await.unwrap().kind,
        wasmconnect_api::ConnectorType::Sink
    );
}
