//! Test helpers shared by the integration tests (`tests/all/`) and benches: one Apache Kafka
//! broker per test binary ([`kafka`]), unique names ([`unique`]), paths of built artifacts
//! ([`wasm_path`], [`worker_bin`]) and a real worker process ([`worker::TestWorker`]).

pub mod worker;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The fix for a missing Java or missing Kafka jars.
const SETUP_HINT: &str =
    "run `make setup` (Kafka's jars go to .tools/kafka/lib; needs a JDK 17+ and Maven)";

/// The broker tests use: started by this process, or the one in `WASMCONNECT_BOOTSTRAP`.
#[derive(Debug)]
pub struct Kafka {
    bootstrap: String,
    lib: PathBuf,
    /// Folder with our broker's config, data and logs (`None` for an external broker).
    dir: Option<PathBuf>,
}

/// The test binary's broker, started on first use (single-node KRaft from the jars in
/// `.tools/kafka/lib`, free loopback ports, a temp `log.dirs`) unless `WASMCONNECT_BOOTSTRAP`
/// names one. Our broker is SIGKILLed when the test process exits, however it exits.
///
/// # Panics
/// If the broker cannot start or be reached, saying how to fix it.
pub fn kafka() -> &'static Kafka {
    static KAFKA: OnceLock<Kafka> = OnceLock::new();
    KAFKA.get_or_init(|| match std::env::var("WASMCONNECT_BOOTSTRAP") {
        Ok(addr) if !addr.trim().is_empty() => Kafka::external(addr.trim()),
        _ => Kafka::spawn().unwrap_or_else(|e| panic!("cannot start the test broker: {e}")),
    })
}

