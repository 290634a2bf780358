//! The connection layer for what the worker speaks with `kafka-protocol` (group offsets
//! today; group membership, admin and transactions as they come): one TCP connection per
//! broker, shared by every caller, with many requests in flight on it at once, each matched
//! to its response by correlation id; and every request sent at the highest version that
//! both the broker (asked once per connection, with ApiVersions) and the calling code support.
//!
//! A connection is written by one task and read by another, so a caller that gives up (its
//! timeout) never leaves half a request on the wire, and a slow response holds up only the
//! callers waiting for it. A broken connection, or one that answers nothing within the
//! request timeout (as Kafka's clients' `request.timeout.ms`), fails every request in flight
//! on it and is made anew by the next caller.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::api_versions_request::ApiVersionsRequest;
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::KafkaError;
use super::cluster::{CLIENT_ID, io_reason};

/// Largest response accepted, as a guard against reading garbage as a length.
const MAX_RESPONSE_BYTES: usize = 100 * 1024 * 1024;
/// Requests waiting for a connection's writer.
const OUTGOING: usize = 64;
/// ApiVersions v3 (flexible, client name; Kafka 2.4+); a broker that does not know it
/// answers in v0, which this client then asks in.
const API_VERSIONS: i16 = 3;
const UNSUPPORTED_VERSION: i16 = 35;

/// The highest version of a request both sides support: `broker`'s range (from ApiVersions)
/// and `ours` (what the calling code fills in correctly, within what `kafka-protocol`
/// encodes); `None` when they do not overlap.
pub(crate) fn negotiate(broker: (i16, i16), ours: &RangeInclusive<i16>) -> Option<i16> {
    let high = broker.1.min(*ours.end());
    let low = broker.0.max(*ours.start());
    (low <= high).then_some(high)
}

/// The connections of one client, by broker address.
#[derive(Debug)]
pub(crate) struct Brokers {
    /// How long connecting (and asking ApiVersions) may take, and how long a request may
    /// wait for its response before its connection is given up.
    timeout: Duration,
    connections: Mutex<HashMap<String, Arc<Connection>>>,
    /// One connect at a time per address: concurrent first callers share its result.
    connecting: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Brokers {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            connections: Mutex::new(HashMap::new()),
            connecting: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Connection>>> {
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open_to(&self, addr: &str) -> Option<Arc<Connection>> {
        self.lock().get(addr).filter(|c| !c.is_closed()).cloned()
    }

    /// The open connection to `addr`, made (and its versions asked) if there is none.
    pub(crate) async fn connection(&self, addr: &str) -> Result<Arc<Connection>, KafkaError> {
        if let Some(c) = self.open_to(addr) {
            return Ok(c);
        }
        let gate = self
            .connecting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(addr.to_owned())
            .or_default()
            .clone();
        let _connecting = gate.lock().await;
        if let Some(c) = self.open_to(addr) {
            return Ok(c);
        }
        let fresh = tokio::time::timeout(self.timeout, Connection::open(addr, self.timeout))
            .await
            .map_err(|_| KafkaError::Timeout {
                op: "connect",
                after: self.timeout,
            })??;
        self.lock().insert(addr.to_owned(), fresh.clone());
        Ok(fresh)
    }

    /// How many connections are open (for tests).
    pub(crate) fn open(&self) -> usize {
        self.lock().values().filter(|c| !c.is_closed()).count()
    }
}

/// What the reader knows of the requests in flight.
#[derive(Debug, Default)]
struct InFlight {
    waiting: HashMap<i32, oneshot::Sender<Result<Bytes, String>>>,
    /// Why the connection is closed, once it is.
    closed: Option<String>,
}

impl InFlight {
    /// Fails every waiting request with `reason`; nothing is sent or received any more.
    fn close(&mut self, reason: String) {
        for (_, waiter) in self.waiting.drain() {
            let _ = waiter.send(Err(reason.clone()));
        }
        self.closed.get_or_insert(reason);
    }
}

/// One connection to one broker.
#[derive(Debug)]
pub(crate) struct Connection {
    addr: String,
    /// How long a request waits for its response before the connection is given up.
    request_timeout: Duration,
    outgoing: mpsc::Sender<Bytes>,
    in_flight: Arc<Mutex<InFlight>>,
    correlation: AtomicI32,
    /// API key → (min, max) version the broker supports.
    versions: HashMap<i16, (i16, i16)>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Connection {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock(in_flight: &Mutex<InFlight>) -> MutexGuard<'_, InFlight> {
    in_flight.lock().unwrap_or_else(|p| p.into_inner())
}

impl Connection {
    /// Connects to `addr` and asks which versions the broker speaks.
    async fn open(addr: &str, request_timeout: Duration) -> Result<Arc<Self>, KafkaError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| protocol_error(addr, "connect", io_reason(&e)))?;
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let in_flight = Arc::new(Mutex::new(InFlight::default()));
        let (outgoing, frames) = mpsc::channel(OUTGOING);
        let tasks = [
            tokio::spawn(read_responses(read, in_flight.clone())),
            tokio::spawn(write_requests(write, frames, in_flight.clone())),
        ];
        let mut conn = Self {
            addr: addr.to_owned(),
            request_timeout,
            outgoing,
            in_flight,
            correlation: AtomicI32::new(0),
            versions: HashMap::new(),
            tasks,
        };
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str(CLIENT_ID))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        // A broker that does not know v3 answers in v0 (with UNSUPPORTED_VERSION), which
        // then does not read as v3: ask again in v0.
        let response = match conn.call(&request, API_VERSIONS, "ApiVersions").await {
            Ok(r) if r.error_code != UNSUPPORTED_VERSION => r,
            _ => {
                conn.call(&ApiVersionsRequest::default(), 0, "ApiVersions")
                    .await?
            }
        };
        if response.error_code != 0 {
            return Err(protocol_error(
                addr,
                "ApiVersions",
                format!("error code {}", response.error_code),
            ));
        }
        conn.versions = response
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        Ok(Arc::new(conn))
    }

