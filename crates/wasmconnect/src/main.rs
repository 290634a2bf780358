//! `wasmconnect`: the worker binary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use wasmconnect_config::load_properties;

mod scaffold;

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
        /// Keep precompiled components in this directory between runs.
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    wasmconnect::tune_allocator();
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
        Command::Standalone { worker, connectors } => runtime.block_on(
            wasmconnect::boot::standalone(worker, connectors, Vec::new()),
        ),
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
            cache_dir,
            json,
        } => {
            let opts = match conformance_options(config, config_file) {
                Ok(config) => wasmconnect_sandbox::conformance::Options {
                    config,
                    calls,
                    memory_max_bytes,
                    recycle_memory_percent,
                    call_timeout: Duration::from_millis(call_timeout_ms),
                    cache_dir,
                    ..Default::default()
                },
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            };
            let report = runtime.block_on(wasmconnect_sandbox::conformance::run(&plugin, opts));
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
    use scaffold::{Lang, create};
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
) -> anyhow::Result<wasmconnect_config::Props> {
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
