//! Our `JsonConverter` (schemas.enable=true) on ~1 KB structs: records per CPU second of one
//! thread, serialize (`from_connect`) and deserialize (`to_connect`).
//!
//! The twin of `bench/java/JsonBench.java` (Kafka's converter): the same 64 records, the same
//! flags and output fields, and an FNV-1a 64 hash of the serialized bytes, so `bench/run.py`
//! can check both converters wrote identical bytes before it compares their rates.
//!
//! ```text
//! json_bench --records 200000 --reps 5 --warmup 200000
//! ```

use std::hint::black_box;
use std::sync::Arc;

use anyhow::Context as _;
use wasmconnect_converters::{Converter, JsonConverter};
use wasmconnect_data::{Schema, SchemaRef, SchemaType, Struct, Value};

const POOL: usize = 64;
const TOPIC: &str = "bench";

fn text(seed: &str, i: usize, len: usize) -> String {
    let mut b = String::with_capacity(len + 32);
    while b.len() < len {
        b.push_str(&format!("{seed}{i}-"));
    }
    b.truncate(len);
    b
}

fn prim(t: SchemaType) -> SchemaRef {
    Arc::new(Schema::primitive(t))
}

fn address_schema() -> SchemaRef {
    Arc::new(
        Schema::structure([
            ("street".to_owned(), Schema::string()),
            ("city".to_owned(), Schema::string()),
            ("zip".to_owned(), prim(SchemaType::Int32)),
        ])
        .named("bench.Address"),
    )
}

fn record_schema(address: &SchemaRef) -> SchemaRef {
    Arc::new(
        Schema::structure([
            ("id".to_owned(), prim(SchemaType::Int64)),
            ("ts".to_owned(), prim(SchemaType::Int64)),
            ("active".to_owned(), prim(SchemaType::Boolean)),
            ("ratio".to_owned(), prim(SchemaType::Float64)),
            ("count".to_owned(), prim(SchemaType::Int32)),
            ("name".to_owned(), Schema::string()),
            ("email".to_owned(), Schema::optional_string()),
            ("tags".to_owned(), Arc::new(Schema::array(Schema::string()))),
            ("address".to_owned(), address.clone()),
            ("notes".to_owned(), Schema::string()),
        ])
        .named("bench.Record"),
    )
}

/// Record `i`, field for field as `JsonBench.record(i)`.
fn record(schema: &SchemaRef, address: &SchemaRef, i: usize) -> Value {
    let n = i as i64;
    let mut a = Struct::new(address.clone());
    a.put("street", Value::String(text("street", i, 48)));
    a.put("city", Value::String(text("city", i, 24)));
    a.put("zip", Value::Int32(10000 + i as i32));
    let mut s = Struct::new(schema.clone());
    s.put("id", Value::Int64(1_000_000_000_000 + n));
    s.put("ts", Value::Int64(1_700_000_000_000 + 1000 * n));
    s.put("active", Value::Boolean(i.is_multiple_of(2)));
    s.put("ratio", Value::Float64(i as f64 + 0.25));
    s.put("count", Value::Int32(i as i32 * 7));
    s.put("name", Value::String(text("name", i, 32)));
    let email = if i % 4 == 3 {
        Value::Null
    } else {
        Value::String(text("user", i, 24) + "@example.com")
    };
    s.put("email", email);
    let tags = (0..8)
        .map(|t| Value::String(text(&format!("tag{t}x"), i, 16)))
        .collect();
    s.put("tags", Value::Array(tags));
    s.put("address", Value::Struct(a));
    s.put(
        "notes",
        Value::String(text("lorem ipsum dolor sit amet ", i, 512)),
    );
    Value::Struct(s)
}

fn fnv1a64(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// CPU seconds of the calling thread, as Java's `ThreadMXBean.getCurrentThreadCpuTime`.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

fn stats(runs: &[f64]) -> serde_json::Value {
    let mut s = runs.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    serde_json::json!({ "min": s[0], "median": median, "max": s[n - 1], "runs": runs })
}

fn flag(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .with_context(|| format!("{name} needs a value"))?
            .parse()
            .with_context(|| format!("{name} takes a number")),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for a in args.iter().step_by(2) {
        anyhow::ensure!(
            ["--records", "--reps", "--warmup"].contains(&a.as_str()),
            "unknown flag {a} (--records N --reps R --warmup W)"
        );
    }
    let records = flag(&args, "--records", 200_000)?;
    let reps = flag(&args, "--reps", 5)?.max(1);
    let warmup = flag(&args, "--warmup", 200_000)?;

    let converter = JsonConverter::with_schemas(true);
    let address = address_schema();
    let schema = record_schema(&address);
    let pool: Vec<Value> = (0..POOL).map(|i| record(&schema, &address, i)).collect();
    let mut bytes = Vec::with_capacity(POOL);
    let mut hash = 0xcbf29ce484222325_u64;
    let mut total = 0;
    for v in &pool {
        let b = converter
            .from_connect(TOPIC, Some(&schema), v)?
            .context("a struct serializes to bytes")?;
        hash = fnv1a64(hash, &b);
        total += b.len();
        bytes.push(b);
    }
    let ser = |n: usize| -> anyhow::Result<()> {
        for i in 0..n {
            black_box(converter.from_connect(TOPIC, Some(&schema), &pool[i % POOL])?);
        }
        Ok(())
    };
    let de = |n: usize| -> anyhow::Result<()> {
        for i in 0..n {
            black_box(converter.to_connect(TOPIC, Some(&bytes[i % POOL]))?);
        }
        Ok(())
    };
    ser(warmup)?;
    de(warmup)?;
    let (mut s, mut d) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let t0 = cpu_seconds();
        ser(records)?;
        let t1 = cpu_seconds();
        de(records)?;
        let t2 = cpu_seconds();
        s.push(records as f64 / (t1 - t0));
        d.push(records as f64 / (t2 - t1));
    }
    let out = serde_json::json!({
        "impl": "wasmconnect",
        "converter": "wasmconnect_converters::JsonConverter schemas.enable=true",
        "records": records,
        "reps": reps,
        "warmup": warmup,
        "serialized_bytes_avg": total / POOL,
        "serialized_fnv1a64": format!("{hash:016x}"),
        "serialize": stats(&s),
        "deserialize": stats(&d),
        "unit": "records per CPU second of one thread",
    });
    println!("{out}");
    Ok(())
}