/// A name no other test (or earlier run against the same broker) uses: `prefix-<n>-<time>`.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{n}-{}",
        std::process::id(),
        t.as_micros() % 1_000_000_000
    )
}

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Where `.tools/kafka/lib` is (Kafka's jars).
pub fn kafka_lib() -> PathBuf {
    repo_root().join(".tools/kafka/lib")
}

/// The built component of connector `name` (e.g. `file-stream-source`): a Rust crate's
/// output, or a component another language's toolchain wrote to `target/wasm-polyglot`.
///
/// # Panics
/// If it is not built, saying to run `make wasm`.
pub fn wasm_path(name: &str) -> PathBuf {
    let polyglot = repo_root().join(format!("target/wasm-polyglot/{name}.wasm"));
    if polyglot.is_file() {
        return polyglot;
    }
    let path = repo_root()
        .join("target/wasm32-wasip2/release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    assert!(
        path.is_file(),
        "{} is missing: run `make wasm`",
        path.display()
    );
    path
}

/// The release `wasmconnect` binary.
///
/// # Panics
/// If it is not built, saying to run `cargo build --release`.
pub fn worker_bin() -> PathBuf {
    let path = repo_root().join("target/release/wasmconnect");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --release`",
        path.display()
    );
    path
}

impl Kafka {
    /// `host:port` of the broker.
    pub fn bootstrap(&self) -> String {
        self.bootstrap.clone()
    }

    /// The folder holding our broker's `server.properties`, `data/` and `logs/`.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Creates `name` with `partitions` partitions (replication 1) with Kafka's TopicCommand;
    /// an existing topic is left alone.
    pub fn create_topic(&self, name: &str, partitions: u32) {
        let out = self.tool(
            "org.apache.kafka.tools.TopicCommand",
            &[
                "--bootstrap-server",
                &self.bootstrap,
                "--create",
                "--if-not-exists",
                "--topic",
                name,
                "--partitions",
                &partitions.to_string(),
                "--replication-factor",
                "1",
            ],
            None,
            Duration::from_secs(60),
        );
        assert!(
            out.success,
            "cannot create topic {name}:\n{}{}",
            out.stdout, out.stderr
        );
    }

    /// Reads up to `max_messages` values of `topic` from the beginning with Kafka's own
    /// console consumer (`org.apache.kafka.tools.consumer.ConsoleConsumer`), giving up when no
    /// message arrives for `timeout`. One line per record value (`null` for a tombstone).
    pub fn console_consume(
        &self,
        topic: &str,
        max_messages: usize,
        timeout: Duration,
    ) -> Vec<String> {
        let out = self.tool(
            "org.apache.kafka.tools.consumer.ConsoleConsumer",
            &[
                "--bootstrap-server",
                &self.bootstrap,
                "--topic",
                topic,
                "--from-beginning",
                "--max-messages",
                &max_messages.to_string(),
                "--timeout-ms",
                &timeout.as_millis().to_string(),
                "--group",
                &unique("console-consumer"),
            ],
            None,
            timeout + Duration::from_secs(60),
        );
        out.stdout.lines().map(str::to_owned).collect()
    }

    /// The output of `kafka-consumer-groups --describe --group <group>`
    /// (`org.apache.kafka.tools.consumer.group.ConsumerGroupCommand`), stdout then stderr:
    /// a table `GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …`, or an error such
    /// as "Consumer group 'g' does not exist."
    pub fn consumer_groups_describe(&self, group: &str) -> String {
        let out = self.tool(
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            &[
                "--bootstrap-server",
                &self.bootstrap,
                "--describe",
                "--group",
                group,
            ],
            None,
            Duration::from_secs(60),
        );
        format!("{}{}", out.stdout, out.stderr)
    }

    /// Produces one record per line (value = the line, no key) with Kafka's console producer.
    pub fn produce_lines<S: AsRef<str>>(&self, topic: &str, lines: &[S]) {
        let mut input = String::new();
        for l in lines {
            input.push_str(l.as_ref());
            input.push('\n');
        }
        let out = self.tool(
            "org.apache.kafka.tools.ConsoleProducer",
            &["--bootstrap-server", &self.bootstrap, "--topic", topic],
            Some(input),
            Duration::from_secs(120),
        );
        assert!(
            out.success,
            "console producer failed for {topic}:\n{}{}",
            out.stdout, out.stderr
        );
    }

    /// Deletes the records of `topic`-`partition` before `offset`, which becomes the log
    /// start offset (`kafka-delete-records`, `org.apache.kafka.tools.DeleteRecordsCommand`).
    pub fn delete_records(&self, topic: &str, partition: i32, offset: i64) {
        let json = tempfile::NamedTempFile::new().expect("temp file");
        let spec = serde_json::json!({"version": 1, "partitions": [
            {"topic": topic, "partition": partition, "offset": offset}]});
        std::fs::write(json.path(), spec.to_string()).expect("write the offsets file");
        let out = self.tool(
            "org.apache.kafka.tools.DeleteRecordsCommand",
            &[
                "--bootstrap-server",
                &self.bootstrap,
                "--offset-json-file",
                &json.path().display().to_string(),
            ],
            None,
            Duration::from_secs(60),
        );
        assert!(
            out.success && out.stdout.contains(&format!("low_watermark: {offset}")),
            "delete records failed for {topic}:\n{}{}",
            out.stdout,
            out.stderr
        );
    }

    /// Runs a Kafka tool class from the jars; kills it after `timeout`.
    fn tool(
        &self,
        class: &str,
        args: &[&str],
        stdin: Option<String>,
        timeout: Duration,
    ) -> ToolOutput {
        let mut cmd = Command::new("java");
        cmd.arg("-Xmx256m")
            .arg("-XX:TieredStopAtLevel=1")
            .arg("-cp")
            .arg(self.lib.join("*"))
            .arg(class)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        run_with_timeout(cmd, stdin, timeout)
            .unwrap_or_else(|e| panic!("cannot run {class}: {e}; {SETUP_HINT}"))
    }

    fn external(addr: &str) -> Self {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while Instant::now() < deadline {
            match metadata_probe(addr) {
                Ok(()) => {
                    return Self {
                        bootstrap: addr.to_owned(),
                        lib: kafka_lib(),
                        dir: None,
                    };
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("WASMCONNECT_BOOTSTRAP={addr} does not answer a Metadata request: {last}")
    }

    fn spawn() -> Result<Self, String> {
        let lib = kafka_lib();
        let has_jars = std::fs::read_dir(&lib)
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("kafka_2.13-"))
            })
            .unwrap_or(false);
        if !has_jars {
            return Err(format!("no Kafka jars in {}: {SETUP_HINT}", lib.display()));
        }
        match Command::new("java")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(s) if s.success() => {}
            _ => return Err(format!("`java` is not on PATH: {SETUP_HINT}")),
        }

        let dir = tempfile::Builder::new()
            .prefix("wasmconnect-kafka-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?
            .keep();
        let port = free_port();
        let cport = free_port();
        std::fs::create_dir_all(dir.join("logs")).map_err(|e| e.to_string())?;
        let props = dir.join("server.properties");
        std::fs::write(&props, server_properties(&dir, port, cport)).map_err(|e| e.to_string())?;
        let log4j = dir.join("log4j2.properties");
        std::fs::write(&log4j, log4j2_properties(&dir)).map_err(|e| e.to_string())?;

        let started = Instant::now();
        let format = Command::new("java")
            .arg("-cp")
            .arg(lib.join("*"))
            .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
            .args([
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                &cluster_id(),
                "-c",
            ])
            .arg(&props)
            .output()
            .map_err(|e| format!("cannot run java: {e}; {SETUP_HINT}"))?;
        if !format.status.success() {
            return Err(format!(
                "kafka.tools.StorageTool format failed:\n{}{}",
                String::from_utf8_lossy(&format.stdout),
                String::from_utf8_lossy(&format.stderr)
            ));
        }

        let exited = Arc::new(AtomicBool::new(false));
        let pid = start_broker(&lib, &dir, &props, &log4j, Arc::clone(&exited))?;
        register_cleanup(pid, &dir);

        let bootstrap = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if exited.load(Ordering::SeqCst) {
                let out = std::fs::read_to_string(dir.join("logs/stdout.log")).unwrap_or_default();
                return Err(format!(
                    "the broker exited during start-up; its output:\n{out}"
                ));
            }
            match metadata_probe(&bootstrap) {
                Ok(()) => break,
                Err(e) if Instant::now() > deadline => {
                    return Err(format!(
                        "the broker at {bootstrap} is not ready after 90 s: {e}; see {}",
                        dir.display()
                    ));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        eprintln!(
            "wasmconnect-tests: Kafka broker pid {pid} at {bootstrap} ready in {:.1} s (dir {})",
            started.elapsed().as_secs_f64(),
            dir.display()
        );
        Ok(Self {
            bootstrap,
            lib,
            dir: Some(dir),
        })
    }
}

/// Output of a Kafka tool.
#[derive(Debug)]
struct ToolOutput {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run_with_timeout(
    mut cmd: Command,
    stdin: Option<String>,
    timeout: Duration,
) -> std::io::Result<ToolOutput> {
    let mut child = cmd.spawn()?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        std::thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
        });
    }
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out_pipe.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let mut stderr = err_reader.join().unwrap_or_default();
    if status.is_none() {
        stderr.push_str(&format!("\n(killed after {timeout:?})"));
    }
    Ok(ToolOutput {
        success: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    })
}

/// Starts `kafka.Kafka` from a thread that lives as long as the process, so that
/// `PR_SET_PDEATHSIG` (which fires when the *thread* that forked the child exits) only fires
/// when the whole test process dies. Returns the broker's pid.
fn start_broker(
    lib: &Path,
    dir: &Path,
    props: &Path,
    log4j: &Path,
    exited: Arc<AtomicBool>,
) -> Result<u32, String> {
    let stdout = std::fs::File::create(dir.join("logs/stdout.log")).map_err(|e| e.to_string())?;
    let stderr = stdout.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new("java");
    cmd.arg("-Xmx512m")
        .arg("-cp")
        .arg(lib.join("*"))
        .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
        .arg("kafka.Kafka")
        .arg(props)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    #[allow(unsafe_code, reason = "prctl in the forked child, before exec")]
    // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt as _;
        let parent = libc::getpid();
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("kafka-broker".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let _ = child.wait();
                exited.store(true, Ordering::SeqCst);
                // Keep this thread alive: its exit would not matter now, but stay uniform.
                loop {
                    std::thread::park();
                }
            }
            Err(e) => {
                let _ = tx.send(Err(format!("cannot start java: {e}; {SETUP_HINT}")));
            }
        })
        .map_err(|e| e.to_string())?;
    rx.recv().map_err(|e| e.to_string())?
}

static BROKER_PID: AtomicI32 = AtomicI32::new(0);
static BROKER_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Also kill the broker (and remove its folder) from `atexit`, so a normal exit does not
/// even rely on the death signal.
fn register_cleanup(pid: u32, dir: &Path) {
    extern "C" fn cleanup() {
        let pid = BROKER_PID.swap(0, Ordering::SeqCst);
        if pid > 0 {
            #[allow(unsafe_code, reason = "kill(2) of the broker we started")]
            // SAFETY: plain syscall on a pid this process spawned.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if let Some(dir) = BROKER_DIR.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    BROKER_PID.store(pid as i32, Ordering::SeqCst);
    let _ = BROKER_DIR.set(dir.to_owned());
    #[allow(unsafe_code, reason = "registering an atexit handler")]
    // SAFETY: `cleanup` is a plain extern "C" fn that touches only statics.
    unsafe {
        libc::atexit(cleanup);
    }
}

/// A free loopback TCP port (another process may take it before we bind; unlikely).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A random 16-byte id as 22 base64url characters, as `kafka-storage random-uuid` prints.
fn cluster_id() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
    }
    out
}

fn server_properties(dir: &Path, port: u16, cport: u16) -> String {
    format!(
        "process.roles=broker,controller\n\
         node.id=1\n\
         controller.quorum.bootstrap.servers=127.0.0.1:{cport}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
         controller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
         inter.broker.listener.name=PLAINTEXT\n\
         log.dirs={}\n\
         offsets.topic.replication.factor=1\n\
         offsets.topic.num.partitions=1\n\
         transaction.state.log.replication.factor=1\n\
         transaction.state.log.min.isr=1\n\
         group.initial.rebalance.delay.ms=0\n\
         num.partitions=1\n\
         auto.create.topics.enable=true\n",
        dir.join("data").display()
    )
}

fn log4j2_properties(dir: &Path) -> String {
    format!(
        "status = warn\n\
         appender.file.type = File\n\
         appender.file.name = FILE\n\
         appender.file.fileName = {}\n\
         appender.file.layout.type = PatternLayout\n\
         appender.file.layout.pattern = [%d] %p %m (%c)%n\n\
         rootLogger.level = info\n\
         rootLogger.appenderRef.file.ref = FILE\n",
        dir.join("logs/server.log").display()
    )
}

/// Ready = a Metadata request (v4, all topics) is answered with at least one broker.
fn metadata_probe(addr: &str) -> Result<(), String> {
    let sock: std::net::SocketAddr = addr
        .parse()
        .or_else(|_| {
            use std::net::ToSocketAddrs as _;
            addr.to_socket_addrs()
                .map_err(|e| e.to_string())?
                .next()
                .ok_or_else(|| format!("{addr} resolves to nothing"))
        })
        .map_err(|e: String| e)?;
    let mut s =
        TcpStream::connect_timeout(&sock, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let client_id = b"wasmconnect-tests";
    let mut body = Vec::new();
    body.extend_from_slice(&3i16.to_be_bytes()); // Metadata
    body.extend_from_slice(&4i16.to_be_bytes()); // v4
    body.extend_from_slice(&1i32.to_be_bytes()); // correlation id
    body.extend_from_slice(&(client_id.len() as i16).to_be_bytes());
    body.extend_from_slice(client_id);
    body.extend_from_slice(&(-1i32).to_be_bytes()); // all topics
    body.push(0); // allow_auto_topic_creation = false
    let mut frame = (body.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    s.write_all(&frame).map_err(|e| e.to_string())?;
    let mut len = [0u8; 4];
    s.read_exact(&mut len).map_err(|e| e.to_string())?;
    let mut resp = vec![0u8; i32::from_be_bytes(len).clamp(0, 1 << 24) as usize];
    s.read_exact(&mut resp).map_err(|e| e.to_string())?;
    if resp.len() < 12 {
        return Err("short Metadata response".into());
    }
    let brokers = i32::from_be_bytes([resp[8], resp[9], resp[10], resp[11]]);
    if brokers > 0 {
        Ok(())
    } else {
        Err("no brokers in Metadata yet".into())
    }
}
