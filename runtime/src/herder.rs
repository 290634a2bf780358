//! The standalone herder: the plugin registry and the connectors of this worker, their tasks
//! and their states. REST and the CLI act through it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, RwLock, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::config::ConnectorConfig;
use crate::converters::{self, Converter};
use crate::offsets::FileOffsetStore;
use crate::sandbox::{ConnectorInstance, Limits, Plugin, PluginKind, Sandbox, SandboxError};
use crate::worker::{self, Control, KafkaClients, State, Status, StatusCell, TaskContext, TaskId};

/// A connector configuration: Connect's string map.
pub type Props = BTreeMap<String, String>;

/// Class names of the file connectors we ship; they get the directory of `file`.
const FILE_SOURCE: &str = "io.wasmconnect.file.FileStreamSourceConnector";
const FILE_SINK: &str = "io.wasmconnect.file.FileStreamSinkConnector";

/// Why the herder refused a request.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HerderError {
    /// No such connector.
    #[error("Connector {0} not found")]
    NotFound(String),
    /// No such task.
    #[error("Task {0} not found")]
    TaskNotFound(String),
    /// A connector of that name exists.
    #[error("Connector {0} already exists")]
    AlreadyExists(String),
    /// The configuration is invalid; the message names every bad field.
    #[error("{0}")]
    BadConfig(String),
    /// A plugin upload was refused.
    #[error("{0}")]
    BadPlugin(String),
    /// A plugin with that class name is installed.
    #[error("{0}")]
    PluginConflict(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

/// Worker settings the herder needs.
#[derive(Debug, Clone)]
pub struct HerderConfig {
    /// `host:port` of this worker's REST listener, shown as `worker_id`.
    pub worker_id: String,
    /// Directories scanned for `.wasm` plugins; uploads go to the first.
    pub plugin_path: Vec<PathBuf>,
    /// Worker-level converter settings: `key.converter`, `value.converter` and their
    /// `key.converter.*`/`value.converter.*` keys.
    pub worker_props: Props,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
    /// Default `wasm.memory.max.bytes`.
    pub memory_max_bytes: u64,
    /// Default `wasm.call.timeout.ms`.
    pub call_timeout: Duration,
    /// Default `wasm.recycle.memory.percent` (0 = off).
    pub recycle_memory_percent: u32,
    /// Default `wasm.recycle.calls` (0 = off).
    pub recycle_calls: u64,
    /// `task.shutdown.graceful.timeout.ms`.
    pub shutdown_timeout: Duration,
}

struct TaskHandle {
    status: StatusCell,
    metrics: Arc<worker::TaskMetrics>,
    config: Props,
    control: watch::Sender<Control>,
    join: Option<JoinHandle<()>>,
}

struct Connector {
    /// The configuration, parsed; `settings.props` is the map as given.
    settings: ConnectorConfig,
    plugin: Plugin,
    status: Status,
    instance: Option<Arc<AsyncMutex<ConnectorInstance>>>,
    tasks: Vec<TaskHandle>,
    control: watch::Sender<Control>,
}

/// The herder.
#[derive(Clone)]
pub struct Herder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Herder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Herder").finish_non_exhaustive()
    }
}

struct Inner {
    config: HerderConfig,
    sandbox: Sandbox,
    kafka: KafkaClients,
    offsets: FileOffsetStore,
    plugins: RwLock<Vec<Plugin>>,
    connectors: AsyncMutex<BTreeMap<String, Connector>>,
    /// Serializes plugin uploads.
    upload: AsyncMutex<()>,
    /// Tasks send their connector's name here for `request-task-reconfiguration`.
    reconfigure: tokio::sync::mpsc::Sender<String>,
}

/// One entry of `GET /connectors/{name}/status`.
#[derive(Debug, Clone)]
pub struct ConnectorStatus {
    /// Connector name.
    pub name: String,
    /// Connector state.
    pub connector: Status,
    /// Task states, by id.
    pub tasks: Vec<(u32, Status)>,
    /// Source or sink.
    pub kind: PluginKind,
}

