//! `GroupOffsets`: commits and reads a consumer group's offsets the way Kafka's consumer does
//! for manually assigned partitions (generation -1, no member id), with `kafka-protocol` over
//! a plain TCP connection to the group coordinator.

use std::collections::HashMap;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::metadata_request::MetadataRequest;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{GroupId, RequestHeader, ResponseHeader, TopicName};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use super::cluster::{CLIENT_ID, io_reason};
use super::{KafkaError, TopicPartition, parse_bootstrap};

/// FindCoordinator v4 (batched keys; Kafka 2.8+; 4.1 accepts 0-6).
const FIND_COORDINATOR_VERSION: i16 = 4;
/// OffsetCommit v8 (flexible, topic names; 4.1 accepts 2-9).
const OFFSET_COMMIT_VERSION: i16 = 8;
/// OffsetFetch v8 (batched groups; 4.1 accepts 1-9).
const OFFSET_FETCH_VERSION: i16 = 8;
/// Largest response we accept, as a guard against reading garbage as a length.
const MAX_RESPONSE_BYTES: usize = 100 * 1024 * 1024;

/// Reads and commits consumer-group offsets (sink tasks commit to `connect-<name>`).
/// Requests are serialized over one connection per coordinator; on a network error the
/// connection is dropped and re-made, and `NOT_COORDINATOR` / `COORDINATOR_LOAD_IN_PROGRESS`
/// are retried until `timeout`.
#[derive(Debug)]
pub struct GroupOffsets {
    bootstrap: String,
    servers: Vec<String>,
    timeout: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    correlation_id: i32,
    /// Group -> coordinator address.
    coordinators: HashMap<String, String>,
    /// Address -> open connection.
    connections: HashMap<String, TcpStream>,
}

/// One attempt's failure: retry (after backoff, coordinator forgotten) or give up.
enum Attempt {
    Retry(KafkaError),
    Fail(KafkaError),
}

impl GroupOffsets {
    /// A client for `bootstrap_servers` (comma separated). Connects lazily; `timeout` bounds
    /// each `commit` or `fetch`, retries included.
    pub fn new(bootstrap_servers: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let servers = parse_bootstrap(bootstrap_servers);
        if servers.is_empty() {
            return Err(KafkaError::NoBootstrapServers);
        }
        Ok(Self {
            bootstrap: bootstrap_servers.to_owned(),
            servers,
            timeout,
            state: Mutex::new(State::default()),
        })
    }

