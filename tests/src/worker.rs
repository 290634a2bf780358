//! `TestWorker`: a real `wasmconnect standalone` process with its own directory, plugin path,
//! offsets file and REST port, driven over HTTP.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running worker process.
#[derive(Debug)]
pub struct TestWorker {
    /// The worker's own directory (config, offsets, logs, plugins).
    pub dir: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    child: Option<Child>,
    http: reqwest::blocking::Client,
    props: BTreeMap<String, String>,
    connector_files: Vec<PathBuf>,
    starts: u32,
}

/// A free loopback TCP port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// Polls `f` every 100 ms until it returns `Some`, or panics after `timeout` with `what`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Builds a worker in a fresh temp directory. `plugins` are crate names of `connectors-wasm`
/// (e.g. `file-stream-source`), copied into its plugin path.
#[derive(Debug)]
pub struct WorkerBuilder {
    props: BTreeMap<String, String>,
    plugins: Vec<String>,
    connector_files: Vec<(String, String)>,
}

impl WorkerBuilder {
    /// Defaults: the shared broker, String converters, a 1 s offset flush.
    pub fn new(bootstrap: &str) -> Self {
        let mut props = BTreeMap::new();
        for (k, v) in [
            ("bootstrap.servers", bootstrap),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("offset.flush.interval.ms", "1000"),
        ] {
            props.insert(k.to_string(), v.to_string());
        }
        Self {
            props,
            plugins: vec!["file-stream-source".into(), "file-stream-sink".into()],
            connector_files: Vec::new(),
        }
    }

    /// Sets a worker property.
    pub fn prop(mut self, k: &str, v: &str) -> Self {
        self.props.insert(k.into(), v.into());
        self
    }

    /// Replaces the plugins copied into the plugin path.
    pub fn plugins(mut self, plugins: &[&str]) -> Self {
        self.plugins = plugins.iter().map(|p| p.to_string()).collect();
        self
    }

    /// Adds a connector `.properties` file (raw text) passed on the command line.
    pub fn connector_file(mut self, name: &str, text: &str) -> Self {
        self.connector_files.push((name.into(), text.into()));
        self
    }

    /// Creates the directory and starts the worker; waits for REST.
    pub fn start(self) -> TestWorker {
        let dir = tempfile::Builder::new()
            .prefix("wasmconnect-worker-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let plugin_dir = dir.join("plugins");
        std::fs::create_dir_all(&plugin_dir).expect("plugin dir");
        for p in &self.plugins {
            std::fs::copy(crate::wasm_path(p), plugin_dir.join(format!("{p}.wasm")))
                .expect("copy plugin");
        }
        let port = free_port();
        let mut props = self.props;
        props.insert(
            "offset.storage.file.filename".into(),
            dir.join("connect.offsets").display().to_string(),
        );
        props.insert("plugin.path".into(), plugin_dir.display().to_string());
        props.insert("listeners".into(), format!("http://127.0.0.1:{port}"));
        let mut connector_files = Vec::new();
        for (name, text) in &self.connector_files {
            let f = dir.join(name);
            std::fs::write(&f, text).expect("connector file");
            connector_files.push(f);
        }
        let mut w = TestWorker {
            dir,
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("http client"),
            props,
            connector_files,
            starts: 0,
        };
        w.spawn();
        w.wait_ready();
        w
    }
}

impl TestWorker {
    fn spawn(&mut self) {
        let mut text = String::new();
        for (k, v) in &self.props {
            text.push_str(&format!("{k}={}\n", v.replace('\\', "\\\\")));
        }
        let cfg = self.dir.join("worker.properties");
        std::fs::write(&cfg, text).expect("worker.properties");
        self.starts += 1;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let mut header = log.try_clone().expect("log");
        writeln!(header, "==== start #{} ====", self.starts).ok();
        let child = Command::new(crate::worker_bin())
            .arg("standalone")
            .arg(&cfg)
            .args(&self.connector_files)
            .current_dir(&self.dir)
            .env(
                "RUST_LOG",
                std::env::var("WASMCONNECT_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn wasmconnect");
        self.child = Some(child);
    }

    /// Path of the worker's combined log.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("worker.log")
    }

    /// The worker's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("worker exited early ({status}); log:\n{}", self.log());
            }
            if self
                .http
                .get(&self.url)
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "worker REST did not come up; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops gracefully (SIGTERM) and waits for exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            #[allow(unsafe_code, reason = "sending a signal to our own child")]
            // SAFETY: kill(2) on a pid we spawned and have not reaped.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let start = Instant::now();
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if start.elapsed() > Duration::from_secs(30) {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "worker did not stop within 30 s of SIGTERM; log:\n{}",
                        self.log()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// SIGKILLs the worker.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the worker again with the same directory, config and port.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill first");
        self.spawn();
        self.wait_ready();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The REST port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn parse(r: reqwest::blocking::Response) -> (u16, Value) {
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> (u16, Value) {
        Self::parse(
            self.http
                .get(format!("{}{path}", self.url))
                .send()
                .expect("GET"),
        )
    }

    /// POST JSON to `path`.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        Self::parse(
            self.http
                .post(format!("{}{path}", self.url))
                .json(body)
                .send()
                .expect("POST"),
        )
    }

    /// POST raw bytes to `path`.
    pub fn post_bytes(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        Self::parse(
            self.http
                .post(format!("{}{path}", self.url))
                .header("content-type", "application/wasm")
                .body(body)
                .send()
                .expect("POST"),
        )
    }

    /// PUT `path` with an optional JSON body.
    pub fn put(&self, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = self.http.put(format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(b);
        }
        Self::parse(req.send().expect("PUT"))
    }

    /// DELETE `path`.
    pub fn delete(&self, path: &str) -> (u16, Value) {
        Self::parse(
            self.http
                .delete(format!("{}{path}", self.url))
                .send()
                .expect("DELETE"),
        )
    }

    /// Creates a connector over REST; panics unless 201.
    pub fn create(&self, name: &str, config: &[(&str, &str)]) -> Value {
        let config: serde_json::Map<String, Value> = config
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        let (code, body) = self.post(
            "/connectors",
            &serde_json::json!({"name": name, "config": config}),
        );
        assert_eq!(code, 201, "create {name}: {body}");
        body
    }

    /// The state of task `task` of `connector`, and its trace.
    pub fn task_state(&self, connector: &str, task: u32) -> Option<(String, String)> {
        let (code, body) = self.get(&format!("/connectors/{connector}/status"));
        if code != 200 {
            return None;
        }
        let t = body["tasks"]
            .as_array()?
            .iter()
            .find(|t| t["id"] == task)?
            .clone();
        Some((
            t["state"].as_str()?.to_string(),
            t["trace"].as_str().unwrap_or("").to_string(),
        ))
    }

    /// Waits until the task reaches `state`; returns its trace.
    pub fn wait_task_state(
        &self,
        connector: &str,
        task: u32,
        state: &str,
        timeout: Duration,
    ) -> String {
        wait_for(
            timeout,
            &format!("{connector}-{task} to be {state}"),
            || match self.task_state(connector, task) {
                Some((s, trace)) if s == state => Some(trace),
                _ => None,
            },
        )
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("worker dir kept for inspection: {}", self.dir.display());
        }
    }
}

/// Lines of a text file (empty if missing).
pub fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Appends `lines` (each followed by a newline) to `path`.
pub fn append_lines(path: &Path, lines: impl IntoIterator<Item = String>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    let mut buf = String::new();
    for l in lines {
        buf.push_str(&l);
        buf.push('\n');
    }
    f.write_all(buf.as_bytes()).expect("append");
    f.sync_data().ok();
}
