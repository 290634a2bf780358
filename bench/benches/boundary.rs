//! Per-record cost of the guest boundary with 100-byte records, at batch sizes 1, 100, 1000.
//!
//! Criterion ids (estimates in `target/criterion/<group>/<size>/new/estimates.json`, time per
//! iteration = one call with `<size>` records, in ns; divide by `<size>` for per record):
//!
//! - `poll/<n>`: `task.poll()` of datagen.wasm returning `<n>` records, 100-byte schemaless
//!   bytes values (the guest generates them and the SDK encodes the WCB1 batch).
//! - `poll_decode/<n>`: the same plus the host reading the batch (`batch::decode_source_views`),
//!   as the source loop does.
//! - `put/<n>`: `task.put()` of counting.wasm with an encoded batch of `<n>` sink records
//!   (the SDK decodes them; the sink counts and checksums them).
//! - `put_encode/<n>`: the same plus the host encoding the batch (`batch::encode_sink`), as
//!   the sink loop does.
//!
//! - `poll_native/<n>`, `put_native/<n>`: the same guest logic compiled natively (datagen's
//!   generator filling a `batch::SourceBatchWriter`; `batch::decode_sink_views` + counting's
//!   totals), so
//!   `poll/<n>` ÷ `poll_native/<n>` is the wasm overhead on identical logic.
//!
//! Needs the components: `make wasm`. Run: `cargo bench -p wasmconnect-bench --bench boundary`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasmconnect_bench::component;
use wasmconnect_bench::task_start::{NoOffsets, default_limits, load};
use wasmconnect_data::{Schema, SinkRecord, TimestampType, Value, batch};
use wasmconnect_sandbox::{OffsetReader, SinkTaskInstance, SourceTaskInstance};

const SIZES: [usize; 3] = [1, 100, 1000];
const VALUE_SIZE: usize = 100;

fn props(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

async fn source_task(batch_size: usize) -> SourceTaskInstance {
    let cache = wasmconnect_bench::workspace_root().join("target/wasmconnect-bench/boundary-cache");
    let plugin = component("datagen").expect("datagen component");
    let (sandbox, plugin) = load(&cache, &plugin, 4).await.expect("load datagen");
    let reader: Arc<dyn OffsetReader> = Arc::new(NoOffsets);
    let mut task = sandbox
        .source_task(&plugin, "boundary", &default_limits(), reader)
        .await
        .expect("instantiate datagen");
    let config = props(&[
        ("topic", "boundary".into()),
        ("records", "-1".into()),
        ("value.size", VALUE_SIZE.to_string()),
        ("batch.size", batch_size.to_string()),
    ]);
    task.start(&config).await.expect("start datagen");
    task
}

async fn sink_task() -> SinkTaskInstance {
    let cache = wasmconnect_bench::workspace_root().join("target/wasmconnect-bench/boundary-cache");
    let plugin = component("counting").expect("counting component");
    let (sandbox, plugin) = load(&cache, &plugin, 4).await.expect("load counting");
    let mut task = sandbox
        .sink_task(&plugin, "boundary", &default_limits())
        .await
        .expect("instantiate counting");
    task.start(&BTreeMap::new()).await.expect("start counting");
    task.open(&[("boundary".to_owned(), 0)])
        .await
        .expect("open");
    task
}

/// `n` sink records as ByteArrayConverter delivers datagen's values.
fn sink_records(n: usize) -> Vec<SinkRecord> {
    let mut value = Vec::new();
    (0..n)
        .map(|i| {
            datagen::core::value_bytes(i as i64, VALUE_SIZE, &mut value);
            SinkRecord {
                topic: "boundary".into(),
                kafka_partition: 0,
                kafka_offset: i as i64,
                key_schema: None,
                key: Value::Null,
                value_schema: Some(Schema::optional_bytes()),
                value: Value::Bytes(value.clone()),
                timestamp: Some(1_700_000_000_000 + i as i64),
                timestamp_type: TimestampType::CreateTime,
                headers: Vec::new(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    for (group_name, decode) in [("poll", false), ("poll_decode", true)] {
        let mut group = c.benchmark_group(group_name);
        for n in SIZES {
            let mut task = rt.block_on(source_task(n));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let t = Instant::now();
                        for _ in 0..iters {
                            let (_, bytes) = task.poll().await.expect("poll");
                            if decode {
                                let records = batch::decode_source_views(&bytes).expect("decode");
                                assert_eq!(records.len(), n);
                            }
                            std::hint::black_box(bytes);
                        }
                        t.elapsed()
                    })
                })
            });
        }
        group.finish();
    }

    // The same guest logic compiled natively: datagen's generator plus the SDK's encoding,
    // and the SDK's decoding plus counting's totals. poll/<n> ÷ poll_native/<n> is the
    // wasm overhead on identical logic.
    let mut group = c.benchmark_group("poll_native");
    for n in SIZES {
        let settings = datagen::core::Settings {
            topic: "boundary".into(),
            records: -1,
            value_size: VALUE_SIZE,
            batch_size: n,
            ..datagen::core::Settings::default()
        };
        let mut generator = datagen::core::Generator::new(settings, None);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            // As the SDK does: room for as much as the last batch took.
            let mut last_len = 0;
            b.iter(|| {
                let mut out = batch::SourceBatchWriter::with_capacity(last_len);
                generator.fill(&mut out);
                let bytes = out.finish();
                last_len = bytes.len();
                bytes
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("put_native");
    for n in SIZES {
        let encoded = batch::encode_sink(&sink_records(n));
        let mut totals = counting::core::Totals::default();
        let mut scratch = Vec::new();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let records = batch::decode_sink_views(&encoded).expect("decode");
                for r in &records {
                    totals.add_refs(&r.key, &r.value, &mut scratch);
                }
            })
        });
        std::hint::black_box(totals);
    }
    group.finish();

    for (group_name, encode) in [("put", false), ("put_encode", true)] {
        let mut group = c.benchmark_group(group_name);
        let mut task = rt.block_on(sink_task());
        for n in SIZES {
            let records = sink_records(n);
            let encoded = batch::encode_sink(&records);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut elapsed = Duration::ZERO;
                        for _ in 0..iters {
                            let t = Instant::now();
                            if encode {
                                let bytes = batch::encode_sink(&records);
                                task.put(&bytes).await.expect("put");
                            } else {
                                task.put(&encoded).await.expect("put");
                            }
                            elapsed += t.elapsed();
                        }
                        elapsed
                    })
                })
            });
        }
        group.finish();
    }
}

// As `make bench` runs it (bench/run.py's CRITERION_ARGS): a longer warm-up and measurement,
// since runs of the same code gave 80–118 ns per record at 1 s / 3 s / 20 samples.
criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