/// What `GET /connectors/{name}` shows.
#[derive(Debug, Clone)]
pub struct ConnectorInfo {
    /// Name.
    pub name: String,
    /// Config.
    pub config: Props,
    /// Task ids.
    pub tasks: Vec<u32>,
    /// Source or sink.
    pub kind: PluginKind,
}

impl Herder {
    /// A herder with no connectors; call `load_plugins` next.
    pub fn new(
        config: HerderConfig,
        sandbox: Sandbox,
        kafka: KafkaClients,
        offsets: FileOffsetStore,
    ) -> Self {
        let (reconfigure, mut requests) = tokio::sync::mpsc::channel::<String>(64);
        let herder = Self {
            inner: Arc::new(Inner {
                config,
                sandbox,
                kafka,
                offsets,
                plugins: RwLock::new(Vec::new()),
                connectors: AsyncMutex::new(BTreeMap::new()),
                upload: AsyncMutex::new(()),
                reconfigure,
            }),
        };
        let weak = Arc::downgrade(&herder.inner);
        tokio::spawn(async move {
            while let Some(name) = requests.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                Herder { inner }.reconfigure(&name).await;
            }
        });
        herder
    }

    /// `request-task-reconfiguration`: asks the connector for its task configs again and, if
    /// they changed, restarts its tasks with them.
    async fn reconfigure(&self, name: &str) {
        let mut connectors = self.inner.connectors.lock().await;
        let Some(c) = connectors.get_mut(name) else {
            return;
        };
        let Some(instance) = c.instance.clone() else {
            return;
        };
        let tasks_max = c.settings.tasks_max;
        let configs = {
            let mut instance = instance.lock().await;
            let configs = instance.task_configs(tasks_max).await;
            let requests = instance.take_requests();
            if !requests.errors.is_empty() {
                c.status = Status::failed(&requests.errors.join("; "), "");
            }
            configs
        };
        let configs = match configs {
            Ok(configs) => configs,
            Err(e) => {
                c.status = Status::failed(&format!("task-configs failed: {e}"), &e.trace());
                return;
            }
        };
        let current: Vec<&Props> = c.tasks.iter().map(|t| &t.config).collect();
        if configs.iter().collect::<Vec<_>>() == current {
            tracing::debug!(connector = name, "task configs unchanged");
            return;
        }
        tracing::info!(
            connector = name,
            tasks = configs.len(),
            "reconfiguring tasks"
        );
        for t in &mut c.tasks {
            t.control.send_modify(|ctl| ctl.stopping = true);
        }
        let mut old = std::mem::take(&mut c.tasks);
        for t in &mut old {
            self.join_task(t).await;
        }
        for (i, config) in configs.into_iter().enumerate() {
            let handle = self.spawn_task(name, c, i as u32, config);
            c.tasks.push(handle);
        }
    }

    /// The worker id shown in statuses.
    pub fn worker_id(&self) -> &str {
        &self.inner.config.worker_id
    }

    /// Adds a native twin (a connector's code linked into this program), replacing a
    /// component of the same class: benchmarks run the same pipeline on both.
    pub async fn register_native(&self, plugin: Plugin) {
        let mut plugins = self.inner.plugins.write().await;
        plugins.retain(|p| p.class_name != plugin.class_name);
        tracing::info!(class = %plugin.class_name, kind = %plugin.kind, "native plugin registered");
        plugins.push(plugin);
    }

    /// Scans `plugin.path` for `.wasm` components. A file that is not a plugin is reported in
    /// the log and in the returned list; the others load.
    pub async fn load_plugins(&self) -> Vec<(PathBuf, String)> {
        let loaded = load_plugin_files(&self.inner.sandbox, &self.inner.config.plugin_path).await;
        self.install_plugins(loaded).await
    }

    /// Installs plugins [`load_plugin_files`] loaded; returns, like
    /// [`Self::load_plugins`], the files skipped and why.
    pub async fn install_plugins(&self, loaded: LoadedPlugins) -> Vec<(PathBuf, String)> {
        let mut problems = Vec::new();
        for (file, result) in loaded {
            match result {
                Ok(plugin) => {
                    tracing::info!(class = %plugin.class_name, kind = %plugin.kind, version = %plugin.version, file = %file.display(), "plugin loaded");
                    let mut plugins = self.inner.plugins.write().await;
                    if plugins.iter().any(|p| p.class_name == plugin.class_name) {
                        problems.push((
                            file,
                            format!("duplicate plugin class {}; ignored", plugin.class_name),
                        ));
                    } else {
                        plugins.push(plugin);
                    }
                }
                Err(why) => problems.push((file, why)),
            }
        }
        for (file, why) in &problems {
            tracing::error!(file = %file.display(), "skipping plugin: {why}");
        }
        problems
    }

    /// Installed plugins.
    pub async fn plugins(&self) -> Vec<Plugin> {
        self.inner.plugins.read().await.clone()
    }

    async fn find_plugin(&self, class: &str) -> Option<Plugin> {
        self.inner
            .plugins
            .read()
            .await
            .iter()
            .find(|p| p.matches(class))
            .cloned()
    }

    /// Checks, precompiles and installs an uploaded plugin; usable at once.
    pub async fn upload_plugin(&self, bytes: Vec<u8>) -> Result<Plugin, HerderError> {
        let _guard = self.inner.upload.lock().await;
        let dir = self
            .inner
            .config
            .plugin_path
            .first()
            .cloned()
            .ok_or_else(|| {
                HerderError::BadPlugin("plugin.path is not set; uploads are disabled".into())
            })?;
        let plugin = self
            .inner
            .sandbox
            .load(bytes.clone())
            .await
            .map_err(|e| HerderError::BadPlugin(e.to_string()))?;
        {
            let plugins = self.inner.plugins.read().await;
            if let Some(p) = plugins.iter().find(|p| {
                p.class_name == plugin.class_name
                    || plugin.aliases.iter().any(|a| p.matches(a))
                    || p.aliases.iter().any(|a| plugin.matches(a))
            }) {
                return Err(HerderError::PluginConflict(format!(
                    "Plugin {} (version {}) is already installed",
                    p.class_name, p.version
                )));
            }
        }
        let safe: String = plugin
            .class_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let file = dir.join(format!("{safe}-{}.wasm", &plugin.digest[..12]));
        let tmp = dir.join(format!(".{safe}.upload"));
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, &file).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(HerderError::Internal(format!(
                "cannot store plugin in {}: {e}",
                dir.display()
            )));
        }
        tracing::info!(class = %plugin.class_name, kind = %plugin.kind, file = %file.display(), "plugin uploaded");
        self.inner.plugins.write().await.push(plugin.clone());
        Ok(plugin)
    }

    /// Names of all connectors.
    pub async fn connector_names(&self) -> Vec<String> {
        self.inner.connectors.lock().await.keys().cloned().collect()
    }

    /// Validates and starts a new connector; `Err(AlreadyExists)` if the name is taken.
    pub async fn create(&self, name: &str, config: Props) -> Result<ConnectorInfo, HerderError> {
        self.put(name, config, false).await
    }

    /// Creates or reconfigures a connector (`PUT /connectors/{name}/config`); returns whether
    /// it was created.
    pub async fn put_config(
        &self,
        name: &str,
        config: Props,
    ) -> Result<(bool, ConnectorInfo), HerderError> {
        let existed = self.inner.connectors.lock().await.contains_key(name);
        let info = self.put(name, config, true).await?;
        Ok((!existed, info))
    }

    async fn put(
        &self,
        name: &str,
        mut config: Props,
        allow_update: bool,
    ) -> Result<ConnectorInfo, HerderError> {
        config.insert("name".into(), name.to_string());
        let (plugin, settings) = self.validate(&config).await?;
        let mut connectors = self.inner.connectors.lock().await;
        if let Some(existing) = connectors.remove(name) {
            if !allow_update {
                connectors.insert(name.to_string(), existing);
                return Err(HerderError::AlreadyExists(name.to_string()));
            }
            self.stop_connector(existing).await;
        }
        let connector = self.start_connector(name, settings, plugin).await;
        let info = info_of(name, &connector);
        connectors.insert(name.to_string(), connector);
        Ok(info)
    }

    /// Checks a connector config: our keys, the class, then the plugin's own `validate`.
    /// Returns the plugin and the parsed config.
    pub async fn validate(&self, config: &Props) -> Result<(Plugin, ConnectorConfig), HerderError> {
        let mut errors: Vec<String> = Vec::new();
        let parsed = match ConnectorConfig::from_props(config) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.extend(e.messages());
                None
            }
        };
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let plugin = if class.is_empty() {
            None
        } else {
            let p = self.find_plugin(&class).await;
            if p.is_none() {
                let known: Vec<String> = self
                    .plugins()
                    .await
                    .into_iter()
                    .map(|p| p.class_name)
                    .collect();
                errors.push(format!(
                    "Invalid value {class} for configuration connector.class: Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
                    known.join(", ")
                ));
            }
            p
        };
        if let Some(plugin) = &plugin {
            if plugin.kind == PluginKind::Sink
                && let Some(parsed) = &parsed
            {
                if let Err(e) = parsed.check_sink() {
                    errors.extend(e.messages());
                }
                if let Some(re) = &parsed.topics_regex
                    && let Err(e) = regex::Regex::new(re)
                {
                    errors.push(format!(
                        "Invalid value {re} for configuration topics.regex: {e}"
                    ));
                }
            }
            if errors.is_empty() {
                let values = self.guest_validate(plugin, config).await?;
                errors.extend(values.into_iter().flat_map(|v| v.errors));
            }
        }
        match (plugin, parsed) {
            (Some(plugin), Some(parsed)) if errors.is_empty() => Ok((plugin, parsed)),
            // Without a parsed config or a plugin there is at least one error above.
            _ => Err(HerderError::BadConfig(format!(
                "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
                errors.len(),
                errors.join("\n")
            ))),
        }
    }

    /// The installed plugin that `class` names.
    pub async fn plugin(&self, class: &str) -> Option<Plugin> {
        self.find_plugin(class).await
    }

    /// `PUT /connector-plugins/{class}/config/validate`: the worker's connector keys and the
    /// plugin's own, each with its definition and its validation result.
    pub async fn validate_report(
        &self,
        plugin: &Plugin,
        config: &Props,
    ) -> Result<Vec<(crate::sandbox::ConfigKey, crate::sandbox::ConfigValue)>, HerderError> {
        use crate::sandbox::{ConfigKey, ConfigValue};
        let def = crate::config::connector_def();
        let worker_values = def.validate(config);
        let mut report: Vec<(ConfigKey, ConfigValue)> = def
            .keys()
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let value = worker_values.iter().find(|v| v.name == k.name);
                (
                    ConfigKey {
                        name: k.name.to_string(),
                        type_name: k.ty.name(),
                        default_value: k.default.map(|d| Some(d.to_string())),
                        importance: "HIGH",
                        documentation: k.doc.to_string(),
                        group: Some("Common".into()),
                        order: i as i32 + 1,
                        width: "NONE",
                        display_name: k.name.to_string(),
                        dependents: Vec::new(),
                    },
                    ConfigValue {
                        name: k.name.to_string(),
                        value: config.get(k.name).cloned(),
                        recommended_values: Vec::new(),
                        errors: value.map(|v| v.errors.clone()).unwrap_or_default(),
                        visible: true,
                    },
                )
            })
            .collect();
        let values = self.guest_validate(plugin, config).await?;
        for key in plugin.config_def.iter() {
            let value = values
                .iter()
                .find(|v| v.name == key.name)
                .cloned()
                .unwrap_or(ConfigValue {
                    name: key.name.clone(),
                    value: config.get(&key.name).cloned(),
                    recommended_values: Vec::new(),
                    errors: Vec::new(),
                    visible: true,
                });
            report.push((key.clone(), value));
        }
        Ok(report)
    }

    /// The plugin's own `validate` of `config`, in a throwaway connector instance.
    async fn guest_validate(
        &self,
        plugin: &Plugin,
        config: &Props,
    ) -> Result<Vec<crate::sandbox::ConfigValue>, HerderError> {
        let limits = self.limits(plugin, config);
        let name = config.get("name").cloned().unwrap_or_default();
        let mut instance = self
            .inner
            .sandbox
            .connector(plugin, &name, &limits)
            .await
            .map_err(|e| {
                HerderError::BadConfig(format!("connector {name} cannot be instantiated: {e}"))
            })?;
        instance
            .validate(config)
            .await
            .map_err(|e| HerderError::BadConfig(format!("connector validate failed: {e}")))
    }

    /// Memory cap, deadline and directory grants for `config`. An invalid config (as
    /// `config/validate` may see) gets the worker's defaults.
    fn limits(&self, plugin: &Plugin, config: &Props) -> Limits {
        let c = &self.inner.config;
        let parsed = ConnectorConfig::from_props(config).ok();
        let memory_max_bytes = parsed
            .as_ref()
            .and_then(|p| p.wasm_memory_max_bytes)
            .unwrap_or(c.memory_max_bytes)
            .min(c.memory_max_bytes);
        let call_timeout = parsed
            .as_ref()
            .and_then(|p| p.wasm_call_timeout)
            .unwrap_or(c.call_timeout);
        let mut dirs = Vec::new();
        if (plugin.class_name == FILE_SOURCE || plugin.class_name == FILE_SINK)
            && let Some(dir) = config
                .get("file")
                .and_then(|f| crate::sandbox::parent_dir(std::path::Path::new(f)))
        {
            dirs.push((dir, plugin.class_name == FILE_SINK));
        }
        for d in parsed.iter().flat_map(|p| &p.wasm_allowed_dirs) {
            let abs = if d.is_absolute() {
                d.clone()
            } else {
                std::env::current_dir()
                    .map(|c| c.join(d))
                    .unwrap_or_else(|_| d.clone())
            };
            dirs.push((abs, true));
        }
        let percent = parsed
            .as_ref()
            .and_then(|p| p.wasm_recycle_memory_percent)
            .unwrap_or(c.recycle_memory_percent);
        let calls = parsed
            .as_ref()
            .and_then(|p| p.wasm_recycle_calls)
            .unwrap_or(c.recycle_calls);
        Limits {
            memory_max_bytes,
            call_timeout,
            dirs,
            recycle: crate::sandbox::Recycle::new(memory_max_bytes, percent, calls),
        }
    }

    fn converter(&self, config: &Props, which: &str) -> Result<Arc<dyn Converter>, String> {
        let worker = &self.inner.config.worker_props;
        let (class, source) = match config.get(which) {
            Some(c) => (c.clone(), config),
            None => (
                worker
                    .get(which)
                    .cloned()
                    .unwrap_or_else(|| "org.apache.kafka.connect.json.JsonConverter".into()),
                worker,
            ),
        };
        let prefix = format!("{which}.");
        let sub: Props = source
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v.clone())))
            .collect();
        converters::build(&class, &sub, which == "key.converter")
            .map(Arc::from)
            .map_err(|e| format!("Invalid value {class} for configuration {which}: {e}"))
    }

    async fn start_connector(
        &self,
        name: &str,
        settings: ConnectorConfig,
        plugin: Plugin,
    ) -> Connector {
        let (control, _) = watch::channel(Control::default());
        let config = settings.props.clone();
        let tasks_max = settings.tasks_max;
        let mut connector = Connector {
            settings,
            plugin: plugin.clone(),
            status: Status::new(State::Unassigned),
            instance: None,
            tasks: Vec::new(),
            control,
        };
        let limits = self.limits(&plugin, &config);
        let span = tracing::info_span!("connector", connector = name);
        let started = self
            .start_connector_instance(name, &config, tasks_max, &plugin, &limits, &mut connector)
            .instrument(span)
            .await;
        let Some(task_configs) = started else {
            return connector;
        };
        for (i, task_config) in task_configs.into_iter().enumerate() {
            let handle = self.spawn_task(name, &connector, i as u32, task_config);
            connector.tasks.push(handle);
        }
        connector
    }

    /// Instantiates and starts the connector level; returns its task configs, or `None` with
    /// the connector FAILED.
    async fn start_connector_instance(
        &self,
        name: &str,
        config: &Props,
        tasks_max: u32,
        plugin: &Plugin,
        limits: &Limits,
        connector: &mut Connector,
    ) -> Option<Vec<Props>> {
        let mut instance = match self.inner.sandbox.connector(plugin, name, limits).await {
            Ok(i) => i,
            Err(e) => {
                connector.status = Status::failed(&e.to_string(), &e.trace());
                return None;
            }
        };
        if let Err(e) = instance.start(config).await {
            connector.status = Status::failed(&format!("connector start failed: {e}"), &e.trace());
            return None;
        }
        let task_configs = match instance.task_configs(tasks_max).await {
            Ok(t) => t,
            Err(e) => {
                connector.status = Status::failed(&format!("task-configs failed: {e}"), &e.trace());
                return None;
            }
        };
        let requests = instance.take_requests();
        if !requests.errors.is_empty() {
            connector.status = Status::failed(&requests.errors.join("; "), "");
            return None;
        }
        connector.instance = Some(Arc::new(AsyncMutex::new(instance)));
        connector.status = Status::new(State::Running);
        tracing::info!(tasks = task_configs.len(), "connector started");
        Some(task_configs)
    }

    fn spawn_task(
        &self,
        name: &str,
        connector: &Connector,
        task: u32,
        task_config: Props,
    ) -> TaskHandle {
        let status: StatusCell = Arc::new(Mutex::new(Status::new(State::Unassigned)));
        let paused = connector.control.borrow().paused;
        let (control, control_rx) = watch::channel(Control {
            paused,
            stopping: false,
        });
        let metrics = Arc::new(worker::TaskMetrics::default());
        let fail = |why: String| TaskHandle {
            status: Arc::new(Mutex::new(Status::failed(&why, ""))),
            metrics: metrics.clone(),
            config: task_config.clone(),
            control: control.clone(),
            join: None,
        };
        let key_converter = match self.converter(&connector.settings.props, "key.converter") {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let value_converter = match self.converter(&connector.settings.props, "value.converter") {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let ctx = TaskContext {
            id: TaskId {
                connector: name.to_string(),
                task,
            },
            task_config: task_config.clone(),
            connector: connector.settings.clone(),
            plugin: connector.plugin.clone(),
            sandbox: self.inner.sandbox.clone(),
            limits: self.limits(&connector.plugin, &connector.settings.props),
            key_converter,
            value_converter,
            flush_interval: self.inner.config.flush_interval,
            kafka: self.inner.kafka.clone(),
            status: status.clone(),
            metrics: metrics.clone(),
            control: control_rx,
            offsets: self.inner.offsets.clone(),
            reconfigure: self.inner.reconfigure.clone(),
        };
        let join = match connector.plugin.kind {
            PluginKind::Source => tokio::spawn(worker::run_source(ctx)),
            PluginKind::Sink => tokio::spawn(worker::run_sink(ctx)),
        };
        TaskHandle {
            status,
            metrics,
            config: task_config,
            control,
            join: Some(join),
        }
    }

    async fn stop_tasks(&self, connector: &mut Connector) {
        connector.control.send_modify(|c| c.stopping = true);
        for t in &mut connector.tasks {
            t.control.send_modify(|c| c.stopping = true);
        }
        for t in &mut connector.tasks {
            self.join_task(t).await;
        }
    }

    async fn join_task(&self, t: &mut TaskHandle) {
        let timeout = self.inner.config.shutdown_timeout;
        t.control.send_modify(|c| c.stopping = true);
        if let Some(join) = t.join.take() {
            let abort = join.abort_handle();
            if tokio::time::timeout(timeout, join).await.is_err() {
                tracing::warn!(
                    ?timeout,
                    "task did not stop in time (task.shutdown.graceful.timeout.ms); aborting it"
                );
                abort.abort();
            }
        }
    }

    async fn stop_connector(&self, mut connector: Connector) {
        self.stop_tasks(&mut connector).await;
        if let Some(instance) = connector.instance.take()
            && let Err(e) = instance.lock().await.stop().await
        {
            tracing::warn!(error = %e, "connector stop failed");
        }
    }

    /// `GET /connectors/{name}`.
    pub async fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        Ok(info_of(name, c))
    }

    /// `GET /connectors/{name}/tasks`: (task id, task config).
    pub async fn task_configs(&self, name: &str) -> Result<Vec<(u32, Props)>, HerderError> {
        let connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        Ok(c.tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u32, t.config.clone()))
            .collect())
    }

    /// `GET /connectors/{name}/status`.
    pub async fn status(&self, name: &str) -> Result<ConnectorStatus, HerderError> {
        let connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        let mut connector_status = c.status.clone();
        if connector_status.state == State::Running && c.control.borrow().paused {
            connector_status = Status::new(State::Paused);
        }
        Ok(ConnectorStatus {
            name: name.to_string(),
            connector: connector_status,
            tasks: c
                .tasks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        i as u32,
                        t.status.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                    )
                })
                .collect(),
            kind: c.plugin.kind,
        })
    }

    /// `GET /connectors/{name}/tasks/{id}/metrics`: the task's counters, `None` if the
    /// connector has no such task.
    pub async fn task_metrics(
        &self,
        name: &str,
        task: u32,
    ) -> Result<Option<serde_json::Value>, HerderError> {
        let connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        Ok(c.tasks.get(task as usize).map(|t| t.metrics.to_json()))
    }

    /// `PUT /connectors/{name}/pause` (`true`) and `/resume` (`false`).
    pub async fn set_paused(&self, name: &str, paused: bool) -> Result<(), HerderError> {
        let connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        c.control.send_modify(|ctl| ctl.paused = paused);
        for t in &c.tasks {
            t.control.send_modify(|ctl| ctl.paused = paused);
        }
        tracing::info!(connector = name, paused, "connector target state changed");
        Ok(())
    }

    /// `DELETE /connectors/{name}`.
    pub async fn delete(&self, name: &str) -> Result<(), HerderError> {
        let mut connectors = self.inner.connectors.lock().await;
        let c = connectors
            .remove(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        self.stop_connector(c).await;
        tracing::info!(connector = name, "connector deleted");
        Ok(())
    }

    /// `POST /connectors/{name}/restart`: stops and starts the connector and its tasks.
    pub async fn restart(&self, name: &str) -> Result<(), HerderError> {
        let mut connectors = self.inner.connectors.lock().await;
        let c = connectors
            .remove(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        let paused = c.control.borrow().paused;
        let (settings, plugin) = (c.settings.clone(), c.plugin.clone());
        self.stop_connector(c).await;
        let restarted = self.start_connector(name, settings, plugin).await;
        restarted.control.send_modify(|ctl| ctl.paused = paused);
        for t in &restarted.tasks {
            t.control.send_modify(|ctl| ctl.paused = paused);
        }
        connectors.insert(name.to_string(), restarted);
        Ok(())
    }

    /// `POST /connectors/{name}/tasks/{id}/restart`: a fresh instance for that task.
    pub async fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError> {
        let mut connectors = self.inner.connectors.lock().await;
        let c = connectors
            .get_mut(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        let Some(t) = c.tasks.get_mut(task as usize) else {
            return Err(HerderError::TaskNotFound(format!("{name}-{task}")));
        };
        self.join_task(t).await;
        let config = t.config.clone();
        let fresh = self.spawn_task(name, c, task, config);
        c.tasks[task as usize] = fresh;
        Ok(())
    }

    /// Stops every connector (worker shutdown).
    pub async fn shutdown(&self) {
        let mut connectors = self.inner.connectors.lock().await;
        let all = std::mem::take(&mut *connectors);
        for (name, c) in all {
            tracing::info!(connector = %name, "stopping connector");
            self.stop_connector(c).await;
        }
    }
}

fn info_of(name: &str, c: &Connector) -> ConnectorInfo {
    ConnectorInfo {
        name: name.to_string(),
        config: c.settings.props.clone(),
        tasks: (0..c.tasks.len() as u32).collect(),
        kind: c.plugin.kind,
    }
}

impl From<SandboxError> for HerderError {
    fn from(e: SandboxError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// Plugins read from `plugin.path` folders: each `.wasm` file, in name order, with its
/// loaded plugin or why it could not be loaded.
pub type LoadedPlugins = Vec<(PathBuf, Result<Plugin, String>)>;

/// Reads and loads (precompiled cache, probe instance) every `.wasm` file of `dirs`, all at
/// once: each takes a few milliseconds of CPU, and a worker's first line waits for them.
pub async fn load_plugin_files(sandbox: &Sandbox, dirs: &[PathBuf]) -> LoadedPlugins {
    load_read_plugins(sandbox, read_plugin_files(dirs.to_vec()).await).await
}

/// Plugin files read and hashed: each `.wasm` file, in name order, with its bytes or why
/// they could not be read.
pub type ReadPlugins = Vec<(PathBuf, Result<crate::sandbox::PluginBytes, String>)>;

/// Reads and hashes every `.wasm` file of `dirs` on the blocking pool, all at once; needs no
/// engine, so it runs while the worker builds it.
pub async fn read_plugin_files(dirs: Vec<PathBuf>) -> ReadPlugins {
    let mut out: ReadPlugins = Vec::new();
    let mut files = Vec::new();
    for dir in &dirs {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.extension().is_some_and(|x| x == "wasm") {
                        files.push(p);
                    }
                }
            }
            Err(e) => out.push((dir.clone(), Err(format!("cannot read plugin.path: {e}")))),
        }
    }
    files.sort();
    let reads: Vec<_> = files
        .iter()
        .map(|file| {
            let file = file.clone();
            tokio::task::spawn_blocking(move || {
                crate::sandbox::PluginBytes::read(&file).map_err(|e| format!("cannot read: {e}"))
            })
        })
        .collect();
    for (file, read) in files.into_iter().zip(reads) {
        let result = match read.await {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        out.push((file, result));
    }
    out
}

/// Loads plugins [`read_plugin_files`] read, all at once.
pub async fn load_read_plugins(sandbox: &Sandbox, read: ReadPlugins) -> LoadedPlugins {
    let mut loads = tokio::task::JoinSet::new();
    let mut results: Vec<(PathBuf, Option<Result<Plugin, String>>)> = Vec::new();
    for (i, (file, bytes)) in read.into_iter().enumerate() {
        match bytes {
            Ok(bytes) => {
                let sandbox = sandbox.clone();
                loads.spawn(async move {
                    (
                        i,
                        sandbox.load_bytes(bytes).await.map_err(|e| e.to_string()),
                    )
                });
                results.push((file, None));
            }
            Err(why) => results.push((file, Some(Err(why)))),
        }
    }
    while let Some(joined) = loads.join_next().await {
        match joined {
            Ok((i, result)) => results[i].1 = Some(result),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results
        .into_iter()
        .map(|(file, result)| {
            (
                file,
                result.unwrap_or_else(|| Err("load did not finish".into())),
            )
        })
        .collect()
}
