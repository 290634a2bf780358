//! The plugin registry: the worker's installed plugins, loaded from `plugin.path` at start,
//! uploaded over REST later, or linked in as native twins.

use std::path::PathBuf;
use std::sync::RwLock;

use wasmconnect_api::HerderError;
use wasmconnect_sandbox::{Plugin, PluginBytes, Sandbox};

/// Plugins read from `plugin.path` folders: each `.wasm` file, in name order, with its
/// loaded plugin or why it could not be loaded.
pub type LoadedPlugins = Vec<(PathBuf, Result<Plugin, String>)>;

/// Plugin files read and hashed: each `.wasm` file, in name order, with its bytes or why
/// they could not be read.
pub type ReadPlugins = Vec<(PathBuf, Result<PluginBytes, String>)>;

/// The installed plugins, found by class name or alias.
#[derive(Debug)]
pub struct PluginRegistry {
    sandbox: Sandbox,
    plugin_path: Vec<PathBuf>,
    plugins: RwLock<Vec<Plugin>>,
    /// Serializes the check, store and install of uploads (never held across a guest call).
    upload: tokio::sync::Mutex<()>,
}

impl PluginRegistry {
    /// No plugins yet; uploads are compiled by `sandbox` and stored in the first of
    /// `plugin_path`.
    pub fn new(sandbox: Sandbox, plugin_path: Vec<PathBuf>) -> Self {
        Self {
            sandbox,
            plugin_path,
            plugins: RwLock::new(Vec::new()),
            upload: tokio::sync::Mutex::new(()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Plugin>> {
        self.plugins.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Plugin>> {
        self.plugins.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Every installed plugin, sorted by class name.
    pub fn list(&self) -> Vec<Plugin> {
        let mut plugins = self.read().clone();
        plugins.sort_by(|a, b| a.class_name.cmp(&b.class_name));
        plugins
    }

    /// The plugin `class` names (its class name or an alias).
    pub fn find(&self, class: &str) -> Option<Plugin> {
        self.read().iter().find(|p| p.matches(class)).cloned()
    }

    /// Adds a native twin (a connector's code linked into this program), replacing a
    /// plugin of the same class: benchmarks run the same pipeline on both.
    pub fn register_native(&self, plugin: Plugin) {
        let mut plugins = self.write();
        plugins.retain(|p| p.class_name != plugin.class_name);
        tracing::info!(class = %plugin.class_name, kind = %plugin.kind, "native plugin registered");
        plugins.push(plugin);
    }

    /// Scans `plugin.path` for `.wasm` components and installs them. A file that is not a
    /// plugin is reported in the log and in the returned list; the others load.
    pub async fn load_plugin_path(&self) -> Vec<(PathBuf, String)> {
        let read = read_plugin_files(self.plugin_path.clone()).await;
        let loaded = load_read_plugins(&self.sandbox, read).await;
        self.install(loaded)
    }

    /// Installs plugins [`load_read_plugins`] loaded; returns the files skipped and why.
    pub fn install(&self, loaded: LoadedPlugins) -> Vec<(PathBuf, String)> {
        let mut problems = Vec::new();
        for (file, result) in loaded {
            match result {
                Ok(plugin) => {
                    tracing::info!(class = %plugin.class_name, kind = %plugin.kind, version = %plugin.version, file = %file.display(), "plugin loaded");
                    let mut plugins = self.write();
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

    /// Checks, precompiles and installs an uploaded plugin, stored in the first folder of
    /// `plugin.path`; usable at once. Nothing is stored on refusal.
    pub async fn upload(&self, bytes: Vec<u8>) -> Result<Plugin, HerderError> {
        let dir = self
            .plugin_path
            .first()
            .cloned()
            .ok_or(HerderError::UploadsDisabled)?;
        // Compiling and probing the plugin (its `info` and `config-def`) runs guest code:
        // no lock is held meanwhile.
        let plugin = self
            .sandbox
            .load(bytes.clone())
            .await
            .map_err(|e| HerderError::InvalidPlugin(e.to_string()))?;
        let _upload = self.upload.lock().await;
        if let Some(p) = self.read().iter().find(|p| {
            p.class_name == plugin.class_name
                || plugin.aliases.iter().any(|a| p.matches(a))
                || p.aliases.iter().any(|a| plugin.matches(a))
        }) {
            return Err(HerderError::PluginExists {
                class: p.class_name.clone(),
                version: p.version.clone(),
            });
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
        self.write().push(plugin.clone());
        Ok(plugin)
    }
}

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
                PluginBytes::read(&file).map_err(|e| format!("cannot read: {e}"))
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

/// Loads (precompiled cache, probe instance) plugins [`read_plugin_files`] read, all at
/// once: each takes a few milliseconds of CPU, and a worker's first line waits for them.
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
