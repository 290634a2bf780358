//! The standalone herder: every connector of the worker runs here, each driven by its own
//! state machine.
//!
//! A connector is a tokio task (its *driver*) that owns its connector instance and its
//! tasks' handles and carries out one order at a time: start, reconfigure, restart, restart
//! a task, stop. Guest calls and task joins happen there and nowhere else. The herder's map
//! of connectors is locked only to find or insert a driver, never across an `.await`;
//! reads (lists, configs, statuses, metrics) come from the config and status stores. So a
//! connector whose `start` or `stop` takes long delays the requests about itself and
//! nothing else, and stopping many connectors at once takes about as long as the slowest.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tracing::Instrument;
use wasmconnect_api::{
    ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorState, ConnectorStateInfo, ConnectorTaskId,
    ConnectorType, CreateConnectorRequest, Created, Herder, HerderError, PluginDesc, Props,
    ServerInfo, State, TaskInfo, TaskMetrics, TaskState,
};
use wasmconnect_sandbox::Plugin;

use super::{connector_type, key_info, plugin_desc, validate, validate_report};
use crate::config::ConnectorConfig;
use crate::plugins::PluginRegistry;
use crate::storage::{ConfigBackingStore, ConnectorEntry, Status, StatusBackingStore, TargetState};
use crate::worker::{
    ConnectorError, RunningConnector, StatusReporter, TaskHandle, TaskSpec, Worker, stop_tasks,
};

/// Orders a connector's driver carries out, in order; each answers on `done`.
#[derive(Debug)]
enum Order {
    /// Start the connector and its tasks: a driver's first order.
    Start { done: oneshot::Sender<()> },
    /// Stop everything and start again with this plugin and configuration (boxed: an
    /// order is small, and every driver's queue holds room for a block of them).
    Reconfigure {
        to: Box<(Plugin, ConnectorConfig)>,
        done: oneshot::Sender<()>,
    },
    /// Stop everything and start again.
    Restart { done: oneshot::Sender<()> },
    /// Replace one task with a fresh one.
    RestartTask {
        task: u32,
        done: oneshot::Sender<Result<(), HerderError>>,
    },
    /// Stop everything; the driver ends (worker shutdown).
    Stop { done: oneshot::Sender<()> },
    /// Stop everything and forget the connector: its config, statuses and slot; the driver
    /// ends. Done by the driver itself, so a caller that goes away halfway (a REST client
    /// that disconnects) leaves nothing half-deleted.
    Delete { done: oneshot::Sender<()> },
}

/// How many orders may wait for one connector's driver: REST callers beyond that wait to
/// hand theirs in.
const ORDERS: usize = 16;

/// A connector as the herder's map holds it: how to reach its driver, and what REST reads
/// without asking the driver.
#[derive(Debug)]
struct Slot {
    kind: ConnectorType,
    orders: mpsc::Sender<Order>,
    target: watch::Sender<TargetState>,
    /// Each task's counters, by task number, as the driver last started them.
    metrics: Arc<Mutex<Vec<Arc<crate::worker::TaskMetrics>>>>,
    /// Being deleted: a create or update of the name waits until `gone`.
    deleting: bool,
    /// True (or closed) once the driver has forgotten the connector.
    gone: watch::Receiver<bool>,
}

/// What `put` does about a name, decided under the map's lock.
#[derive(Debug)]
enum Put {
    /// A driver was spawned; its start answers here.
    Created(oneshot::Receiver<()>),
    /// The connector exists: reconfigure it.
    Update,
    /// The connector is being deleted: wait, then decide again.
    Wait(watch::Receiver<bool>),
}

/// What the herder and its drivers share.
#[derive(Debug)]
struct Shared {
    worker_id: Arc<str>,
    kafka_cluster_id: Option<String>,
    worker: Arc<dyn Worker>,
    plugins: Arc<PluginRegistry>,
    configs: Arc<dyn ConfigBackingStore>,
    statuses: Arc<dyn StatusBackingStore>,
    connectors: Mutex<BTreeMap<String, Slot>>,
    /// Every start of a connector or task gets the next number, so a status written by an
    /// earlier start cannot overwrite a later one's.
    generation: AtomicU64,
}

impl Shared {
    fn connectors(&self) -> MutexGuard<'_, BTreeMap<String, Slot>> {
        // Every change to the map is one insert or remove.
        self.connectors.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn orders(&self, name: &str) -> Result<mpsc::Sender<Order>, HerderError> {
        self.connectors()
            .get(name)
            .map(|s| s.orders.clone())
            .ok_or_else(|| not_found(name))
    }

