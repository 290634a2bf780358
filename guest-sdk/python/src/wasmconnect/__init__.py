"""Write wasmconnect connectors in Python.

A connector is a WebAssembly component built with componentize-py. Subclass
:class:`SourceConnector` and :class:`SourceTask` (or the sink pair), then export them::

    from wasmconnect import *

    class Hello(SourceConnector):
        @classmethod
        def info(cls): return PluginInfo("com.example.Hello", "0.1.0")
        @classmethod
        def config_def(cls):
            return ConfigDef().define("topic", ConfigType.STRING, Importance.HIGH, "Topic.")

    class HelloTask(SourceTask):
        def start(self, config): self.topic = config.require("topic")
        def poll(self): return [SourceRecord(self.topic, "hello", Schema.string())]

    export_source(Hello, HelloTask)

The SDK does the WIT plumbing (the exported interfaces and the task resource, the WCB1
record-batch encoding, error mapping): an exception raised by connector code comes back to the
worker as ``fatal("<Type>: <message>")``, a :class:`RetriableError` as ``retriable``.
"""

from .codec import DecodeError, decode_sink, decode_source, encode_sink, encode_source
from .config import (REQUIRED, Config, ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance,
                     Width)
from .connector import (PartitionOffset, PluginInfo, RecordMetadata, SinkConnector, SinkTask,
                        SourceConnector, SourceTask, TopicPartition, export_sink, export_source)
from .data import Header, Schema, SinkRecord, SourceRecord, Struct, TimestampType, Type
from .errors import ConnectError, FatalError, RetriableError
from .host import (SinkContext, debug, error, info, offset, offsets, raise_error,
                   request_task_reconfiguration, sink_context, trace, warn)

__all__ = [
    "DecodeError", "decode_sink", "decode_source", "encode_sink", "encode_source",
    "REQUIRED", "Config", "ConfigDef", "ConfigKey", "ConfigType", "ConfigValue", "Importance",
    "Width", "PartitionOffset", "PluginInfo", "RecordMetadata", "SinkConnector", "SinkTask",
    "SourceConnector", "SourceTask", "TopicPartition", "export_sink", "export_source", "Header",
    "Schema", "SinkRecord", "SourceRecord", "Struct", "TimestampType", "Type", "ConnectError",
    "FatalError", "RetriableError", "SinkContext", "debug", "error", "info", "offset", "offsets",
    "raise_error", "request_task_reconfiguration", "sink_context", "trace", "warn",
]
