"""The classes a connector author subclasses, and how a plugin is exported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .config import Config, ConfigDef, ConfigValue
from .data import SinkRecord, SourceRecord


@dataclass
class PluginInfo:
    """Who a plugin is; ``class_name`` (or an alias) is what ``connector.class`` names."""

    class_name: str
    version: str
    aliases: list[str] = field(default_factory=list)
    description: str = ""


class TopicPartition(NamedTuple):
    """A Kafka topic partition."""

    topic: str
    partition: int


class PartitionOffset(NamedTuple):
    """A consumer position: the offset of the next record to read in a topic partition."""

    topic: str
    partition: int
    offset: int


class RecordMetadata(NamedTuple):
    """Where a source record was written (``RecordMetadata``)."""

    topic: str
    partition: int
    offset: int
    timestamp: Optional[int]


class _Connector:
    @classmethod
    def info(cls) -> PluginInfo:
        """Who this plugin is."""
        raise NotImplementedError(f"{cls.__name__}.info")

    @classmethod
    def config_def(cls) -> ConfigDef:
        """The configuration definition (``Connector.config()``)."""
        return ConfigDef()

    @classmethod
    def validate(cls, config: Config) -> list[ConfigValue]:
        """Validates a configuration; by default against :meth:`config_def`."""
        return cls.config_def().validate(config)

    def start(self, config: Config) -> None:
        """Starts the connector; by default keeps the parsed config in ``self.config``."""
        self.config = type(self).config_def().parse(config)

    def task_configs(self, max_tasks: int) -> list[dict]:
        """At most ``max_tasks`` task configurations; by default one, the connector's."""
        return [dict(self.config)]

    def stop(self) -> None:
        """Stops the connector."""


class SourceConnector(_Connector):
    """The connector level of a source plugin (``SourceConnector``): one instance per connector,
    created with no arguments. ``info``, ``config_def`` and ``validate`` are class methods,
    called without an instance."""


class SinkConnector(_Connector):
    """The connector level of a sink plugin (``SinkConnector``)."""


class SourceTask:
    """A source task (``SourceTask``), created with no arguments, then started. Each task runs
    in its own sandbox."""

    COMMIT_RECORD = False
    """Set to True to get :meth:`commit_record` calls for every written record."""

    def start(self, config: Config) -> None:
        """Starts the task with one of the ``task_configs``; read committed offsets with
        :func:`wasmconnect.offset` here to resume."""

    def poll(self) -> list[SourceRecord]:
        """The next records; empty when there are none yet. Never block or sleep: the call has a
        deadline, and the worker waits briefly before polling again after an empty result."""
        raise NotImplementedError(f"{type(self).__name__}.poll")

    def commit(self) -> None:
        """Offsets of all records returned so far were committed (``SourceTask.commit``)."""

    def commit_record(self, record: SourceRecord, metadata: Optional[RecordMetadata]) -> None:
        """``record`` was written at ``metadata`` (None: a transform dropped it). Called only when
        :attr:`COMMIT_RECORD` is True."""

    def stop(self) -> None:
        """Stops the task; nothing else is called afterwards."""


class SinkTask:
    """A sink task (``SinkTask``), created with no arguments, then started."""

    def start(self, config: Config) -> None:
        """Starts the task with one of the ``task_configs``."""

    def open(self, partitions: list[TopicPartition]) -> None:
        """These partitions are now assigned to the task."""

    def put(self, records: list[SinkRecord]) -> None:
        """Delivers records. Raise :class:`RetriableError` to get the same batch again."""
        raise NotImplementedError(f"{type(self).__name__}.put")

    def flush(self, current: list[PartitionOffset]) -> None:
        """Make everything delivered so far durable."""

    def pre_commit(self, current: list[PartitionOffset]) -> list[PartitionOffset]:
        """The offsets safe to commit (``SinkTask.preCommit``); by default calls :meth:`flush`
        and returns ``current``."""
        self.flush(current)
        return current

    def close(self, partitions: list[TopicPartition]) -> None:
        """These partitions are no longer assigned to the task."""

    def stop(self) -> None:
        """Stops the task; nothing else is called afterwards."""


_plugin: Optional[tuple[str, type, type]] = None


def export_source(connector: type, task: type) -> None:
    """Exports a source plugin: call once, at the top level of the connector's module (a
    component exports one plugin; on plain CPython, where tests may import several connector
    modules, the last call wins)."""
    _export("source", connector, task, SourceConnector, SourceTask)


def export_sink(connector: type, task: type) -> None:
    """Exports a sink plugin: call once, at the top level of the connector's module."""
    _export("sink", connector, task, SinkConnector, SinkTask)


def _export(kind: str, connector: type, task: type, cbase: type, tbase: type) -> None:
    global _plugin
    if not (isinstance(connector, type) and issubclass(connector, cbase)):
        raise TypeError(f"export_{kind}: {connector!r} is not a {cbase.__name__} subclass")
    if not (isinstance(task, type) and issubclass(task, tbase)):
        raise TypeError(f"export_{kind}: {task!r} is not a {tbase.__name__} subclass")
    _plugin = (kind, connector, task)


def exported() -> tuple[str, type, type]:
    """The exported plugin: (kind, connector class, task class)."""
    if _plugin is None:
        raise RuntimeError("no plugin exported: call wasmconnect.export_source or export_sink")
    return _plugin
