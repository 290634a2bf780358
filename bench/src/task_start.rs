//! Task start-up through the runtime's sandbox API, without Kafka: a connector instance is
//! created and started, asked for its task configs, then a task instance is created, started
//! and polled once, as the herder and the source loop do.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use wasmconnect_data::OffsetMap;
use wasmconnect_sandbox::{Limits, OffsetReader, Plugin, Recycle, Sandbox, SandboxConfig};

use crate::stats::Summary;

/// An offset store with nothing committed.
#[derive(Debug)]
pub struct NoOffsets;

impl OffsetReader for NoOffsets {
    fn offsets(&self, _connector: &str, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        vec![None; partitions.len()]
    }
}

/// The worker's default limits (`wasm.memory.max.bytes`, `wasm.call.timeout.ms`), no dirs.
pub fn default_limits() -> Limits {
    Limits {
        memory_max_bytes: 256 << 20,
        call_timeout: Duration::from_secs(30),
        dirs: Vec::new(),
        recycle: Recycle::default(),
    }
}

/// A sandbox as the worker builds it, with its compile cache in `cache_dir`, and `plugin`
/// loaded into it.
pub async fn load(
    cache_dir: &Path,
    plugin: &Path,
    max_instances: u32,
) -> anyhow::Result<(Sandbox, Plugin)> {
    let sandbox = Sandbox::new(&SandboxConfig {
        cache_dir: cache_dir.to_path_buf(),
        max_instances,
        max_memory_bytes: 256 << 20,
    })?;
    let bytes =
        std::fs::read(plugin).with_context(|| format!("cannot read {}", plugin.display()))?;
    let plugin = sandbox.load(bytes).await?;
    Ok((sandbox, plugin))
}

/// What `start` prints.
#[derive(Debug, Serialize)]
pub struct StartResult {
    /// Which measurement.
    pub scenario: &'static str,
    /// The component's class name.
    pub plugin: String,
    /// Measured starts (after `warmup` discarded ones).
    pub iterations: usize,
    /// Discarded warm-up starts.
    pub warmup: usize,
    /// Connector instance created → first `poll` of its task returned.
    pub first_poll: Summary,
    /// Task instantiation alone: instance created and task resource constructed.
    pub instantiate: Summary,
}

/// Starts `iterations` connectors of `plugin` one after the other (each stopped before the
/// next), with `config` as the connector config; see the module docs.
pub async fn task_start(
    cache_dir: &Path,
    plugin_path: &Path,
    config: BTreeMap<String, String>,
    iterations: usize,
    warmup: usize,
) -> anyhow::Result<StartResult> {
    let (sandbox, plugin) = load(cache_dir, plugin_path, 16).await?;
    let limits = default_limits();
    let reader: Arc<dyn OffsetReader> = Arc::new(NoOffsets);
    let mut first_poll = Vec::with_capacity(iterations);
    let mut instantiate = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let name = format!("start-{i}");
        let t0 = Instant::now();
        let mut connector = sandbox.connector(&plugin, &name, &limits).await?;
        connector.start(&config).await?;
        let task_config = connector
            .task_configs(1)
            .await?
            .pop()
            .context("no task config")?;
        let t1 = Instant::now();
        let mut task = sandbox
            .source_task(&plugin, &name, &limits, reader.clone())
            .await?;
        let t2 = Instant::now();
        task.start(&task_config).await?;
        let (_, batch) = task.poll().await?;
        let t3 = Instant::now();
        anyhow::ensure!(batch.len() > 12, "first poll returned an empty batch");
        if i >= warmup {
            first_poll.push(t3 - t0);
            instantiate.push(t2 - t1);
        }
        task.stop().await?;
        connector.stop().await?;
    }
    Ok(StartResult {
        scenario: "start",
        plugin: plugin.class_name.clone(),
        iterations,
        warmup,
        first_poll: Summary::of(&first_poll),
        instantiate: Summary::of(&instantiate),
    })
}