    /// Hands `order` to `name`'s driver and waits for its answer. A driver that is gone (the
    /// connector was deleted meanwhile) answers "not found"; one that died is forgotten.
    async fn order<T>(
        &self,
        name: &str,
        order: impl FnOnce(oneshot::Sender<T>) -> Order,
    ) -> Result<T, HerderError> {
        let orders = self.orders(name)?;
        let (done, answer) = oneshot::channel();
        if orders.send(order(done)).await.is_err() {
            self.forget_dead(name, &orders).await;
            return Err(not_found(name));
        }
        match answer.await {
            Ok(answer) => Ok(answer),
            Err(_) => {
                self.forget_dead(name, &orders).await;
                Err(not_found(name))
            }
        }
    }

    /// Forgets connector `name` if its slot still leads to the driver behind `orders` and
    /// that driver is gone without forgetting it (it panicked): otherwise the name would be
    /// taken by a connector nothing can reach.
    async fn forget_dead(&self, name: &str, orders: &mpsc::Sender<Order>) {
        let dead = {
            let mut connectors = self.connectors();
            let dead = connectors
                .get(name)
                .is_some_and(|slot| slot.orders.same_channel(orders) && orders.is_closed());
            if dead {
                connectors.remove(name);
            }
            dead
        };
        if dead {
            tracing::error!(
                connector = name,
                "connector driver died; connector forgotten"
            );
            self.forget(name).await;
        }
    }

    /// Removes `name`'s config and statuses.
    async fn forget(&self, name: &str) {
        if let Err(e) = self.configs.remove_connector(name).await {
            tracing::error!(connector = name, error = %e, "cannot remove the connector config");
        }
        self.statuses.remove_connector(name);
    }
}

fn not_found(name: &str) -> HerderError {
    HerderError::ConnectorNotFound(name.to_owned())
}

fn store_error(e: crate::storage::StoreError) -> HerderError {
    HerderError::Internal(e.to_string())
}

/// The standalone herder.
#[derive(Debug, Clone)]
pub struct StandaloneHerder {
    shared: Arc<Shared>,
}

impl StandaloneHerder {
    /// A herder with no connectors, answering as worker `worker_id`.
    pub fn new(
        worker_id: &str,
        kafka_cluster_id: Option<String>,
        worker: Arc<dyn Worker>,
        plugins: Arc<PluginRegistry>,
        configs: Arc<dyn ConfigBackingStore>,
        statuses: Arc<dyn StatusBackingStore>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                worker_id: worker_id.into(),
                kafka_cluster_id,
                worker,
                plugins,
                configs,
                statuses,
                connectors: Mutex::new(BTreeMap::new()),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// Validates `config` and creates connector `name` (`allow_update`: or reconfigures
    /// it); returns whether it was created, once it has started (or failed to).
    async fn put(
        &self,
        name: &str,
        mut config: Props,
        allow_update: bool,
    ) -> Result<Created<ConnectorInfo>, HerderError> {
        let s = &self.shared;
        config.insert("name".into(), name.to_string());
        let (plugin, settings) = validate(&s.plugins, &*s.worker, &config).await?;
        loop {
            let put = {
                let mut connectors = s.connectors();
                match connectors.get(name) {
                    Some(slot) if slot.deleting => Put::Wait(slot.gone.clone()),
                    Some(_) if !allow_update => {
                        return Err(HerderError::ConnectorExists(name.to_owned()));
                    }
                    Some(_) => Put::Update,
                    None => {
                        let (slot, started) =
                            Driver::spawn(s, name, plugin.clone(), settings.clone());
                        connectors.insert(name.to_owned(), slot);
                        Put::Created(started)
                    }
                }
            };
            let created = match put {
                // A closed channel is a driver gone too.
                Put::Wait(mut gone) => {
                    let _ = gone.wait_for(|gone| *gone).await;
                    continue;
                }
                Put::Created(started) => {
                    started.await.map_err(|_| not_found(name))?;
                    true
                }
                Put::Update => {
                    s.order(name, |done| Order::Reconfigure {
                        to: Box::new((plugin, settings)),
                        done,
                    })
                    .await?;
                    false
                }
            };
            return Ok(Created {
                created,
                result: self.info(name)?,
            });
        }
    }

    /// The type and target state of connector `name`, from its slot.
    fn slot(&self, name: &str) -> Result<(ConnectorType, TargetState), HerderError> {
        self.shared
            .connectors()
            .get(name)
            .map(|slot| (slot.kind, *slot.target.borrow()))
            .ok_or_else(|| not_found(name))
    }

    /// The stored config and task configs of a connector that has a slot.
    fn entry(&self, name: &str) -> Result<(ConnectorType, ConnectorEntry), HerderError> {
        let (kind, _) = self.slot(name)?;
        let entry = self
            .shared
            .configs
            .get(name)
            .ok_or_else(|| not_found(name))?;
        Ok((kind, entry))
    }

    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let (kind, entry) = self.entry(name)?;
        Ok(ConnectorInfo {
            name: name.to_owned(),
            config: entry.config,
            tasks: (0..entry.tasks.len() as u32)
                .map(|t| ConnectorTaskId::new(name, t))
                .collect(),
            kind,
        })
    }