    /// Commits `offsets` (`((topic, partition), next offset to read)`) for `group`. The group
    /// shows in `kafka-consumer-groups --describe` as Empty with these offsets.
    pub async fn commit(
        &self,
        group: &str,
        offsets: &[(TopicPartition, i64)],
    ) -> Result<(), KafkaError> {
        if offsets.is_empty() {
            return Ok(());
        }
        let mut topics: Vec<OffsetCommitRequestTopic> = Vec::new();
        for ((topic, partition), offset) in offsets {
            let partition = OffsetCommitRequestPartition::default()
                .with_partition_index(*partition)
                .with_committed_offset(*offset)
                .with_committed_leader_epoch(-1)
                .with_committed_metadata(Some(StrBytes::from_static_str("")));
            match topics.iter_mut().find(|t| t.name.as_str() == topic) {
                Some(t) => t.partitions.push(partition),
                None => topics.push(
                    OffsetCommitRequestTopic::default()
                        .with_name(TopicName(StrBytes::from_string(topic.clone())))
                        .with_partitions(vec![partition]),
                ),
            }
        }
        let request = OffsetCommitRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.to_owned())))
            .with_generation_id_or_member_epoch(-1)
            .with_member_id(StrBytes::from_static_str(""))
            .with_group_instance_id(None)
            .with_retention_time_ms(-1)
            .with_topics(topics);
        self.with_retries("OffsetCommit", group, || {
            let request = request.clone();
            async move {
                let response = self
                    .coordinator_request(group, "OffsetCommit", request, OFFSET_COMMIT_VERSION)
                    .await?;
                for topic in &response.topics {
                    for p in &topic.partitions {
                        check(group, "OffsetCommit", p.error_code)?;
                    }
                }
                Ok(())
            }
        })
        .await
    }

    /// The committed offsets of `group` for `partitions`; partitions with no committed offset
    /// are absent from the map.
    pub async fn fetch(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>, KafkaError> {
        let mut topics: Vec<OffsetFetchRequestTopics> = Vec::new();
        for (topic, partition) in partitions {
            match topics.iter_mut().find(|t| t.name.as_str() == topic) {
                Some(t) => t.partition_indexes.push(*partition),
                None => topics.push(
                    OffsetFetchRequestTopics::default()
                        .with_name(TopicName(StrBytes::from_string(topic.clone())))
                        .with_partition_indexes(vec![*partition]),
                ),
            }
        }
        let request = OffsetFetchRequest::default()
            .with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(GroupId(StrBytes::from_string(group.to_owned())))
                    .with_member_id(None)
                    .with_member_epoch(-1)
                    .with_topics(Some(topics)),
            ])
            .with_require_stable(false);
        self.with_retries("OffsetFetch", group, || {
            let request = request.clone();
            async move {
                let response = self
                    .coordinator_request(group, "OffsetFetch", request, OFFSET_FETCH_VERSION)
                    .await?;
                let mut out = HashMap::new();
                for g in &response.groups {
                    check(group, "OffsetFetch", g.error_code)?;
                    for t in &g.topics {
                        for p in &t.partitions {
                            check(group, "OffsetFetch", p.error_code)?;
                            if p.committed_offset >= 0 {
                                out.insert(
                                    (t.name.to_string(), p.partition_index),
                                    p.committed_offset,
                                );
                            }
                        }
                    }
                }
                Ok(out)
            }
        })
        .await
    }

    /// Runs `attempt` until it succeeds, fails for good, or `timeout` passes.
    async fn with_retries<T, F, Fut>(
        &self,
        op: &'static str,
        group: &str,
        attempt: F,
    ) -> Result<T, KafkaError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Attempt>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut backoff = Duration::from_millis(20);
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let err = match tokio::time::timeout(remaining, attempt()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(Attempt::Fail(e))) => return Err(e),
                Ok(Err(Attempt::Retry(e))) => e,
                Err(_) => KafkaError::Timeout {
                    op,
                    after: self.timeout,
                },
            };
            let mut state = self.state.lock().await;
            if let Some(addr) = state.coordinators.remove(group) {
                state.connections.remove(&addr);
            }
            drop(state);
            if tokio::time::Instant::now() + backoff >= deadline {
                return Err(err);
            }
            tracing::debug!(group, error = %err, "retrying {op}");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(500));
        }
    }

    /// The cluster id (a Metadata request for no topics to a bootstrap server), for `GET /`.
    pub async fn cluster_id(&self) -> Result<Option<String>, KafkaError> {
        self.with_retries("describe cluster", "", || async {
            let mut state = self.state.lock().await;
            let mut last = None;
            for addr in &self.servers {
                let request = MetadataRequest::default().with_topics(Some(Vec::new()));
                match send(&mut state, addr, "describe cluster", request, 12).await {
                    Ok(r) => return Ok(r.cluster_id.map(|id| id.to_string())),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or(Attempt::Fail(KafkaError::NoBootstrapServers)))
        })
        .await
    }

    /// Sends `request` to `group`'s coordinator, finding it first if needed.
    async fn coordinator_request<R: Request>(
        &self,
        group: &str,
        op: &'static str,
        request: R,
        version: i16,
    ) -> Result<R::Response, Attempt> {
        let mut state = self.state.lock().await;
        let addr = match state.coordinators.get(group) {
            Some(addr) => addr.clone(),
            None => {
                let addr = self.find_coordinator(&mut state, group).await?;
                state.coordinators.insert(group.to_owned(), addr.clone());
                addr
            }
        };
        send(&mut state, &addr, op, request, version).await
    }

    async fn find_coordinator(&self, state: &mut State, group: &str) -> Result<String, Attempt> {
        let request = FindCoordinatorRequest::default()
            .with_key_type(0)
            .with_coordinator_keys(vec![StrBytes::from_string(group.to_owned())]);
        let mut last = None;
        for server in &self.servers {
            match send(
                state,
                server,
                "FindCoordinator",
                request.clone(),
                FIND_COORDINATOR_VERSION,
            )
            .await
            {
                Ok(response) => {
                    let Some(c) = response.coordinators.first() else {
                        return Err(Attempt::Retry(protocol_error(
                            server,
                            "FindCoordinator",
                            "no coordinator in response",
                        )));
                    };
                    check(group, "FindCoordinator", c.error_code)?;
                    return Ok(format!("{}:{}", c.host.as_str(), c.port));
                }
                Err(Attempt::Retry(KafkaError::Protocol { message, .. })) => last = Some(message),
                Err(e) => return Err(e),
            }
        }
        Err(Attempt::Retry(KafkaError::Connect {
            bootstrap: self.bootstrap.clone(),
            reason: last.unwrap_or_default(),
        }))
    }
}

