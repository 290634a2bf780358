//! `GroupOffsets`: commits and reads a consumer group's offsets the way Kafka's consumer does
//! for manually assigned partitions (generation -1, no member id), with `kafka-protocol` over
//! the shared connection to the group coordinator.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use kafka_protocol::ResponseError;
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::metadata_request::MetadataRequest;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{GroupId, TopicName};
use kafka_protocol::protocol::{Request, StrBytes};

use super::wire::{Brokers, protocol_error};
use super::{KafkaError, TopicPartition, parse_bootstrap};

// The versions of each request this code fills in correctly; each is sent at the highest of
// them the broker supports (ApiVersions).
/// FindCoordinator: batched coordinator keys from v4 on.
const FIND_COORDINATOR: RangeInclusive<i16> = 4..=6;
/// OffsetCommit: leader epoch from v6, group instance id from v7; v10 names topics by id.
const OFFSET_COMMIT: RangeInclusive<i16> = 6..=9;
/// OffsetFetch: batched groups from v8; v10 names topics by id.
const OFFSET_FETCH: RangeInclusive<i16> = 8..=9;
/// Metadata: the cluster id from v2.
const METADATA: RangeInclusive<i16> = 2..=12;

/// Reads and commits consumer-group offsets (sink tasks commit to `connect-<name>`).
/// Requests of every task share one connection per broker, many in flight at once; on a
/// network error the connection is made anew, and `NOT_COORDINATOR` /
/// `COORDINATOR_LOAD_IN_PROGRESS` are retried until `timeout`.
#[derive(Debug)]
pub struct GroupOffsets {
    bootstrap: String,
    servers: Vec<String>,
    timeout: Duration,
    brokers: Brokers,
    /// Group → coordinator address.
    coordinators: Mutex<HashMap<String, String>>,
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
            // Half the operation's: a connection that answers nothing is given up (and made
            // anew) while there is time left to retry.
            brokers: Brokers::new(timeout / 2),
            coordinators: Mutex::new(HashMap::new()),
        })
    }

    fn coordinators(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.coordinators.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many broker connections are open (one per broker however many callers).
    pub fn connections(&self) -> usize {
        self.brokers.open()
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
                    .coordinator_request(group, "OffsetCommit", &request, OFFSET_COMMIT)
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
                    .coordinator_request(group, "OffsetFetch", &request, OFFSET_FETCH)
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
            // The coordinator may have moved; a broken connection is made anew anyway.
            self.coordinators().remove(group);
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
            let mut last = None;
            let request = MetadataRequest::default().with_topics(Some(Vec::new()));
            for addr in &self.servers {
                match self
                    .send(addr, "describe cluster", &request, METADATA)
                    .await
                {
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
        request: &R,
        versions: RangeInclusive<i16>,
    ) -> Result<R::Response, Attempt> {
        let known = self.coordinators().get(group).cloned();
        let addr = match known {
            Some(addr) => addr,
            None => {
                let addr = self.find_coordinator(group).await?;
                self.coordinators().insert(group.to_owned(), addr.clone());
                addr
            }
        };
        self.send(&addr, op, request, versions).await
    }

    /// One request to the broker at `addr`; a network error is worth retrying, a version
    /// the broker does not support is not.
    async fn send<R: Request>(
        &self,
        addr: &str,
        op: &'static str,
        request: &R,
        versions: RangeInclusive<i16>,
    ) -> Result<R::Response, Attempt> {
        let conn = self
            .brokers
            .connection(addr)
            .await
            .map_err(Attempt::Retry)?;
        let version = conn.version::<R>(&versions, op).map_err(Attempt::Fail)?;
        conn.call(request, version, op)
            .await
            .map_err(Attempt::Retry)
    }

    async fn find_coordinator(&self, group: &str) -> Result<String, Attempt> {
        let request = FindCoordinatorRequest::default()
            .with_key_type(0)
            .with_coordinator_keys(vec![StrBytes::from_string(group.to_owned())]);
        let mut last = None;
        for server in &self.servers {
            match self
                .send(server, "FindCoordinator", &request, FIND_COORDINATOR)
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
                // This bootstrap server is unreachable or broken: try the next.
                Err(Attempt::Retry(e)) => last = Some(e.to_string()),
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