    fn task_state(&self, id: &ConnectorTaskId) -> TaskState {
        let status = self.shared.statuses.task(id);
        TaskState {
            id: id.task,
            state: status.as_ref().map_or(State::Unassigned, |s| s.state),
            trace: status.as_ref().and_then(|s| s.trace.clone()),
            worker_id: status.map_or_else(|| self.shared.worker_id.to_string(), |s| s.worker_id),
        }
    }

    fn set_target(&self, name: &str, target: TargetState) -> Result<(), HerderError> {
        let connectors = self.shared.connectors();
        let slot = connectors.get(name).ok_or_else(|| not_found(name))?;
        slot.target.send_replace(target);
        Ok(())
    }

    async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), HerderError> {
        self.set_target(name, target)?;
        self.shared
            .configs
            .put_target_state(name, target)
            .await
            .map_err(store_error)?;
        tracing::info!(connector = name, ?target, "connector target state changed");
        Ok(())
    }

    /// Stops every connector (worker shutdown), all at once: each is ordered and waited
    /// for on its own, so one with orders queued holds up none of the others.
    pub async fn stop(&self) {
        let orders: Vec<(String, mpsc::Sender<Order>)> = self
            .shared
            .connectors()
            .iter()
            .map(|(name, slot)| (name.clone(), slot.orders.clone()))
            .collect();
        let mut stopping = tokio::task::JoinSet::new();
        for (name, orders) in orders {
            stopping.spawn(async move {
                tracing::info!(connector = %name, "stopping connector");
                let (done, answer) = oneshot::channel();
                if orders.send(Order::Stop { done }).await.is_ok() {
                    let _ = answer.await;
                }
            });
        }
        stopping.join_all().await;
        self.shared.connectors().clear();
    }
}

