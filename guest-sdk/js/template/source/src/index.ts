/**
 * {{Name}}: a source connector that counts. Each poll emits up to `batch.size` records
 * `{n, message}` to `topic`, until `count` records in all (-1 = forever); a restarted task
 * resumes after the last committed offset.
 */
import {
  Config,
  ConfigDef,
  OffsetReader,
  type PluginInfo,
  SourceConnector,
  type SourceRecord,
  SourceTask,
  exportSource,
  log,
} from '../wasmconnect-sdk/src/source.js';

import { partitionOf, tick } from './{{name_snake}}.js';

function configDef(): ConfigDef {
  return new ConfigDef()
    .define('topic', 'string', undefined, 'high', 'Topic to write to.')
    .define('message', 'string', 'hello from {{name}}', 'medium', 'Text of each record.')
    .define('count', 'long', '-1', 'medium', 'Records to emit per task; -1 for no end.')
    .define('batch.size', 'int', '10', 'low', 'Records per poll.', (v) => (Number(v) > 0 ? undefined : 'must be positive'));
}

class {{Name}}Connector extends SourceConnector {
  #config = new Config();

  info(): PluginInfo {
    return { className: 'com.example.{{Name}}Connector', aliases: ['{{Name}}'], version: '0.1.0', description: 'Counts.' };
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

class {{Name}}Task extends SourceTask {
  #topic = '';
  #task = '0';
  #message = '';
  #count = -1;
  #batch = 10;
  #next = 0;

  start(config: Config): void {
    const c = configDef().parse(config);
    this.#topic = c.require('topic');
    this.#task = c.getOr('task.id', '0');
    this.#message = c.require('message');
    this.#count = c.getLong('count')!;
    this.#batch = c.getInt('batch.size')!;
    const last = OffsetReader.offset(partitionOf(this.#task));
    this.#next = last?.n != null ? Number(last.n) + 1 : 0;
    log.info(`{{name}} task ${this.#task} starts at ${this.#next}`);
  }

  poll(): SourceRecord[] {
    const records: SourceRecord[] = [];
    while (records.length < this.#batch && (this.#count < 0 || this.#next < this.#count)) {
      records.push(tick(this.#topic, this.#task, this.#next++, this.#message));
    }
    return records;
  }
}

export const { connector, sourceTask } = exportSource({{Name}}Connector, {{Name}}Task);
