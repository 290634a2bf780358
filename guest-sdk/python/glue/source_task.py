"""The `source-task` export of a Python source plugin (componentize-py looks the resource class
up in a module named after the interface)."""

try:
    from componentize_py_types import Err
except ImportError:  # componentize-py < 0.19
    from wit_world.types import Err
from wit_world.exports import source_task
from wit_world.imports import types

from wasmconnect import codec
from wasmconnect.config import Config
from wasmconnect.connector import RecordMetadata, exported
from wasmconnect_glue import call


class Task(source_task.Task):
    """One task resource: wraps an instance of the exported SourceTask class."""

    def __init__(self) -> None:
        self.task = None
        self.commit_record = False
        self.seq = 0
        self.pending = {}

    def _started(self):
        if self.task is None:
            raise Err(types.ConnectError_Fatal("task not started"))
        return self.task

    def start(self, config) -> source_task.TaskOptions:
        cls = exported()[2]

        def go():
            t = cls()
            t.start(Config(config))
            return t

        self.task = call(go)
        self.commit_record = bool(cls.COMMIT_RECORD)
        self.seq = 0
        self.pending = {}
        return source_task.TaskOptions(self.commit_record)

    def poll(self) -> bytes:
        task = self._started()
        records = call(task.poll) or []
        batch = call(codec.encode_source, records)
        if self.commit_record and records:
            self.pending[self.seq] = [len(records), list(records)]
        self.seq += 1
        return batch

    def commit(self) -> None:
        call(self._started().commit)

    def commit_records(self, acks) -> None:
        if not self.commit_record:
            return
        task = self._started()
        for ack in acks:
            entry = self.pending.get(ack.poll_seq)
            record = None
            if entry is not None and ack.index < len(entry[1]):
                record, entry[1][ack.index] = entry[1][ack.index], None
            if record is None:
                raise Err(types.ConnectError_Fatal(
                    f"acknowledgement of an unknown or already acknowledged record: "
                    f"index {ack.index} of poll {ack.poll_seq}"))
            entry[0] -= 1
            if entry[0] == 0:
                del self.pending[ack.poll_seq]
            m = ack.metadata
            meta = None if m is None else RecordMetadata(m.topic, m.partition, m.offset, m.timestamp)
            call(task.commit_record, record, meta)

    def stop(self) -> None:
        task, self.task = self.task, None
        self.pending = {}
        if task is not None:
            call(task.stop)
