//! `FileOffsetStore`: standalone mode's source offsets in one JSON file
//! (`offset.storage.file.filename`).
//!
//! The file is one object, `{"offsets": [{"key": ["<connector>", {partition}], "value":
//! {offset}}, …]}`, the keys shaped like the records of Connect's offset topic. Values are
//! JSON null, booleans, integers, floats and strings; bytes are `{"bytes": "<base64>"}` (an
//! offset value is never an object otherwise, so this cannot be confused with anything).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value as Json, json};
use wasmconnect_data::{OffsetMap, OffsetValue};

use super::{OffsetBackingStore, StoreError};

/// Source offsets by connector and source partition, persisted to one JSON file.
///
/// Cheap to clone; clones share the same map, so every task of the worker can hold one.
/// [`put_all`](Self::put_all) changes memory only; [`flush`](Self::flush) writes the file
/// atomically (temp file in the same folder, fsync, rename, fsync the folder), so a crash
/// leaves either the old or the new file, never a torn one.
#[derive(Debug, Clone)]
pub struct FileOffsetStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// connector -> canonical JSON of the source partition -> (partition, offset). Keyed by
    /// JSON text because `OffsetValue` (floats) has no total order.
    offsets: Offsets,
    dirty: bool,
}

impl FileOffsetStore {
    /// Opens the store at `path`, loading it if it exists (a missing file is an empty store).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        let offsets = match fs::read(&path) {
            Ok(bytes) => decode_file(&bytes).map_err(|message| StoreError::Corrupt {
                path: path.clone(),
                message,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(io_error("read", &path, e)),
        };
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                path,
                offsets,
                dirty: false,
            })),
        })
    }

    /// The file this store writes.
    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// The last offset stored for `partition` of `connector`, if any.
    pub fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap> {
        let key = partition_key(partition);
        self.lock()
            .offsets
            .get(connector)?
            .get(&key)
            .map(|(_, o)| o.clone())
    }

    /// Every `(partition, offset)` stored for `connector` (for `GET /connectors/{name}/offsets`).
    pub fn connector_offsets(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        self.lock()
            .offsets
            .get(connector)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Records `(partition, offset)` pairs for `connector` in memory; [`flush`](Self::flush)
    /// persists them. Later pairs for the same partition win.
    pub fn put_all(
        &self,
        connector: &str,
        entries: impl IntoIterator<Item = (OffsetMap, OffsetMap)>,
    ) {
        let mut inner = self.lock();
        let map = inner.offsets.entry(connector.to_owned()).or_default();
        let mut changed = false;
        for (partition, offset) in entries {
            map.insert(partition_key(&partition), (partition, offset));
            changed = true;
        }
        inner.dirty |= changed;
    }

    /// Writes the file if anything changed since the last flush.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if !inner.dirty {
            return Ok(());
        }
        let bytes = encode_file(&inner.offsets);
        write_atomically(&inner.path, &bytes)?;
        inner.dirty = false;
        Ok(())
    }

    /// [`put_all`](Self::put_all) then [`flush`](Self::flush).
    pub fn commit(
        &self,
        connector: &str,
        entries: impl IntoIterator<Item = (OffsetMap, OffsetMap)>,
    ) -> Result<(), StoreError> {
        self.put_all(connector, entries);
        self.flush()
    }

    /// Forgets every offset of `connector` (when it is deleted) and writes the file.
    pub fn remove_connector(&self, connector: &str) -> Result<(), StoreError> {
        {
            let mut inner = self.lock();
            if inner.offsets.remove(connector).is_some() {
                inner.dirty = true;
            }
        }
        self.flush()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters (each insert is atomic), so keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl OffsetBackingStore for FileOffsetStore {
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap> {
        FileOffsetStore::get(self, connector, partition)
    }

    fn connector_offsets(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        FileOffsetStore::connector_offsets(self, connector)
    }

    /// Writes the file on the calling thread: a few kilobytes, once per flush interval.
    async fn commit(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, OffsetMap)>,
    ) -> Result<(), StoreError> {
        FileOffsetStore::commit(self, connector, offsets)
    }
}