#[async_trait::async_trait]
impl Herder for StandaloneHerder {
    fn server_info(&self) -> ServerInfo {
        ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: option_env!("WASMCONNECT_COMMIT")
                .unwrap_or("unknown")
                .to_owned(),
            kafka_cluster_id: self.shared.kafka_cluster_id.clone(),
        }
    }

    async fn connectors(&self) -> Vec<String> {
        self.shared.configs.connectors()
    }

    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        self.info(name)
    }

    async fn connector_config(&self, name: &str) -> Result<Props, HerderError> {
        Ok(self.info(name)?.config)
    }

    async fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError> {
        let s = &self.shared;
        let (kind, target) = self.slot(name)?;
        let tasks = s.configs.get(name).map_or(0, |e| e.tasks.len()) as u32;
        let status = s.statuses.connector(name);
        let mut state = status.as_ref().map_or(State::Unassigned, |s| s.state);
        let mut trace = status.as_ref().and_then(|s| s.trace.clone());
        if state == State::Running && target == TargetState::Paused {
            state = State::Paused;
            trace = None;
        }
        Ok(ConnectorStateInfo {
            name: name.to_owned(),
            connector: ConnectorState {
                state,
                trace,
                worker_id: status.map_or_else(|| s.worker_id.to_string(), |s| s.worker_id),
            },
            tasks: (0..tasks)
                .map(|t| self.task_state(&ConnectorTaskId::new(name, t)))
                .collect(),
            kind,
        })
    }

    async fn task_status(&self, id: &ConnectorTaskId) -> Result<TaskState, HerderError> {
        let info = self.info(&id.connector)?;
        if !info.tasks.contains(id) {
            return Err(HerderError::TaskNotFound(id.clone()));
        }
        Ok(self.task_state(id))
    }

    async fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError> {
        let (_, entry) = self.entry(name)?;
        Ok(entry
            .tasks
            .into_iter()
            .enumerate()
            .map(|(t, config)| TaskInfo {
                id: ConnectorTaskId::new(name, t as u32),
                config,
            })
            .collect())
    }

    async fn task_metrics(&self, id: &ConnectorTaskId) -> Result<TaskMetrics, HerderError> {
        let metrics = {
            let connectors = self.shared.connectors();
            let slot = connectors
                .get(&id.connector)
                .ok_or_else(|| not_found(&id.connector))?;
            let all = slot.metrics.lock().unwrap_or_else(|p| p.into_inner());
            all.get(id.task as usize).cloned()
        };
        metrics
            .map(|m| m.snapshot(id.task))
            .ok_or_else(|| HerderError::TaskNotFound(id.clone()))
    }

    async fn create_connector(
        &self,
        request: CreateConnectorRequest,
    ) -> Result<ConnectorInfo, HerderError> {
        Ok(self.put(&request.name, request.config, false).await?.result)
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: Props,
    ) -> Result<Created<ConnectorInfo>, HerderError> {
        self.put(name, config, true).await
    }

    async fn delete_connector(&self, name: &str) -> Result<(), HerderError> {
        let s = &self.shared;
        let already = {
            let mut connectors = s.connectors();
            match connectors.get_mut(name) {
                Some(slot) if slot.deleting => Some(slot.gone.clone()),
                Some(slot) => {
                    slot.deleting = true;
                    None
                }
                None => return Err(not_found(name)),
            }
        };
        // A second delete of the same connector waits for the first, then finds nothing.
        if let Some(mut gone) = already {
            let _ = gone.wait_for(|gone| *gone).await;
            return Err(not_found(name));
        }
        s.order(name, |done| Order::Delete { done }).await?;
        tracing::info!(connector = name, "connector deleted");
        Ok(())
    }

    async fn pause_connector(&self, name: &str) -> Result<(), HerderError> {
        self.set_target_state(name, TargetState::Paused).await
    }

    async fn resume_connector(&self, name: &str) -> Result<(), HerderError> {
        self.set_target_state(name, TargetState::Started).await
    }

    async fn restart_connector(&self, name: &str) -> Result<(), HerderError> {
        self.shared
            .order(name, |done| Order::Restart { done })
            .await
    }

    async fn restart_task(&self, id: &ConnectorTaskId) -> Result<(), HerderError> {
        let task = id.task;
        self.shared
            .order(&id.connector, |done| Order::RestartTask { task, done })
            .await?
    }

    async fn connector_plugins(&self) -> Vec<PluginDesc> {
        self.shared.plugins.list().iter().map(plugin_desc).collect()
    }

    async fn connector_plugin_config(
        &self,
        class: &str,
    ) -> Result<Vec<ConfigKeyInfo>, HerderError> {
        let plugin = self
            .shared
            .plugins
            .find(class)
            .ok_or_else(|| HerderError::PluginNotFound(class.to_owned()))?;
        Ok(plugin.config_def.iter().map(key_info).collect())
    }

    async fn validate_connector_config(
        &self,
        class: &str,
        config: Props,
    ) -> Result<ConfigInfos, HerderError> {
        validate_report(&self.shared.plugins, &*self.shared.worker, class, config).await
    }

    async fn upload_plugin(&self, component: Vec<u8>) -> Result<PluginDesc, HerderError> {
        let plugin = self.shared.plugins.upload(component).await?;
        Ok(plugin_desc(&plugin))
    }
}

/// One connector's state machine: it owns the connector instance and the task handles, and
/// carries out its orders one at a time.
#[derive(Debug)]
struct Driver {
    shared: Arc<Shared>,
    name: String,
    plugin: Plugin,
    config: ConnectorConfig,
    target: watch::Receiver<TargetState>,
    /// Notified by the connector's tasks' `request-task-reconfiguration`.
    reconfigure: Arc<Notify>,
    metrics: Arc<Mutex<Vec<Arc<crate::worker::TaskMetrics>>>>,
    /// Set once the connector is forgotten (deleted).
    gone: watch::Sender<bool>,
    connector: Option<Box<dyn RunningConnector>>,
    tasks: Vec<TaskHandle>,
}