    fn is_closed(&self) -> bool {
        lock(&self.in_flight).closed.is_some()
    }

    /// The version `R` is sent at to this broker: the highest of `ours` it supports.
    pub(crate) fn version<R: Request>(
        &self,
        ours: &RangeInclusive<i16>,
        op: &'static str,
    ) -> Result<i16, KafkaError> {
        let name =
            ApiKey::try_from(R::KEY).map_or_else(|_| R::KEY.to_string(), |k| format!("{k:?}"));
        let broker = self.versions.get(&R::KEY).copied().ok_or_else(|| {
            protocol_error(
                &self.addr,
                op,
                format!("the broker does not support {name}"),
            )
        })?;
        let ours = R::VERSIONS.min.max(*ours.start())..=R::VERSIONS.max.min(*ours.end());
        negotiate(broker, &ours).ok_or_else(|| {
            protocol_error(
                &self.addr,
                op,
                format!(
                    "the broker supports {name} v{}-v{}, this client v{}-v{}",
                    broker.0,
                    broker.1,
                    ours.start(),
                    ours.end()
                ),
            )
        })
    }

    /// Sends `request` at `version` (see [`Self::version`]) and waits for its response;
    /// other callers' requests go and come meanwhile.
    pub(crate) async fn call<R: Request>(
        &self,
        request: &R,
        version: i16,
        op: &'static str,
    ) -> Result<R::Response, KafkaError> {
        let id = self.correlation.fetch_add(1, Ordering::Relaxed);
        let frame = encode(request, version, id)
            .map_err(|e| protocol_error(&self.addr, op, format!("cannot encode: {e}")))?;
        let (reply, answer) = oneshot::channel();
        {
            let mut in_flight = lock(&self.in_flight);
            if let Some(why) = &in_flight.closed {
                return Err(protocol_error(&self.addr, op, why.clone()));
            }
            in_flight.waiting.insert(id, reply);
        }
        // Whatever ends this call (an answer, an error, the caller giving up), its entry goes.
        let _waiting = Waiting {
            in_flight: &self.in_flight,
            id,
        };
        if self.outgoing.send(frame).await.is_err() {
            return Err(protocol_error(&self.addr, op, "connection closed"));
        }
        let answer = match tokio::time::timeout(self.request_timeout, answer).await {
            Ok(answer) => answer,
            Err(_) => {
                // A broker that answers nothing: the connection goes, and with it every
                // request in flight; the next caller connects anew.
                let why = format!("no response within {:?}", self.request_timeout);
                lock(&self.in_flight).close(why.clone());
                return Err(protocol_error(&self.addr, op, why));
            }
        };
        let mut body = answer
            .map_err(|_| protocol_error(&self.addr, op, "connection closed"))?
            .map_err(|why| protocol_error(&self.addr, op, why))?;
        ResponseHeader::decode(&mut body, R::Response::header_version(version))
            .and_then(|_| <R::Response as Decodable>::decode(&mut body, version))
            .map_err(|e| protocol_error(&self.addr, op, format!("bad response: {e}")))
    }
}

/// A request's place among those in flight, given up when the call ends however it ends.
struct Waiting<'a> {
    in_flight: &'a Mutex<InFlight>,
    id: i32,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        lock(self.in_flight).waiting.remove(&self.id);
    }
}

/// Writes the frames callers hand in, one after the other, whole.
async fn write_requests(
    mut write: OwnedWriteHalf,
    mut frames: mpsc::Receiver<Bytes>,
    in_flight: Arc<Mutex<InFlight>>,
) {
    while let Some(frame) = frames.recv().await {
        if let Err(e) = write.write_all(&frame).await {
            lock(&in_flight).close(io_reason(&e));
            return;
        }
    }
}

