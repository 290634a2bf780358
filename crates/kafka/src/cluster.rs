//! The rskafka client shared by `Producer` and `Consumer`: bootstrap, metadata and a cache of
//! partition clients (each holds a connection to the partition's leader).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rskafka::BackoffConfig;
use rskafka::client::error::{Error as ClientError, ProtocolError};
use rskafka::client::partition::{PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};

use super::{KafkaError, TopicPartition, parse_bootstrap};

/// Client id the worker presents to brokers.
pub(crate) const CLIENT_ID: &str = "wasmconnect";

/// Topics created (or found created) by this process so far: a sink waiting for its topic to
/// appear wakes when a source of the same worker creates it, rather than at its next
/// metadata poll.
static TOPICS_CREATED: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(0).0);

/// Changes each time this process creates a topic.
pub(crate) fn topics_created() -> tokio::sync::watch::Receiver<u64> {
    TOPICS_CREATED.subscribe()
}

/// One rskafka client plus caches. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) bootstrap: String,
    pub(crate) timeout: Duration,
    client: Client,
    /// Made once, so its connection to the controller is kept between topic creations.
    controller: tokio::sync::OnceCell<rskafka::client::controller::ControllerClient>,
    partitions: Mutex<HashMap<TopicPartition, Arc<PartitionClient>>>,
    counts: Mutex<HashMap<String, i32>>,
}