impl Driver {
    /// Spawns the driver of connector `name` with the order to start; returns the slot that
    /// reaches it and the answer to that order.
    fn spawn(
        shared: &Arc<Shared>,
        name: &str,
        plugin: Plugin,
        config: ConnectorConfig,
    ) -> (Slot, oneshot::Receiver<()>) {
        let (orders, inbox) = mpsc::channel(ORDERS);
        let (done, started) = oneshot::channel();
        // The first message of an empty channel: room for it.
        let _ = orders.try_send(Order::Start { done });
        let (target, target_rx) = watch::channel(TargetState::Started);
        let (gone, gone_rx) = watch::channel(false);
        let metrics = Arc::new(Mutex::new(Vec::new()));
        let slot = Slot {
            kind: connector_type(plugin.kind),
            orders,
            target,
            metrics: metrics.clone(),
            deleting: false,
            gone: gone_rx,
        };
        let driver = Self {
            shared: shared.clone(),
            name: name.to_owned(),
            plugin,
            config,
            target: target_rx,
            reconfigure: Arc::new(Notify::new()),
            metrics,
            gone,
            connector: None,
            tasks: Vec::new(),
        };
        let span = tracing::info_span!(parent: None, "connector", connector = name);
        tokio::spawn(driver.run(inbox).instrument(span));
        (slot, started)
    }

