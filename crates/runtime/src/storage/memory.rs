//! In-memory stores: standalone mode's configurations and statuses (as Kafka Connect's
//! `MemoryConfigBackingStore` and `MemoryStatusBackingStore`), and offsets for tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use wasmconnect_api::ConnectorTaskId;
use wasmconnect_config::Props;
use wasmconnect_data::OffsetMap;

use super::{
    ConfigBackingStore, ConnectorEntry, OffsetBackingStore, Status, StatusBackingStore, StoreError,
    TargetState,
};

/// Locks a mutex whose holder may have panicked: every update here is a single insert or
/// remove, so the data is never half-changed.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Connector configurations in memory: standalone mode forgets REST-created connectors
/// when the worker stops, as Kafka Connect's standalone mode does.
#[derive(Debug, Default)]
pub struct MemoryConfigStore {
    connectors: Mutex<BTreeMap<String, ConnectorEntry>>,
}

impl MemoryConfigStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ConfigBackingStore for MemoryConfigStore {
    fn connectors(&self) -> Vec<String> {
        lock(&self.connectors).keys().cloned().collect()
    }

    fn get(&self, connector: &str) -> Option<ConnectorEntry> {
        lock(&self.connectors).get(connector).cloned()
    }

    async fn put_connector_config(
        &self,
        connector: &str,
        config: Props,
        target: TargetState,
    ) -> Result<(), StoreError> {
        let mut all = lock(&self.connectors);
        let entry = all
            .entry(connector.to_owned())
            .or_insert_with(|| ConnectorEntry {
                config: Props::new(),
                target,
                tasks: Vec::new(),
            });
        entry.config = config;
        entry.target = target;
        Ok(())
    }

    async fn put_task_configs(&self, connector: &str, tasks: Vec<Props>) -> Result<(), StoreError> {
        if let Some(entry) = lock(&self.connectors).get_mut(connector) {
            entry.tasks = tasks;
        }
        Ok(())
    }

    async fn put_target_state(
        &self,
        connector: &str,
        target: TargetState,
    ) -> Result<(), StoreError> {
        if let Some(entry) = lock(&self.connectors).get_mut(connector) {
            entry.target = target;
        }
        Ok(())
    }

    async fn remove_connector(&self, connector: &str) -> Result<(), StoreError> {
        lock(&self.connectors).remove(connector);
        Ok(())
    }
}

/// Statuses in memory.
#[derive(Debug, Default)]
pub struct MemoryStatusStore {
    connectors: Mutex<HashMap<String, Status>>,
    tasks: Mutex<HashMap<ConnectorTaskId, Status>>,
}

impl MemoryStatusStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Puts `status` under `key` unless a newer generation's is there.
fn put_newer<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Status>, key: K, status: Status) {
    match map.get_mut(&key) {
        Some(old) if old.generation > status.generation => {}
        Some(old) => *old = status,
        None => {
            map.insert(key, status);
        }
    }
}

impl StatusBackingStore for MemoryStatusStore {
    fn put_connector(&self, connector: &str, status: Status) {
        put_newer(&mut lock(&self.connectors), connector.to_owned(), status);
    }

    fn put_task(&self, id: &ConnectorTaskId, status: Status) {
        put_newer(&mut lock(&self.tasks), id.clone(), status);
    }

    fn connector(&self, connector: &str) -> Option<Status> {
        lock(&self.connectors).get(connector).cloned()
    }

    fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        lock(&self.tasks).get(id).cloned()
    }

    fn remove_tasks(&self, connector: &str, from: u32) {
        lock(&self.tasks).retain(|id, _| id.connector != connector || id.task < from);
    }

    fn remove_connector(&self, connector: &str) {
        lock(&self.connectors).remove(connector);
        self.remove_tasks(connector, 0);
    }
}

/// Source offsets in memory, lost when the process ends (tests, and workers that need no
/// offsets to survive).
#[derive(Debug, Default)]
pub struct MemoryOffsetStore {
    /// connector → (partition, offset) pairs; few partitions per connector is the rule.
    offsets: Mutex<HashMap<String, Vec<(OffsetMap, OffsetMap)>>>,
}

impl MemoryOffsetStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl OffsetBackingStore for MemoryOffsetStore {
    fn get(&self, connector: &str, partition: &OffsetMap) -> Option<OffsetMap> {
        lock(&self.offsets)
            .get(connector)?
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, o)| o.clone())
    }

    fn connector_offsets(&self, connector: &str) -> Vec<(OffsetMap, OffsetMap)> {
        lock(&self.offsets)
            .get(connector)
            .cloned()
            .unwrap_or_default()
    }

    async fn commit(
        &self,
        connector: &str,
        offsets: Vec<(OffsetMap, OffsetMap)>,
    ) -> Result<(), StoreError> {
        let mut all = lock(&self.offsets);
        let stored = all.entry(connector.to_owned()).or_default();
        for (partition, offset) in offsets {
            match stored.iter_mut().find(|(p, _)| *p == partition) {
                Some(entry) => entry.1 = offset,
                None => stored.push((partition, offset)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmconnect_api::State;
    use wasmconnect_data::OffsetValue;

    #[test]
    fn an_older_generation_never_overwrites_a_newer_status() {
        let store = MemoryStatusStore::new();
        let id = ConnectorTaskId::new("c", 0);
        store.put_task(&id, Status::new(State::Running, "w", 2));
        store.put_task(&id, Status::failed("late", "", "w", 1));
        assert_eq!(store.task(&id).unwrap().state, State::Running);
        store.put_task(&id, Status::failed("now", "", "w", 2));
        assert_eq!(store.task(&id).unwrap().trace.as_deref(), Some("now"));
        store.put_task(
            &ConnectorTaskId::new("c", 1),
            Status::new(State::Running, "w", 2),
        );
        store.put_task(
            &ConnectorTaskId::new("d", 1),
            Status::new(State::Running, "w", 2),
        );
        store.remove_tasks("c", 1);
        assert!(store.task(&ConnectorTaskId::new("c", 1)).is_none());
        assert!(store.task(&id).is_some());
        store.remove_connector("c");
        assert!(store.task(&id).is_none());
        assert!(store.task(&ConnectorTaskId::new("d", 1)).is_some());
    }

    #[tokio::test]
    async fn configs_keep_task_configs_across_reconfiguration() {
        let store = MemoryConfigStore::new();
        let config = Props::from([("a".to_owned(), "1".to_owned())]);
        store
            .put_connector_config("c", config.clone(), TargetState::Started)
            .await
            .unwrap();
        store
            .put_task_configs("c", vec![config.clone()])
            .await
            .unwrap();
        store
            .put_connector_config("c", Props::new(), TargetState::Paused)
            .await
            .unwrap();
        let entry = store.get("c").unwrap();
        assert_eq!(entry.tasks, vec![config]);
        assert_eq!(entry.target, TargetState::Paused);
        store.remove_connector("c").await.unwrap();
        assert!(store.connectors().is_empty());
    }

    #[tokio::test]
    async fn memory_offsets_keep_the_latest_per_partition() {
        let store = MemoryOffsetStore::new();
        let p = OffsetMap::from([("p".to_owned(), OffsetValue::Int64(0))]);
        let o = |n| OffsetMap::from([("o".to_owned(), OffsetValue::Int64(n))]);
        store.commit("c", vec![(p.clone(), o(1))]).await.unwrap();
        store.commit("c", vec![(p.clone(), o(2))]).await.unwrap();
        assert_eq!(store.get("c", &p), Some(o(2)));
        assert_eq!(store.connector_offsets("c").len(), 1);
        assert_eq!(store.get("other", &p), None);
    }
}