/// Reads responses and hands each to the caller waiting for its correlation id.
async fn read_responses(mut read: OwnedReadHalf, in_flight: Arc<Mutex<InFlight>>) {
    let reason = loop {
        let body = match read_frame(&mut read).await {
            Ok(body) => body,
            Err(e) => break io_reason(&e),
        };
        let Some(id) = body
            .get(..4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        else {
            break "a response without a correlation id".to_owned();
        };
        let waiter = lock(&in_flight).waiting.remove(&id);
        match waiter {
            // A caller that gave up has no receiver left: its response is dropped.
            Some(waiter) => {
                let _ = waiter.send(Ok(body));
            }
            None => tracing::debug!(correlation_id = id, "response nobody waits for"),
        }
    };
    lock(&in_flight).close(reason);
}

async fn read_frame(read: &mut OwnedReadHalf) -> std::io::Result<Bytes> {
    let len = read.read_i32().await?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| (4..=MAX_RESPONSE_BYTES).contains(&n))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad response length {len}"),
            )
        })?;
    let mut body = BytesMut::zeroed(len);
    read.read_exact(&mut body).await?;
    Ok(body.freeze())
}

fn encode<R: Request>(request: &R, version: i16, correlation_id: i32) -> anyhow::Result<Bytes> {
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str(CLIENT_ID)));
    let mut buf = BytesMut::new();
    buf.put_i32(0); // length, patched below
    header.encode(&mut buf, R::header_version(version))?;
    request.encode(&mut buf, version)?;
    let len = i32::try_from(buf.len() - 4)?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf.freeze())
}

pub(crate) fn protocol_error(
    addr: &str,
    op: &'static str,
    message: impl Into<String>,
) -> KafkaError {
    KafkaError::Protocol {
        op,
        addr: addr.to_owned(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ResponseHeader;
    use kafka_protocol::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
    use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequest;
    use tokio::net::TcpListener;

    /// A peer that answers ApiVersions (every API, v0 to v9) and then nothing at all, as a
    /// hung broker whose TCP connection stays up.
    async fn answers_versions_then_nothing() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let len = stream.read_i32().await.unwrap();
            let mut frame = BytesMut::zeroed(len as usize);
            stream.read_exact(&mut frame).await.unwrap();
            let mut frame = frame.freeze();
            let header = RequestHeader::decode(&mut frame, 2).unwrap();
            let response = ApiVersionsResponse::default().with_api_keys(
                (0..80)
                    .map(|k| {
                        ApiVersion::default()
                            .with_api_key(k)
                            .with_min_version(0)
                            .with_max_version(9)
                    })
                    .collect(),
            );
            let mut out = BytesMut::new();
            out.put_i32(0);
            ResponseHeader::default()
                .with_correlation_id(header.correlation_id)
                .encode(&mut out, 0)
                .unwrap();
            response
                .encode(&mut out, header.request_api_version)
                .unwrap();
            let n = (out.len() - 4) as i32;
            out[..4].copy_from_slice(&n.to_be_bytes());
            stream.write_all(&out).await.unwrap();
            // Read whatever comes, answer nothing, keep the connection open.
            let mut sink = vec![0u8; 1 << 16];
            while stream.read(&mut sink).await.is_ok_and(|n| n > 0) {}
        });
        addr
    }

    #[tokio::test]
    async fn a_connection_that_answers_nothing_is_given_up_and_forgets_its_requests() {
        let addr = answers_versions_then_nothing().await;
        let timeout = Duration::from_millis(300);
        let brokers = Brokers::new(timeout);
        let conn = brokers.connection(&addr).await.expect("versions asked");
        assert_eq!(
            conn.version::<OffsetFetchRequest>(&(8..=9), "t").unwrap(),
            9
        );
        // A caller that gives up leaves nothing behind, and the connection stays.
        let gave_up = tokio::time::timeout(
            Duration::from_millis(50),
            conn.call(&OffsetFetchRequest::default(), 9, "OffsetFetch"),
        )
        .await;
        assert!(gave_up.is_err());
        assert!(lock(&conn.in_flight).waiting.is_empty());
        assert!(!conn.is_closed());
        // A request whose answer never comes closes it, failing what was in flight.
        let started = std::time::Instant::now();
        let err = conn
            .call(&OffsetFetchRequest::default(), 9, "OffsetFetch")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no response within"), "{err}");
        assert!(started.elapsed() < timeout * 3);
        assert!(conn.is_closed());
        assert!(lock(&conn.in_flight).waiting.is_empty());
        assert_eq!(brokers.open(), 0, "the next caller connects anew");
    }

    #[test]
    fn the_highest_version_both_support_or_none() {
        assert_eq!(negotiate((0, 9), &(6..=8)), Some(8));
        assert_eq!(negotiate((2, 7), &(6..=9)), Some(7));
        assert_eq!(negotiate((6, 6), &(6..=9)), Some(6));
        assert_eq!(negotiate((10, 12), &(6..=9)), None);
        assert_eq!(negotiate((0, 5), &(6..=9)), None);
    }
}
