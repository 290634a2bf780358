"""A benchmark source: ``batch.size`` records per poll, each with no key and a bytes value of
``value.size`` bytes, until ``max.records`` (-1: unlimited); resumes after its last committed
offset. Source partition ``{"datagen": "<task id>"}``, offset ``{"seq": n}``."""

from wasmconnect import (ConfigDef, ConfigType, Importance, PluginInfo, Schema, SourceConnector,
                         SourceRecord, SourceTask, export_source, info, offset)

VALUE_SCHEMA = Schema.bytes(optional=True)


class DatagenConnector(SourceConnector):
    @classmethod
    def info(cls):
        return PluginInfo("io.wasmconnect.python.DatagenSourceConnector", "0.1.0",
                          ["PythonDatagen", "python-datagen"],
                          "Generates fixed-size bytes records as fast as it is polled (Python).")

    @classmethod
    def config_def(cls):
        return (ConfigDef()
                .define("topic", ConfigType.STRING, Importance.HIGH, "Topic to write to.")
                .define("value.size", ConfigType.INT, Importance.MEDIUM, "Bytes per record value.",
                        default=100, validator=lambda v: None if int(v) >= 0 else "must be >= 0")
                .define("batch.size", ConfigType.INT, Importance.MEDIUM, "Records per poll.",
                        default=100, validator=lambda v: None if int(v) >= 1 else "must be >= 1")
                .define("max.records", ConfigType.LONG, Importance.LOW,
                        "Records to emit in total; -1 for no limit.", default=-1))

    def task_configs(self, max_tasks):
        return [{**self.config, "task.id": str(i)} for i in range(max(1, max_tasks))]


class DatagenTask(SourceTask):
    def start(self, config):
        config = DatagenConnector.config_def().parse(config)
        self.topic = config["topic"]
        self.value = bytes(i % 251 for i in range(config.get_int("value.size")))
        self.batch = config.get_int("batch.size")
        self.max = config.get_long("max.records")
        self.partition = {"datagen": config.get("task.id", "0")}
        last = offset(self.partition)
        self.next = last["seq"] + 1 if last and isinstance(last.get("seq"), int) else 0
        info(f"datagen {self.partition['datagen']} starts at seq {self.next}")

    def poll(self):
        n = self.batch if self.max < 0 else min(self.batch, self.max - self.next)
        if n <= 0:
            return []
        start, self.next = self.next, self.next + n
        topic, value, partition = self.topic, self.value, self.partition
        return [SourceRecord(topic, value, VALUE_SCHEMA, source_partition=partition,
                             source_offset={"seq": seq}) for seq in range(start, start + n)]


export_source(DatagenConnector, DatagenTask)