impl Cluster {
    /// Connects to the first reachable server of `bootstrap` (comma separated). `timeout`
    /// bounds connecting and every later request, retries included.
    pub(crate) async fn connect(bootstrap: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let servers = parse_bootstrap(bootstrap);
        if servers.is_empty() {
            return Err(KafkaError::NoBootstrapServers);
        }
        // Probe with a plain socket first: rskafka would retry a refused connection until
        // its deadline and then report it in less friendly terms.
        probe(bootstrap, &servers, timeout).await?;
        // The first retry comes quickly: the usual retriable error is a partition a moment
        // after its topic was created, which its leader does not serve yet (a fetch or
        // produce answered NOT_LEADER_OR_FOLLOWER for a millisecond or two); starting at 50 ms
        // made a new pipeline's first line wait that long.
        let backoff = BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
            deadline: Some(timeout),
        };
        let build = ClientBuilder::new(servers)
            .client_id(CLIENT_ID)
            .backoff_config(backoff)
            .build();
        let client = tokio::time::timeout(timeout, build)
            .await
            .map_err(|_| KafkaError::Connect {
                bootstrap: bootstrap.to_owned(),
                reason: format!("no metadata within {timeout:?}"),
            })?
            .map_err(|e| KafkaError::Connect {
                bootstrap: bootstrap.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            bootstrap: bootstrap.to_owned(),
            timeout,
            client,
            controller: tokio::sync::OnceCell::new(),
            partitions: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// The partitions of `topic`, sorted, from fresh metadata; `None` if it does not exist.
    pub(crate) async fn lookup_partitions(
        &self,
        topic: &str,
    ) -> Result<Option<Vec<i32>>, KafkaError> {
        let topics = self
            .client
            .list_topics()
            .await
            .map_err(|e| KafkaError::client("metadata", topic, e))?;
        let found = topics
            .into_iter()
            .find(|t| t.name == topic)
            .map(|t| t.partitions.into_iter().collect::<Vec<_>>())
            .filter(|p| !p.is_empty());
        if let Some(p) = &found {
            self.lock_counts().insert(topic.to_owned(), p.len() as i32);
        }
        Ok(found)
    }

    /// Every topic with its partitions, from fresh metadata.
    pub(crate) async fn list_topics(&self) -> Result<Vec<(String, Vec<i32>)>, KafkaError> {
        let topics = self
            .client
            .list_topics()
            .await
            .map_err(|e| KafkaError::client("metadata", "*", e))?;
        Ok(topics
            .into_iter()
            .map(|t| (t.name, t.partitions.into_iter().collect()))
            .collect())
    }

    /// Cached partition count of `topic`, if known.
    pub(crate) fn cached_count(&self, topic: &str) -> Option<i32> {
        self.lock_counts().get(topic).copied()
    }

    /// Forgets what is cached about `topic` (after an error that may mean it changed).
    pub(crate) fn invalidate(&self, topic: &str) {
        self.lock_counts().remove(topic);
        self.partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|tp, _| tp.0 != topic);
    }

    /// Creates `topic` with the broker's default partition count and replication factor,
    /// falling back to 1 partition, replication 1 if the broker rejects -1. "Already exists"
    /// is success.
    pub(crate) async fn create_topic(&self, topic: &str) -> Result<(), KafkaError> {
        let controller = self
            .controller()
            .await
            .map_err(|e| KafkaError::client("create topic", topic, e))?;
        let timeout_ms = self.timeout.as_millis().min(i32::MAX as u128) as i32;
        let mut result = controller.create_topic(topic, -1, -1, timeout_ms).await;
        if let Err(ClientError::ServerError {
            protocol_error:
                ProtocolError::InvalidPartitions
                | ProtocolError::InvalidReplicationFactor
                | ProtocolError::InvalidRequest
                | ProtocolError::UnsupportedVersion,
            ..
        }) = &result
        {
            result = controller.create_topic(topic, 1, 1, timeout_ms).await;
        }
        match result {
            Ok(())
            | Err(ClientError::ServerError {
                protocol_error: ProtocolError::TopicAlreadyExists,
                ..
            }) => {
                TOPICS_CREATED.send_modify(|n| *n += 1);
                Ok(())
            }
            Err(e) => Err(KafkaError::client("create topic", topic, e)),
        }
    }

    async fn controller(
        &self,
    ) -> Result<&rskafka::client::controller::ControllerClient, ClientError> {
        self.controller
            .get_or_try_init(|| async { self.client.controller_client() })
            .await
    }

    /// Connects to the cluster's controller ahead of a first topic creation. A failure is
    /// left for the creation to report.
    pub(crate) async fn connect_controller(&self) {
        if let Ok(controller) = self.controller().await
            && let Err(e) = controller.connect().await
        {
            tracing::debug!(error = %e, "cannot connect to the controller yet");
        }
    }

    /// The cached client for one partition, creating it (and its leader connection) if needed.
    pub(crate) async fn partition(
        &self,
        tp: &TopicPartition,
        unknown_topic: UnknownTopicHandling,
    ) -> Result<Arc<PartitionClient>, KafkaError> {
        if let Some(pc) = self
            .partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(tp)
        {
            return Ok(Arc::clone(pc));
        }
        let pc = self
            .client
            .partition_client(tp.0.clone(), tp.1, unknown_topic)
            .await
            .map_err(|e| match e {
                ClientError::ServerError {
                    protocol_error: ProtocolError::UnknownTopicOrPartition,
                    ..
                } => KafkaError::UnknownTopic(tp.0.clone()),
                e => KafkaError::client("connect to leader", format!("{}-{}", tp.0, tp.1), e),
            })?;
        let pc = Arc::new(pc);
        self.partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tp.clone(), Arc::clone(&pc));
        Ok(pc)
    }

    fn lock_counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, i32>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Succeeds once one of `servers` accepts a TCP connection; otherwise reports the last failure.
async fn probe(bootstrap: &str, servers: &[String], timeout: Duration) -> Result<(), KafkaError> {
    let mut reason = String::new();
    for server in servers {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(server.as_str())).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => reason = io_reason(&e),
            Err(_) => reason = format!("no answer within {timeout:?}"),
        }
    }
    Err(KafkaError::Connect {
        bootstrap: bootstrap.to_owned(),
        reason,
    })
}

/// `connection refused` rather than `Connection refused (os error 111)`.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        kind @ (K::ConnectionRefused
        | K::ConnectionReset
        | K::TimedOut
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::AddrNotAvailable) => kind.to_string(),
        _ => e.to_string(),
    }
}
