"""The `sink-task` export of a Python sink plugin."""

try:
    from componentize_py_types import Err
except ImportError:  # componentize-py < 0.19
    from wit_world.types import Err
from wit_world.exports import sink_task
from wit_world.imports import types

from wasmconnect import codec
from wasmconnect.config import Config
from wasmconnect.connector import PartitionOffset, TopicPartition, exported
from wasmconnect_glue import call


def _tps(partitions):
    return [TopicPartition(p.topic, p.partition) for p in partitions]


class Task(sink_task.Task):
    """One task resource: wraps an instance of the exported SinkTask class."""

    def __init__(self) -> None:
        self.task = None

    def _started(self):
        if self.task is None:
            raise Err(types.ConnectError_Fatal("task not started"))
        return self.task

    def start(self, config) -> None:
        cls = exported()[2]

        def go():
            t = cls()
            t.start(Config(config))
            return t

        self.task = call(go)

    def open(self, partitions) -> None:
        call(self._started().open, _tps(partitions))

    def put(self, batch: bytes) -> None:
        task = self._started()
        records = call(codec.decode_sink, batch)
        call(task.put, records)

    def pre_commit(self, current):
        task = self._started()
        offsets = call(task.pre_commit, [PartitionOffset(o.topic, o.partition, o.offset) for o in current])
        return [types.PartitionOffset(t, p, o) for t, p, o in offsets]

    def close(self, partitions) -> None:
        call(self._started().close, _tps(partitions))

    def stop(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            call(task.stop)
