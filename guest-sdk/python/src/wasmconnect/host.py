"""What connector code may ask of the worker: logging, committed offsets, the sink and
connector contexts. Outside a component (unit tests on CPython) logging goes to stderr,
offsets are empty and the contexts record calls in :data:`calls`."""

from __future__ import annotations

import logging
import sys
from typing import Optional

from .connector import PartitionOffset, TopicPartition

# The bindings are imported when the component is built (componentize-py pre-initializes the
# app); importing them lazily inside a call fails, so each is tried here, once.
try:  # inside a component built by componentize-py
    from wit_world.imports import log as _wit_log, types as _types, connector_context as _cc
except ImportError:  # plain CPython
    _wit_log = _types = _cc = None
try:  # source world only
    from wit_world.imports import offset_reader as _offset_reader
except ImportError:
    _offset_reader = None
try:  # sink world only
    from wit_world.imports import sink_context as _sink_ctx
except ImportError:
    _sink_ctx = None

calls: list[tuple] = []
"""Outside a component: the context calls made so far (for tests)."""

_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def _log(level: int, message: str) -> None:
    if _wit_log is None:
        print(f"[{_LEVELS[level]}] {message}", file=sys.stderr)
    else:
        _wit_log.log(_types.LogLevel(level), message)


def trace(message: str) -> None:
    """Logs at TRACE into the worker's log, in the task's span."""
    _log(0, message)


def debug(message: str) -> None:
    """Logs at DEBUG."""
    _log(1, message)


def info(message: str) -> None:
    """Logs at INFO."""
    _log(2, message)


def warn(message: str) -> None:
    """Logs at WARN."""
    _log(3, message)


def error(message: str) -> None:
    """Logs at ERROR."""
    _log(4, message)


class WorkerLogHandler(logging.Handler):
    """Sends Python ``logging`` records to the worker's log; installed on the root logger of
    every component, so ``logging.getLogger(__name__).info(...)`` just works."""

    def emit(self, record: logging.LogRecord) -> None:
        n = record.levelno
        level = 4 if n >= logging.ERROR else 3 if n >= logging.WARNING else 2 if n >= logging.INFO \
            else 1 if n >= logging.DEBUG else 0
        try:
            _log(level, self.format(record))
        except Exception:  # never let logging fail a call
            pass


# Source offsets --------------------------------------------------------------------------------

def _offset_to_wit(m: dict):
    out = []
    for k, v in m.items():
        if v is None:
            w = _types.OffsetValue_Null()
        elif v is True or v is False:
            w = _types.OffsetValue_Boolean(v)
        elif isinstance(v, int):
            w = _types.OffsetValue_Int64(v)
        elif isinstance(v, float):
            w = _types.OffsetValue_Float64(v)
        elif isinstance(v, str):
            w = _types.OffsetValue_String(v)
        elif isinstance(v, (bytes, bytearray)):
            w = _types.OffsetValue_Bytes(bytes(v))
        else:
            raise ValueError(f"source partition {k}: {type(v).__name__} is not a primitive")
        out.append((k, w))
    return out


def _offset_from_wit(m) -> dict:
    return {k: getattr(v, "value", None) for k, v in m}


def offsets(partitions: list[dict]) -> list[Optional[dict]]:
    """The last committed source offset of each source partition, in the same order; None
    where nothing was committed yet. Source tasks only."""
    if _offset_reader is None:
        if _wit_log is not None:
            raise RuntimeError("offsets() is for source tasks only")
        return [None] * len(partitions)
    return [None if o is None else _offset_from_wit(o)
            for o in _offset_reader.offsets([_offset_to_wit(p) for p in partitions])]


def offset(partition: dict) -> Optional[dict]:
    """The last committed source offset of one source partition, or None."""
    return offsets([partition])[0]


# Contexts --------------------------------------------------------------------------------------

def _sink_context():
    if _sink_ctx is None and _wit_log is not None:
        raise RuntimeError("sink_context is for sink tasks only")
    return _sink_ctx


class SinkContext:
    """What a sink task may ask of the worker (``SinkTaskContext``); use the module-level
    instance :data:`wasmconnect.sink_context`."""

    def pause(self, partitions: list[TopicPartition]) -> None:
        """Stop fetching from these partitions until :meth:`resume`."""
        sc = _sink_context()
        if sc is None:
            calls.append(("pause", list(partitions)))
        else:
            sc.pause([_types.TopicPartition(t, p) for t, p in partitions])

    def resume(self, partitions: list[TopicPartition]) -> None:
        """Fetch again from these paused partitions."""
        sc = _sink_context()
        if sc is None:
            calls.append(("resume", list(partitions)))
        else:
            sc.resume([_types.TopicPartition(t, p) for t, p in partitions])

    def reset_offsets(self, offsets: list[PartitionOffset]) -> None:
        """Rewind: the next records of these partitions start at these offsets."""
        sc = _sink_context()
        if sc is None:
            calls.append(("reset_offsets", list(offsets)))
        else:
            sc.reset_offsets([_types.PartitionOffset(t, p, o) for t, p, o in offsets])

    def request_commit(self) -> None:
        """Ask for ``pre_commit`` and an offset commit soon."""
        sc = _sink_context()
        if sc is None:
            calls.append(("request_commit",))
        else:
            sc.request_commit()

    def report(self, record, error: str) -> None:
        """Report a record of the current or an earlier ``put`` that could not be processed
        (``ErrantRecordReporter``); ``record`` is a SinkRecord or a PartitionOffset."""
        pos = PartitionOffset(record.topic, record.partition, record.offset)
        sc = _sink_context()
        if sc is None:
            calls.append(("report", pos, error))
        else:
            sc.report(_types.PartitionOffset(*pos), str(error))


sink_context = SinkContext()


def request_task_reconfiguration() -> None:
    """Ask the worker to call ``task_configs`` again and restart the tasks (connector only)."""
    if _cc is None:
        calls.append(("request_task_reconfiguration",))
    else:
        _cc.request_task_reconfiguration()


def raise_error(message: str) -> None:
    """Report that the connector cannot go on: it moves to FAILED (connector only)."""
    if _cc is None:
        calls.append(("raise_error", message))
    else:
        _cc.raise_error(message)
