//! Runs a source component under wasmtime the way the worker does (connector start, one task,
//! `poll` in a loop) and reports its linear memory as it goes: the largest size any memory of
//! the instance grew to, from the store's resource limiter.
//!
//! `memprobe COMPONENT.wasm POLLS [key=value ...]` prints one line per 1,000 polls and a summary.

use std::time::Instant;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

mod generated {
    wasmtime::component::bindgen!({
        path: "../../../../wit",
        world: "wasmconnect:connector/source-connector",
    });
}
use generated::wasmconnect::connector::{connector_context, log, offset_reader, types};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: usize,
    grows: u32,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl ResourceLimiter for State {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > current {
            self.grows += 1;
        }
        self.memory = self.memory.max(desired);
        Ok(true)
    }
    fn table_growing(&mut self, _c: usize, _d: usize, _m: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl types::Host for State {}
impl log::Host for State {
    fn log(&mut self, level: types::LogLevel, message: String) {
        eprintln!("guest {level:?}: {message}");
    }
}
impl connector_context::Host for State {
    fn request_task_reconfiguration(&mut self) {}
    fn raise_error(&mut self, message: String) {
        eprintln!("raise-error: {message}");
    }
}
impl offset_reader::Host for State {
    fn offsets(&mut self, partitions: Vec<types::OffsetMap>) -> Vec<Option<types::OffsetMap>> {
        vec![None; partitions.len()]
    }
}

fn main() -> wasmtime::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: memprobe COMPONENT.wasm POLLS [key=value ...]");
    let polls: u64 = args.get(2).map_or(10_000, |p| p.parse().expect("POLLS"));
    let config: Vec<(String, String)> = args[3.min(args.len())..]
        .iter()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();

    let engine = Engine::new(Config::new().cranelift_opt_level(wasmtime::OptLevel::Speed))?;
    let t = Instant::now();
    let cwasm = format!("{path}.memprobe.cwasm");
    let component = match std::fs::metadata(&cwasm) {
        Ok(m) if m.modified()? >= std::fs::metadata(path)?.modified()? => unsafe {
            Component::deserialize_file(&engine, &cwasm)?
        },
        _ => {
            let c = Component::from_file(&engine, path)?;
            std::fs::write(&cwasm, c.serialize()?)?;
            println!("precompile: {:.1} s", t.elapsed().as_secs_f64());
            c
        }
    };
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    generated::SourceConnector::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    let pre = generated::SourceConnectorPre::new(linker.instantiate_pre(&component)?)?;

    let mut store = Store::new(
        &engine,
        State {
            wasi: {
                let mut wasi = WasiCtx::builder();
                wasi.inherit_stderr();
                // MEMPROBE_DIR=/some/dir: preopened read-write at the same path, as the worker
                // grants the directory of `file`.
                if let Ok(dir) = std::env::var("MEMPROBE_DIR") {
                    wasi.preopened_dir(&dir, &dir, FsPerms::ReadWrite)?;
                }
                wasi.build()
            },
            table: ResourceTable::new(),
            memory: 0,
            grows: 0,
        },
    );
    store.limiter(|s| s);
    let t = Instant::now();
    let plugin = pre.instantiate(&mut store)?;
    let instantiate = t.elapsed();
    println!(
        "instantiate: {:.2} ms, memory after: {} KiB",
        instantiate.as_secs_f64() * 1e3,
        store.data().memory >> 10
    );
    let connector = plugin.wasmconnect_connector_connector();
    connector
        .call_start(&mut store, &config)?
        .map_err(|e| wasmtime::format_err!("start: {e:?}"))?;
    let task_config = connector
        .call_task_configs(&mut store, 1)?
        .map_err(|e| wasmtime::format_err!("task-configs: {e:?}"))?
        .pop()
        .unwrap_or_default();
    let tasks = plugin.wasmconnect_connector_source_task().task();
    let task = tasks.call_constructor(&mut store)?;
    tasks
        .call_start(&mut store, task, &task_config)?
        .map_err(|e| wasmtime::format_err!("task start: {e:?}"))?;
    let base = store.data().memory;
    println!("memory after start: {} KiB", base >> 10);

    let (mut records_bytes, mut first) = (0u64, None);
    let t = Instant::now();
    let mut mark = (Instant::now(), store.data().memory);
    for i in 1..=polls {
        let batch = tasks
            .call_poll(&mut store, task)?
            .map_err(|e| wasmtime::format_err!("poll: {e:?}"))?;
        records_bytes += batch.len() as u64;
        if first.is_none() {
            first = Some(t.elapsed());
            let count = if batch.len() >= 8 {
                wasmconnect_data::batch::decode_source(&batch)
                    .map(|r| r.len())
                    .unwrap_or(0)
            } else {
                0
            };
            println!(
                "first poll: {:.2} ms, {} records, {} bytes",
                t.elapsed().as_secs_f64() * 1e3,
                count,
                batch.len()
            );
        }
        if i % 1000 == 0 {
            let m = store.data().memory;
            println!(
                "polls {i:>7}: memory {:>7} KiB (+{:>5} KiB / 1,000 polls), {:.1} us/poll",
                m >> 10,
                (m - mark.1) >> 10,
                mark.0.elapsed().as_secs_f64() * 1e3,
            );
            mark = (Instant::now(), m);
        }
    }
    let elapsed = t.elapsed();
    let m = store.data().memory;
    println!(
        "total: {polls} polls, {records_bytes} batch bytes in {:.2} s ({:.1} us/poll); memory {} KiB -> {} KiB ({} grows), {:.1} bytes/poll",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / polls as f64,
        base >> 10,
        m >> 10,
        store.data().grows,
        (m - base) as f64 / polls as f64,
    );
    tasks.call_stop(&mut store, task)?.ok();
    Ok(())
}