    async fn run(mut self, mut inbox: mpsc::Receiver<Order>) {
        loop {
            tokio::select! {
                order = inbox.recv() => match order {
                    Some(Order::Start { done }) => {
                        self.start().await;
                        let _ = done.send(());
                    }
                    Some(Order::Reconfigure { to, done }) => {
                        let (plugin, config) = *to;
                        self.stop().await;
                        if let Some(slot) = self.shared.connectors().get_mut(&self.name) {
                            slot.kind = connector_type(plugin.kind);
                        }
                        self.plugin = plugin;
                        self.config = config;
                        self.start().await;
                        let _ = done.send(());
                    }
                    Some(Order::Restart { done }) => {
                        self.stop().await;
                        self.start().await;
                        let _ = done.send(());
                    }
                    Some(Order::RestartTask { task, done }) => {
                        let _ = done.send(self.restart_task(task).await);
                    }
                    Some(Order::Stop { done }) => {
                        self.stop().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(Order::Delete { done }) => {
                        self.stop().await;
                        // The stores first, the slot last: until the slot goes, the name is
                        // taken, so no new connector of the name can be forgotten with it.
                        self.shared.forget(&self.name).await;
                        self.shared.connectors().remove(&self.name);
                        self.gone.send_replace(true);
                        let _ = done.send(());
                        return;
                    }
                    // The herder is gone.
                    None => {
                        self.stop().await;
                        return;
                    }
                },
                () = self.reconfigure.notified() => self.reconfigure_tasks().await,
            }
        }
    }

    fn set_status(&self, status: Status) {
        self.shared.statuses.put_connector(&self.name, status);
    }

    fn fail(&self, e: &ConnectorError) {
        tracing::error!(reason = %e, "connector failed");
        let generation = self.shared.next_generation();
        self.set_status(Status::failed(
            &e.to_string(),
            &e.trace(),
            &self.shared.worker_id,
            generation,
        ));
    }

    /// Stores the configuration, starts the connector level, asks it for its task configs
    /// and starts the tasks; on a failure the connector is FAILED with the reason and no
    /// task runs.
    async fn start(&mut self) {
        let s = self.shared.clone();
        let target = *self.target.borrow();
        if let Err(e) = s
            .configs
            .put_connector_config(&self.name, self.config.props.clone(), target)
            .await
        {
            tracing::error!(error = %e, "cannot store the connector config");
        }
        // A pause or resume that came meanwhile had no entry to go to.
        let now = *self.target.borrow();
        if now != target
            && let Err(e) = s.configs.put_target_state(&self.name, now).await
        {
            tracing::error!(error = %e, "cannot store the target state");
        }
        // No task runs until the connector says which: a failed start leaves none listed.
        self.clear_tasks().await;
        self.set_status(Status::new(
            State::Unassigned,
            &s.worker_id,
            s.next_generation(),
        ));
        let mut connector = match s
            .worker
            .start_connector(&self.name, &self.plugin, &self.config)
            .await
        {
            Ok(c) => c,
            Err(e) => return self.fail(&e),
        };
        let configs = match connector.task_configs(self.config.tasks_max).await {
            Ok(c) => c,
            Err(e) => return self.fail(&ConnectorError::TaskConfigs(e)),
        };
        let errors = connector.take_errors();
        if !errors.is_empty() {
            return self.fail(&ConnectorError::Raised(errors));
        }
        self.connector = Some(connector);
        self.set_status(Status::new(
            State::Running,
            &s.worker_id,
            s.next_generation(),
        ));
        tracing::info!(tasks = configs.len(), "connector started");
        self.start_tasks(configs).await;
    }

    /// Forgets the task configs and statuses of the tasks stopped last.
    async fn clear_tasks(&mut self) {
        if let Err(e) = self
            .shared
            .configs
            .put_task_configs(&self.name, Vec::new())
            .await
        {
            tracing::error!(error = %e, "cannot store the task configs");
        }
        self.shared.statuses.remove_tasks(&self.name, 0);
        self.publish_metrics();
    }

    /// Stores `configs` as the connector's task configs and starts one task for each.
    async fn start_tasks(&mut self, configs: Vec<Props>) {
        let s = self.shared.clone();
        if let Err(e) = s
            .configs
            .put_task_configs(&self.name, configs.clone())
            .await
        {
            tracing::error!(error = %e, "cannot store the task configs");
        }
        s.statuses.remove_tasks(&self.name, configs.len() as u32);
        for (task, config) in configs.into_iter().enumerate() {
            let handle = self.start_task(task as u32, config);
            self.tasks.push(handle);
        }
        self.publish_metrics();
    }

    fn start_task(&self, task: u32, config: Props) -> TaskHandle {
        let s = &self.shared;
        let id = ConnectorTaskId::new(&self.name, task);
        let generation = s.next_generation();
        s.statuses.put_task(
            &id,
            Status::new(State::Unassigned, &s.worker_id, generation),
        );
        s.worker.start_task(TaskSpec {
            status: StatusReporter::new(
                s.statuses.clone(),
                id.clone(),
                s.worker_id.clone(),
                generation,
            ),
            id,
            plugin: self.plugin.clone(),
            connector: self.config.clone(),
            config,
            target: self.target.clone(),
            reconfigure: self.reconfigure.clone(),
        })
    }

    fn publish_metrics(&self) {
        let mut metrics = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        *metrics = self.tasks.iter().map(|t| t.metrics.clone()).collect();
    }

    /// Stops the tasks, all together within one graceful timeout, then the connector level.
    async fn stop(&mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        stop_tasks(tasks, self.shared.worker.shutdown_timeout()).await;
        if let Some(connector) = self.connector.take()
            && let Err(e) = connector.stop().await
        {
            tracing::warn!(error = %e, "connector stop failed");
        }
    }

    /// `POST /connectors/{name}/tasks/{task}/restart`: the task stopped, and started again
    /// with the same config in a fresh instance.
    async fn restart_task(&mut self, task: u32) -> Result<(), HerderError> {
        let config = self
            .shared
            .configs
            .get(&self.name)
            .and_then(|e| e.tasks.get(task as usize).cloned());
        let (Some(config), true) = (config, (task as usize) < self.tasks.len()) else {
            return Err(HerderError::TaskNotFound(ConnectorTaskId::new(
                &self.name, task,
            )));
        };
        let old = self.tasks.remove(task as usize);
        stop_tasks(vec![old], self.shared.worker.shutdown_timeout()).await;
        let fresh = self.start_task(task, config);
        self.tasks.insert(task as usize, fresh);
        self.publish_metrics();
        Ok(())
    }

    /// `request-task-reconfiguration`: asks the connector for its task configs again and, if
    /// they changed, restarts its tasks with them.
    async fn reconfigure_tasks(&mut self) {
        let Some(connector) = self.connector.as_mut() else {
            return;
        };
        let configs = connector.task_configs(self.config.tasks_max).await;
        let errors = connector.take_errors();
        if !errors.is_empty() {
            self.fail(&ConnectorError::Raised(errors));
        }
        let configs = match configs {
            Ok(c) => c,
            Err(e) => return self.fail(&ConnectorError::TaskConfigs(e)),
        };
        let current = self.shared.configs.get(&self.name).map(|e| e.tasks);
        if current.as_ref() == Some(&configs) {
            tracing::debug!("task configs unchanged");
            return;
        }
        tracing::info!(tasks = configs.len(), "reconfiguring tasks");
        let tasks = std::mem::take(&mut self.tasks);
        stop_tasks(tasks, self.shared.worker.shutdown_timeout()).await;
        self.start_tasks(configs).await;
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
#[test]
fn an_order_is_small() {
    // Each driver's channel allocates room for 32 orders at once: with a plugin in an order
    // that was 8 KiB per connector.
    assert!(
        std::mem::size_of::<Order>() <= 32,
        "{}",
        std::mem::size_of::<Order>()
    );
}
