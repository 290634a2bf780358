/**
 * JsDatagen: the benchmark source. Each poll returns `batch.size` records with no key and a
 * `value.size`-byte value (schema optional bytes), source partition `{"datagen": "<task>"}`
 * and offset `{"seq": n}`; after `max.records` (-1 = unlimited) polls return nothing. A
 * restarted task resumes after the last committed `seq`.
 */

import {
  Config,
  ConfigDef,
  type OffsetMap,
  type PluginInfo,
  Schema,
  SourceConnector,
  type SourceRecord,
  SourceTask,
  OffsetReader,
  exportSource,
  log,
} from '../../../guest-sdk/js/src/source.js';

function configDef(): ConfigDef {
  return new ConfigDef()
    .define('topic', 'string', undefined, 'high', 'Topic to write to.')
    .define('value.size', 'int', '100', 'medium', 'Bytes per record value.')
    .define('batch.size', 'int', '100', 'medium', 'Records per poll.')
    .define('max.records', 'long', '-1', 'medium', 'Records to emit in total per task; -1 for unlimited.');
}

class DatagenConnector extends SourceConnector {
  #config = new Config();

  info(): PluginInfo {
    return {
      className: 'io.wasmconnect.js.DatagenSourceConnector',
      aliases: ['JsDatagen'],
      version: '0.1.0',
      description: 'Generates fixed-size byte records as fast as it is polled (JavaScript).',
    };
  }
  configDef(): ConfigDef {
    return configDef();
  }
  start(config: Config): void {
    this.#config = configDef().parse(config);
  }
  taskConfigs(maxTasks: number): Config[] {
    return Array.from({ length: maxTasks }, (_, i) => new Config(this.#config).set('task.id', String(i)));
  }
}

class DatagenTask extends SourceTask {
  #topic = '';
  #batch = 0;
  #max = -1;
  #next = 0;
  #value = new Uint8Array(0);
  #partition: OffsetMap = {};
  readonly #schema = Schema.bytes().optional();

  start(config: Config): void {
    const c = configDef().parse(config);
    this.#topic = c.require('topic');
    this.#batch = c.getInt('batch.size')!;
    this.#max = c.getLong('max.records')!;
    // A negative size throws a RangeError here: the task fails with that message.
    this.#value = new Uint8Array(c.getInt('value.size')!).fill(0x61);
    this.#partition = { datagen: c.getOr('task.id', '0') };
    const last = OffsetReader.offset(this.#partition);
    this.#next = last && last.seq !== null && last.seq !== undefined ? Number(last.seq) + 1 : 0;
    log.info(`datagen starts at seq ${this.#next}`);
  }

  poll(): SourceRecord[] {
    let n = this.#batch;
    if (this.#max >= 0) n = Math.min(n, this.#max - this.#next);
    const records: SourceRecord[] = new Array(Math.max(n, 0));
    for (let i = 0; i < n; i++) {
      records[i] = {
        sourcePartition: this.#partition,
        sourceOffset: { seq: this.#next++ },
        topic: this.#topic,
        valueSchema: this.#schema,
        value: this.#value,
      };
    }
    return records;
  }
}

export const { connector, sourceTask } = exportSource(DatagenConnector, DatagenTask);
