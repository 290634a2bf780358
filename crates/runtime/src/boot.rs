//! `wasmconnect standalone`: a worker with its REST server, running the connectors of
//! `.properties` files, until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use wasmconnect_api::{CreateConnectorRequest, Herder as _};
use wasmconnect_config::load_properties;
use wasmconnect_rest::{AppState, app};
use wasmconnect_sandbox::{Plugin, Sandbox, SandboxConfig};

use crate::config::WorkerConfig;
use crate::herder::StandaloneHerder;
use crate::plugins::PluginRegistry;
use crate::storage::{FileOffsetStore, MemoryConfigStore, MemoryStatusStore};
use crate::worker::{KafkaClients, SandboxWorker, WorkerSettings};

/// Runs a standalone worker from `worker` (properties) with the connectors of `connectors`.
/// `natives` are native twins registered after `plugin.path` is loaded (benchmarks).
pub async fn standalone(
    worker: PathBuf,
    connectors: Vec<PathBuf>,
    natives: Vec<Plugin>,
) -> anyhow::Result<()> {
    let props = load_properties(&worker)?;
    let config = WorkerConfig::standalone(&props).map_err(|e| {
        anyhow::anyhow!(
            "invalid worker config {}:\n{}",
            worker.display(),
            e.messages().join("\n")
        )
    })?;
    // Kafka connections on the runtime's threads while this one builds the engine and loads
    // the plugins: both sit on the way to a first record.
    let kafka = tokio::spawn(connect_kafka(
        config.bootstrap(),
        Duration::from_secs(10),
        config.consumer_max_partition_fetch_bytes,
        config.consumer_max_poll_records,
    ));
    // The plugin files are read and hashed meanwhile too.
    let plugin_files = tokio::spawn(crate::plugins::read_plugin_files(
        config.plugin_path.clone(),
    ));
    let offsets_file = config
        .offset_storage_file
        .clone()
        .context("offset.storage.file.filename is required in standalone mode")?;
    let offsets = FileOffsetStore::open(&offsets_file)?;
    let cache_dir = config
        .plugin_path
        .first()
        .map(|p| p.join(".cache"))
        .unwrap_or_else(|| std::env::temp_dir().join("wasmconnect-cache"));
    let sandbox = Sandbox::new(&SandboxConfig {
        cache_dir,
        max_instances: config.wasm_instances_max,
        max_memory_bytes: config.wasm_memory_max_bytes.max(64 << 20),
    })?;
    let plugin_files = plugin_files.await.context("cannot read the plugins")?;
    let loaded = crate::plugins::load_read_plugins(&sandbox, plugin_files).await;
    let (kafka, kafka_cluster_id) = kafka.await.context("cannot start the worker")??;
    let listener = bind(&config.listeners).await?;
    let addr = listener.local_addr()?;
    let worker_id = format!("{}:{}", worker_host(&addr), addr.port());
    let plugins = Arc::new(PluginRegistry::new(
        sandbox.clone(),
        config.plugin_path.clone(),
    ));
    plugins.install(loaded);
    for plugin in natives {
        plugins.register_native(plugin);
    }
    let worker = SandboxWorker::new(
        WorkerSettings {
            worker_props: props.clone(),
            flush_interval: config.offset_flush_interval,
            memory_max_bytes: config.wasm_memory_max_bytes,
            call_timeout: config.wasm_call_timeout,
            recycle_memory_percent: config.wasm_recycle_memory_percent,
            recycle_calls: config.wasm_recycle_calls,
            shutdown_timeout: config.task_shutdown_graceful_timeout,
        },
        sandbox,
        kafka,
        Arc::new(offsets),
    );
    let herder = StandaloneHerder::new(
        &worker_id,
        kafka_cluster_id,
        Arc::new(worker),
        plugins,
        Arc::new(MemoryConfigStore::new()),
        Arc::new(MemoryStatusStore::new()),
    );
    let state = AppState {
        herder: Arc::new(herder.clone()),
        upload_max_bytes: usize::try_from(config.plugin_upload_max_bytes).unwrap_or(usize::MAX),
    };
    let server = tokio::spawn(async move {
        axum::serve(listener, app(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    tracing::info!(worker_id, "REST server listening on http://{addr}");

    for file in connectors {
        let props = match load_properties(&file) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(file = %file.display(), "cannot start connector: {e}");
                continue;
            }
        };
        let Some(name) = props.get("name").cloned() else {
            tracing::error!(file = %file.display(), "cannot start connector: Missing required configuration \"name\" which has no default value.");
            continue;
        };
        match herder
            .create_connector(CreateConnectorRequest {
                name: name.clone(),
                config: props,
            })
            .await
        {
            Ok(info) => {
                tracing::info!(connector = %name, tasks = info.tasks.len(), "connector created")
            }
            Err(e) => {
                tracing::error!(file = %file.display(), connector = %name, "cannot start connector: {e}")
            }
        }
    }

    let served = server.await;
    tracing::info!("shutting down");
    herder.stop().await;
    served??;
    Ok(())
}

/// The worker's Kafka clients and the cluster id (if the cluster tells it).
async fn connect_kafka(
    bootstrap: String,
    timeout: Duration,
    max_partition_fetch_bytes: i32,
    max_poll_records: u32,
) -> anyhow::Result<(KafkaClients, Option<String>)> {
    tracing::info!(%bootstrap, "connecting to Kafka");
    // Sink fetches get their own connections: Kafka answers the requests of one connection
    // in order, so a long-polling fetch on the producer's connection held back the produce
    // requests queued behind it (a file → topic → file pipeline ran at a fifth of its speed).
    let (producer, consumer) = tokio::join!(
        wasmconnect_kafka::Producer::connect(&bootstrap, timeout),
        wasmconnect_kafka::Consumer::connect(&bootstrap, timeout),
    );
    let producer = producer.context("cannot start the worker")?;
    let consumer = consumer
        .context("cannot start the worker")?
        .with_max_partition_fetch_bytes(max_partition_fetch_bytes)
        .with_max_poll_records(max_poll_records as usize);
    let groups = wasmconnect_kafka::GroupOffsets::new(&bootstrap, timeout)
        .context("cannot start the worker")?;
    let kafka_cluster_id = match groups.cluster_id().await {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the Kafka cluster id");
            None
        }
    };
    let kafka = KafkaClients {
        producer: Arc::new(producer),
        consumer: Arc::new(consumer),
        groups: Arc::new(groups),
    };
    Ok((kafka, kafka_cluster_id))
}

/// Binds the first of `listeners` (`http://host:port`, Connect's format).
async fn bind(listeners: &[String]) -> anyhow::Result<tokio::net::TcpListener> {
    let first = listeners
        .first()
        .map(String::as_str)
        .unwrap_or("http://:8083");
    let hostport = first
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("listeners: only http:// is supported, got {first}"))?;
    let (host, port) = hostport
        .rsplit_once(':')
        .ok_or_else(|| anyhow::anyhow!("listeners: missing port in {first}"))?;
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    let port: u16 = port
        .parse()
        .map_err(|_| anyhow::anyhow!("listeners: bad port in {first}"))?;
    tokio::net::TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {first}"))
}

fn worker_host(addr: &std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        "127.0.0.1".into()
    } else {
        addr.ip().to_string()
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}
