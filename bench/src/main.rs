//! `wasmconnect-bench`: each subcommand runs one measurement and prints one JSON object on
//! stdout (fields in bench/RUST.md). `make bench` (bench/run.py) calls it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use wasmconnect_bench::pipeline::{self, SinkPipeline, SourcePipeline, WorkerSetup};
use wasmconnect_bench::{component, raw, task_start, workspace_root};

#[derive(Debug, Parser)]
#[command(
    name = "wasmconnect-bench",
    about = "wasmconnect benchmarks; each prints one JSON object"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// A standalone worker (`wasmconnect standalone`) with the native twins of datagen and
    /// counting in place of their components (scenario 4).
    Standalone {
        /// The worker configuration.
        worker: PathBuf,
        /// Connector configurations to start.
        connectors: Vec<PathBuf>,
    },
    /// Raw rskafka producer writing datagen's bytes, batched like the source loop.
    ProduceRaw {
        #[command(flatten)]
        load: Gen,
    },
    /// Raw rskafka fetch of a whole topic, read like the sink loop, checksummed.
    FetchRaw {
        #[arg(long)]
        bootstrap: String,
        #[arg(long)]
        topic: String,
        /// Read until this many records (default: up to the end offsets at start).
        #[arg(long)]
        records: Option<u64>,
    },
    /// datagen.wasm → converter → produce, in a `wasmconnect standalone` worker.
    SourcePipeline {
        #[command(flatten)]
        load: Gen,
        /// datagen `schema=true` (use with a converter that takes structs).
        #[arg(long)]
        schema: bool,
        #[command(flatten)]
        worker: WorkerArgs,
    },
    /// Topic → converter → counting.wasm → offset commit, in a `wasmconnect standalone` worker.
    SinkPipeline {
        #[arg(long)]
        bootstrap: String,
        #[arg(long)]
        topic: String,
        /// Records to wait for (the topic must hold them).
        #[arg(long)]
        records: u64,
        #[command(flatten)]
        worker: WorkerArgs,
    },
    /// Task start: connector created → first poll returned, and instantiation alone.
    Start {
        /// The source component (default: datagen.wasm of this workspace).
        #[arg(long)]
        plugin: Option<PathBuf>,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        #[arg(long, default_value_t = 20)]
        warmup: usize,
        /// datagen `batch.size` of the first poll.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Default: target/wasmconnect-bench of this workspace.
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

/// What to generate and where.
#[derive(Debug, Args)]
struct Gen {
    #[arg(long)]
    bootstrap: String,
    /// Use a fresh topic per run; created with --partitions if missing.
    #[arg(long)]
    topic: String,
    #[arg(long, default_value_t = 1)]
    partitions: i32,
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Records per poll (datagen `batch.size`) / per produce call.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Keyed records.
    #[arg(long)]
    key: bool,
}

/// How to run the worker.
#[derive(Debug, Args)]
struct WorkerArgs {
    /// The `wasmconnect` binary (default: target/release/wasmconnect of this workspace).
    #[arg(long)]
    worker: Option<PathBuf>,
    /// The component (default: datagen.wasm or counting.wasm of this workspace).
    #[arg(long)]
    plugin: Option<PathBuf>,
    /// Plugins (with their compile cache) and per-run files go here.
    /// Default: target/wasmconnect-bench of this workspace.
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// key.converter and value.converter.
    #[arg(long, default_value = pipeline::BYTE_ARRAY_CONVERTER)]
    converter: String,
    /// offset.flush.interval.ms (default 10000 for the source, 200 for the sink).
    #[arg(long)]
    flush_ms: Option<u64>,
    /// Extra worker property, key=value (repeatable).
    #[arg(long = "worker-prop", value_parser = pipeline::parse_prop)]
    worker_props: Vec<(String, String)>,
    /// Extra connector property, key=value (repeatable).
    #[arg(long = "connector-prop", value_parser = pipeline::parse_prop)]
    connector_props: Vec<(String, String)>,
    #[arg(long, default_value_t = 600)]
    timeout_s: u64,
}

impl WorkerArgs {
    fn setup(
        self,
        bootstrap: &str,
        component_name: &str,
        flush_ms: u64,
    ) -> anyhow::Result<WorkerSetup> {
        let worker = match self.worker {
            Some(w) => w,
            None => workspace_root().join("target/release/wasmconnect"),
        };
        anyhow::ensure!(
            worker.exists(),
            "{} not found: run `cargo build --release -p wasmconnect-runtime`",
            worker.display()
        );
        let plugin = match self.plugin {
            Some(p) => p,
            None => component(component_name)?,
        };
        Ok(WorkerSetup {
            bootstrap: bootstrap.to_owned(),
            worker,
            plugin,
            work_dir: self.work_dir.unwrap_or_else(default_work_dir),
            converter: self.converter,
            flush_ms: self.flush_ms.unwrap_or(flush_ms),
            worker_props: self.worker_props,
            connector_props: self.connector_props,
            timeout: Duration::from_secs(self.timeout_s),
        })
    }
}

fn default_work_dir() -> PathBuf {
    workspace_root().join("target/wasmconnect-bench")
}

fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // The worker's allocator settings, before any thread allocates, so raw baselines and
    // native twins are measured on the same allocator as the worker.
    wasmconnect::tune_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Standalone { worker, connectors } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,rskafka=warn".into()),
                )
                .with_writer(std::io::stderr)
                .init();
            wasmconnect::boot::standalone(worker, connectors, wasmconnect_bench::twin::plugins())
                .await
        }
        Cmd::ProduceRaw { load } => {
            let cfg = raw::ProduceRaw {
                bootstrap: load.bootstrap,
                topic: load.topic,
                partitions: load.partitions,
                records: load.records as i64,
                value_size: load.value_size,
                batch: load.batch,
                key: load.key,
            };
            print(&raw::produce_raw(&cfg).await?)
        }
        Cmd::FetchRaw {
            bootstrap,
            topic,
            records,
        } => print(&raw::fetch_raw(&bootstrap, &topic, records).await?),
        Cmd::SourcePipeline {
            load,
            schema,
            worker,
        } => {
            let setup = worker.setup(&load.bootstrap, "datagen", 10_000)?;
            let cfg = SourcePipeline {
                setup,
                topic: load.topic,
                partitions: load.partitions,
                records: load.records,
                value_size: load.value_size,
                batch: load.batch,
                key: load.key,
                schema,
            };
            print(&pipeline::source_pipeline(&cfg).await?)
        }
        Cmd::SinkPipeline {
            bootstrap,
            topic,
            records,
            worker,
        } => {
            let setup = worker.setup(&bootstrap, "counting", 200)?;
            let cfg = SinkPipeline {
                setup,
                topic,
                records,
            };
            print(&pipeline::sink_pipeline(&cfg).await?)
        }
        Cmd::Start {
            plugin,
            iterations,
            warmup,
            batch,
            work_dir,
        } => {
            let plugin = match plugin {
                Some(p) => p,
                None => component("datagen")?,
            };
            let config: BTreeMap<String, String> =
                [("name", "start"), ("topic", "start"), ("records", "-1")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .chain([("batch.size".to_owned(), batch.to_string())])
                    .collect();
            let cache = work_dir
                .unwrap_or_else(default_work_dir)
                .join("start-cache");
            print(&task_start::task_start(&cache, &plugin, config, iterations, warmup).await?)
        }
    }
}