fn partition_key(partition: &OffsetMap) -> String {
    encode_map(partition).to_string()
}

fn io_error(action: &'static str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io {
        action,
        path: path.to_owned(),
        source: Arc::new(e),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        File::open(&dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error("write", path, e)
    })
}

fn encode_file(offsets: &Offsets) -> Vec<u8> {
    let entries: Vec<Json> = offsets
        .iter()
        .flat_map(|(connector, map)| {
            map.values().map(move |(partition, offset)| {
                json!({ "key": [connector, encode_map(partition)], "value": encode_map(offset) })
            })
        })
        .collect();
    let mut bytes =
        serde_json::to_vec_pretty(&json!({ "offsets": entries })).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}

fn encode_map(map: &OffsetMap) -> Json {
    Json::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), encode_value(v)))
            .collect(),
    )
}

fn encode_value(v: &OffsetValue) -> Json {
    match v {
        OffsetValue::Null => Json::Null,
        OffsetValue::Boolean(b) => Json::Bool(*b),
        OffsetValue::Int64(i) => Json::from(*i),
        // serde_json writes a finite float with a `.` or exponent, so it reads back as a float.
        // JSON has no NaN or infinity; store those as null rather than fail the flush.
        OffsetValue::Float64(f) => {
            serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number)
        }
        OffsetValue::String(s) => Json::String(s.clone()),
        OffsetValue::Bytes(b) => json!({ "bytes": BASE64.encode(b) }),
    }
}

type Offsets = BTreeMap<String, BTreeMap<String, (OffsetMap, OffsetMap)>>;

fn decode_file(bytes: &[u8]) -> Result<Offsets, String> {
    let root: Json = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let entries = root
        .get("offsets")
        .and_then(Json::as_array)
        .ok_or("expected an object with an \"offsets\" array")?;
    let mut out: Offsets = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let bad = |what: &str| format!("entry {i}: {what}");
        let key = entry
            .get("key")
            .and_then(Json::as_array)
            .filter(|k| k.len() == 2)
            .ok_or_else(|| bad("\"key\" must be [connector, {partition}]"))?;
        let connector = key[0]
            .as_str()
            .ok_or_else(|| bad("connector name must be a string"))?;
        let partition = decode_map(&key[1]).map_err(|e| bad(&format!("partition: {e}")))?;
        let value = entry.get("value").ok_or_else(|| bad("missing \"value\""))?;
        let offset = decode_map(value).map_err(|e| bad(&format!("offset: {e}")))?;
        out.entry(connector.to_owned())
            .or_default()
            .insert(partition_key(&partition), (partition, offset));
    }
    Ok(out)
}

fn decode_map(json: &Json) -> Result<OffsetMap, String> {
    let obj: &Map<String, Json> = json.as_object().ok_or("expected an object")?;
    obj.iter()
        .map(|(k, v)| Ok((k.clone(), decode_value(v).map_err(|e| format!("{k}: {e}"))?)))
        .collect()
}