/// `Ok` for error code 0; retriable coordinator errors become `Attempt::Retry`.
fn check(group: &str, op: &'static str, code: i16) -> Result<(), Attempt> {
    let Some(error) = ResponseError::try_from_code(code) else {
        return Ok(());
    };
    let e = KafkaError::Broker {
        op,
        group: group.to_owned(),
        error,
    };
    match error {
        ResponseError::CoordinatorLoadInProgress
        | ResponseError::CoordinatorNotAvailable
        | ResponseError::NotCoordinator
        | ResponseError::RequestTimedOut
        | ResponseError::RebalanceInProgress => Err(Attempt::Retry(e)),
        _ => Err(Attempt::Fail(e)),
    }
}

fn protocol_error(addr: &str, op: &'static str, message: impl Into<String>) -> KafkaError {
    KafkaError::Protocol {
        op,
        addr: addr.to_owned(),
        message: message.into(),
    }
}

/// One request/response on the cached connection to `addr`, which is dropped on any error.
async fn send<R: Request>(
    state: &mut State,
    addr: &str,
    op: &'static str,
    request: R,
    version: i16,
) -> Result<R::Response, Attempt> {
    state.correlation_id = state.correlation_id.wrapping_add(1);
    let correlation_id = state.correlation_id;
    let frame = encode(&request, version, correlation_id)
        .map_err(|e| Attempt::Fail(protocol_error(addr, op, format!("cannot encode: {e}"))))?;
    if !state.connections.contains_key(addr) {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| Attempt::Retry(protocol_error(addr, op, io_reason(&e))))?;
        let _ = stream.set_nodelay(true);
        state.connections.insert(addr.to_owned(), stream);
    }
    let stream = state.connections.get_mut(addr).expect("inserted above");
    let result = exchange(stream, &frame).await;
    let mut body = match result {
        Ok(body) => body,
        Err(e) => {
            state.connections.remove(addr);
            return Err(Attempt::Retry(protocol_error(addr, op, io_reason(&e))));
        }
    };
    let decoded = ResponseHeader::decode(&mut body, R::Response::header_version(version)).and_then(
        |header| {
            anyhow::ensure!(
                header.correlation_id == correlation_id,
                "correlation id {} does not match request {correlation_id}",
                header.correlation_id
            );
            <R::Response as Decodable>::decode(&mut body, version)
        },
    );
    decoded.map_err(|e| {
        state.connections.remove(addr);
        Attempt::Retry(protocol_error(addr, op, format!("bad response: {e}")))
    })
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
    let len = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf.freeze())
}

async fn exchange(stream: &mut TcpStream, frame: &[u8]) -> std::io::Result<Bytes> {
    stream.write_all(frame).await?;
    let len = stream.read_i32().await?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= MAX_RESPONSE_BYTES)
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad response length {len}"),
            )
        })?;
    let mut body = BytesMut::zeroed(len);
    stream.read_exact(&mut body).await?;
    Ok(body.freeze())
}
