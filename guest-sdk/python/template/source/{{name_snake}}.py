"""{{Name}}: a wasmconnect source connector in Python.

Emits numbered greetings as `Greeting` structs keyed by their number, ``batch.size`` per poll,
up to ``count`` (-1: forever), and resumes after the last committed number on restart.
"""

import datetime as dt

from wasmconnect import (ConfigDef, ConfigType, Importance, PluginInfo, Schema, SourceConnector,
                         SourceRecord, SourceTask, Struct, export_source, info, offset)

GREETING = Schema.struct([
    ("n", Schema.int64()),
    ("text", Schema.string()),
    ("at", Schema.timestamp()),
], name="com.example.{{name_snake}}.Greeting")
PARTITION = {"source": "{{name}}"}


class {{Name}}Connector(SourceConnector):
    @classmethod
    def info(cls):
        return PluginInfo("com.example.{{Name}}Connector", "0.1.0", ["{{Name}}"],
                          "Numbered greetings (a Python source).")

    @classmethod
    def config_def(cls):
        return (ConfigDef()
                .define("topic", ConfigType.STRING, Importance.HIGH, "Topic to write to.")
                .define("greeting", ConfigType.STRING, Importance.MEDIUM, "What to say.", default="hello")
                .define("count", ConfigType.LONG, Importance.MEDIUM, "Records in total; -1 for no end.",
                        default=-1)
                .define("batch.size", ConfigType.INT, Importance.LOW, "Most records per poll.", default=100,
                        validator=lambda v: None if int(v) > 0 else "must be positive"))


class {{Name}}Task(SourceTask):
    def start(self, config):
        c = {{Name}}Connector.config_def().parse(config)
        self.topic, self.greeting = c["topic"], c["greeting"]
        self.count, self.batch = c.get_long("count"), c.get_int("batch.size")
        last = offset(PARTITION)
        self.next = last["n"] + 1 if last else 0
        info(f"{{name}} starts at {self.next}")

    def poll(self):
        n = self.batch if self.count < 0 else min(self.batch, self.count - self.next)
        if n <= 0:
            return []  # nothing now: never sleep in poll
        now = dt.datetime.now(dt.timezone.utc)
        records = [SourceRecord(self.topic, Struct(GREETING, n=i, text=f"{self.greeting} {i}", at=now),
                                GREETING, key=str(i), key_schema=Schema.string(),
                                source_partition=PARTITION, source_offset={"n": i})
                   for i in range(self.next, self.next + n)]
        self.next += n
        return records


export_source({{Name}}Connector, {{Name}}Task)