fn decode_value(v: &Json) -> Result<OffsetValue, String> {
    Ok(match v {
        Json::Null => OffsetValue::Null,
        Json::Bool(b) => OffsetValue::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => OffsetValue::Int64(i),
            None => OffsetValue::Float64(n.as_f64().ok_or("number out of range")?),
        },
        Json::String(s) => OffsetValue::String(s.clone()),
        Json::Object(o) => match (o.len(), o.get("bytes").and_then(Json::as_str)) {
            (1, Some(b64)) => {
                OffsetValue::Bytes(BASE64.decode(b64).map_err(|e| format!("bad base64: {e}"))?)
            }
            _ => {
                return Err(
                    "objects other than {\"bytes\": \"<base64>\"} are not offset values".into(),
                );
            }
        },
        Json::Array(_) => return Err("arrays are not offset values".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, OffsetValue)]) -> OffsetMap {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn every_kind() -> OffsetMap {
        map(&[
            ("null", OffsetValue::Null),
            ("bool", OffsetValue::Boolean(true)),
            ("int", OffsetValue::Int64(-42)),
            ("big", OffsetValue::Int64(i64::MAX)),
            ("float", OffsetValue::Float64(1.5)),
            ("whole_float", OffsetValue::Float64(3.0)),
            ("string", OffsetValue::String("héllo \"q\"".into())),
            ("empty_bytes", OffsetValue::Bytes(vec![])),
            ("bytes", OffsetValue::Bytes(vec![0, 1, 2, 254, 255])),
        ])
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path().join("none.offsets")).unwrap();
        assert_eq!(store.get("c", &OffsetMap::new()), None);
    }

    #[test]
    fn round_trips_every_kind_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        let store = FileOffsetStore::open(&path).unwrap();
        let partition = every_kind();
        let offset = every_kind();
        let file_partition = map(&[("filename", OffsetValue::String("/tmp/in.txt".into()))]);
        store
            .commit(
                "src",
                [
                    (partition.clone(), offset.clone()),
                    (
                        file_partition.clone(),
                        map(&[("position", OffsetValue::Int64(120))]),
                    ),
                ],
            )
            .unwrap();
        store
            .commit(
                "other",
                [(
                    file_partition.clone(),
                    map(&[("position", OffsetValue::Int64(7))]),
                )],
            )
            .unwrap();

        let reopened = FileOffsetStore::open(&path).unwrap();
        assert_eq!(reopened.get("src", &partition), Some(offset));
        assert_eq!(
            reopened.get("src", &file_partition),
            Some(map(&[("position", OffsetValue::Int64(120))]))
        );
        assert_eq!(
            reopened.get("other", &file_partition),
            Some(map(&[("position", OffsetValue::Int64(7))]))
        );
        assert_eq!(reopened.connector_offsets("src").len(), 2);

        let text = fs::read_to_string(&path).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        assert!(
            json["offsets"].as_array().unwrap().iter().any(|e| e["key"]
                == json!(["other", {"filename": "/tmp/in.txt"}])
                && e["value"] == json!({"position": 7})),
            "{text}"
        );
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn later_offsets_win_and_clones_share_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.json");
        let a = FileOffsetStore::open(&path).unwrap();
        let b = a.clone();
        let p = map(&[("p", OffsetValue::Int64(0))]);
        a.put_all("c", [(p.clone(), map(&[("o", OffsetValue::Int64(1))]))]);
        b.put_all("c", [(p.clone(), map(&[("o", OffsetValue::Int64(2))]))]);
        assert_eq!(a.get("c", &p), Some(map(&[("o", OffsetValue::Int64(2))])));
        assert!(!path.exists(), "put_all does not write");
        b.flush().unwrap();
        assert_eq!(
            FileOffsetStore::open(&path).unwrap().get("c", &p),
            Some(map(&[("o", OffsetValue::Int64(2))]))
        );
    }

    #[test]
    fn remove_connector_forgets_only_that_connector() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.json");
        let store = FileOffsetStore::open(&path).unwrap();
        let p = map(&[("p", OffsetValue::Int64(0))]);
        store.commit("a", [(p.clone(), p.clone())]).unwrap();
        store.commit("b", [(p.clone(), p.clone())]).unwrap();
        store.remove_connector("a").unwrap();
        let reopened = FileOffsetStore::open(&path).unwrap();
        assert_eq!(reopened.get("a", &p), None);
        assert_eq!(reopened.get("b", &p), Some(p));
    }

    #[test]
    fn corrupt_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.offsets");
        fs::write(&path, b"{not json").unwrap();
        let err = FileOffsetStore::open(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.offsets") && err.contains("corrupt"),
            "{err}"
        );

        fs::write(&path, br#"{"offsets": [{"key": ["c"], "value": {}}]}"#).unwrap();
        let err = FileOffsetStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("entry 0"), "{err}");
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path().join("missing-dir/o.json")).unwrap();
        let p = map(&[("p", OffsetValue::Int64(0))]);
        let err = store.commit("c", [(p.clone(), p)]).unwrap_err().to_string();
        assert!(err.contains("cannot write offset file"), "{err}");
    }
}
