//! `wasmconnect`: the worker binary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use wasmconnect::config::{WorkerConfig, load_properties};
use wasmconnect::herder::{Herder, HerderConfig};
use wasmconnect::offsets::FileOffsetStore;
use wasmconnect::rest::{AppState, app};
use wasmconnect::sandbox::{Sandbox, SandboxConfig};
use wasmconnect::worker::KafkaClients;

#[derive(Debug, Parser)]
#[command(
    name = "wasmconnect",
    version,
    about = "Kafka Connect with every task in a wasm sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a standalone worker: `standalone worker.properties [connector.properties …]`.
    Standalone {
        /// The worker configuration.
        worker: PathBuf,
        /// Connector configurations to start.
        connectors: Vec<PathBuf>,
    },
    /// Creates a connector project: `new --lang python|js|c|rust --kind source|sink NAME`.
    New {
        /// python, js (TypeScript), c or rust.
        #[arg(long)]
        lang: String,
        /// source or sink.
        #[arg(long)]
        kind: String,
        /// Project name, kebab-case (e.g. `orders-source`); also its directory.
        name: String,
        /// Where to create the project directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Runs a connector component through the contract and reports pass/fail per check;
    /// exits non-zero if any check fails.
    Conformance {
        /// The component (`.wasm`).
        plugin: PathBuf,
        /// A connector config entry, `key=value`; repeatable.
        #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
        config: Vec<String>,
        /// A connector config file (`.properties`), read before `--config` entries.
        #[arg(long = "config-file", value_name = "FILE")]
        config_file: Option<PathBuf>,
        /// Polls (sources) or puts (sinks) of the long run.
        #[arg(long, default_value_t = 1000)]
        calls: u32,
        /// Linear memory cap per instance, as wasm.memory.max.bytes.
        #[arg(long, default_value_t = 256 << 20)]
        memory_max_bytes: u64,
        /// Recycle at this percentage of the cap, as wasm.recycle.memory.percent (0 = never).
        #[arg(long, default_value_t = 75)]
        recycle_memory_percent: u32,
        /// Deadline of one call, as wasm.call.timeout.ms.
        #[arg(long, default_value_t = 30_000)]
        call_timeout_ms: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The conformance kit prints a report; only warnings go with it by default.
    let default_filter = match cli.command {
        Command::Conformance { .. } => "warn",
        Command::Standalone { .. } | Command::New { .. } => "info,rskafka=warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Standalone { worker, connectors } => {
            runtime.block_on(standalone(worker, connectors))
        }
        Command::New {
            lang,
            kind,
            name,
            dir,
        } => new_project(&lang, &kind, &name, &dir),
        Command::Conformance {
            plugin,
            config,
            config_file,
            calls,
            memory_max_bytes,
            recycle_memory_percent,
            call_timeout_ms,
            json,
        } => {
            let opts = match conformance_options(config, config_file) {
                Ok(config) => wasmconnect::conformance::Options {
                    config,
                    calls,
                    memory_max_bytes,
                    recycle_memory_percent,
                    call_timeout: Duration::from_millis(call_timeout_ms),
                    ..Default::default()
                },
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            };
            let report = runtime.block_on(wasmconnect::conformance::run(&plugin, opts));
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{}", report.text());
            }
            return if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn new_project(lang: &str, kind: &str, name: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    use wasmconnect::scaffold::{Lang, create};
    let l = Lang::parse(lang)
        .with_context(|| format!("unknown language {lang:?}: python, js, c or rust"))?;
    let files = create(l, kind, name, dir)?;
    println!(
        "created {} ({} files): a {lang} {kind} connector. Next: cd {} && make && make test \
         (see its README.md)",
        dir.join(name).display(),
        files.len(),
        dir.join(name).display()
    );
    Ok(())
}

fn conformance_options(
    entries: Vec<String>,
    file: Option<PathBuf>,
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut config = match file {
        Some(f) => load_properties(&f)?,
        None => Default::default(),
    };
    for e in entries {
        let (k, v) = e
            .split_once('=')
            .with_context(|| format!("--config {e:?} is not KEY=VALUE"))?;
        config.insert(k.trim().to_string(), v.to_string());
    }
    Ok(config)
}

async fn standalone(worker: PathBuf, connectors: Vec<PathBuf>) -> anyhow::Result<()> {
    let props = load_properties(&worker)?;
    let config = WorkerConfig::standalone(&props).map_err(|e| {
        anyhow::anyhow!(
            "invalid worker config {}:\n{}",
            worker.display(),
            e.messages().join("\n")
        )
    })?;
    let bootstrap = config.bootstrap();
    let timeout = Duration::from_secs(10);
    tracing::info!(%bootstrap, "connecting to Kafka");
    let producer = wasmconnect::kafka::Producer::connect(&bootstrap, timeout)
        .await
        .context("cannot start the worker")?;
    let consumer = wasmconnect::kafka::Consumer::sharing(&producer);
    let groups = wasmconnect::kafka::GroupOffsets::new(&bootstrap, timeout)
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
    let listener = bind(&config.listeners).await?;
    let addr = listener.local_addr()?;
    let worker_id = format!("{}:{}", worker_host(&addr), addr.port());
    let herder = Herder::new(
        HerderConfig {
            worker_id: worker_id.clone(),
            plugin_path: config.plugin_path.clone(),
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
        offsets,
    );
    herder.load_plugins().await;
    let state = AppState {
        herder: herder.clone(),
        upload_max_bytes: usize::try_from(config.plugin_upload_max_bytes).unwrap_or(usize::MAX),
        kafka_cluster_id,
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
        match herder.create(&name, props).await {
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
    herder.shutdown().await;
    served??;
    Ok(())
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
