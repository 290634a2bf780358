"""{{Name}}: a wasmconnect sink connector in Python.

Appends each record as one JSON line (topic, partition, offset, key, value) to ``file``; structs
become objects, Decimals strings, timestamps ISO 8601. Lines are flushed before offsets are
committed, so a committed offset never runs ahead of the file. The worker must grant the
file's directory: ``wasm.allowed.dirs=<that directory>`` in the connector config.
"""

import base64
import datetime as dt
import decimal
import json

from wasmconnect import (ConfigDef, ConfigType, Importance, PluginInfo, SinkConnector, SinkTask,
                         Struct, export_sink, info)


def plain(v):
    """A value as JSON can hold it."""
    if isinstance(v, Struct):
        return {k: plain(x) for k, x in v.as_dict().items()}
    if isinstance(v, dict):
        return {str(plain(k)): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return v


class {{Name}}Connector(SinkConnector):
    @classmethod
    def info(cls):
        return PluginInfo("com.example.{{Name}}Connector", "0.1.0", ["{{Name}}"],
                          "Appends records as JSON lines to a file (a Python sink).")

    @classmethod
    def config_def(cls):
        return ConfigDef().define("file", ConfigType.STRING, Importance.HIGH, "File to append to.")


class {{Name}}Task(SinkTask):
    def start(self, config):
        self.path = {{Name}}Connector.config_def().parse(config)["file"]
        self.out = open(self.path, "a", encoding="utf-8")
        info(f"{{name}} appends to {self.path}")

    def put(self, records):
        for r in records:
            line = {"topic": r.topic, "partition": r.partition, "offset": r.offset,
                    "key": plain(r.key), "value": plain(r.value)}
            self.out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def flush(self, current):
        self.out.flush()

    def stop(self):
        self.out.close()


export_sink({{Name}}Connector, {{Name}}Task)
