/**
 * {{Name}}: a sink connector that appends each record value to `file`, one line per record
 * (strings as they are, other values as JSON). Lines are written and synced at each
 * pre-commit, so committed offsets are on disk. The file's directory must be in the
 * connector's `wasm.allowed.dirs`.
 */
import {
  AppendFile,
  Config,
  ConfigDef,
  type PartitionOffset,
  type PluginInfo,
  SinkConnector,
  type SinkRecord,
  SinkTask,
  exportSink,
  log,
} from '../wasmconnect-sdk/src/sink.js';

import { lineOf } from './{{name_snake}}.js';

function configDef(): ConfigDef {
  return new ConfigDef().define('file', 'string', undefined, 'high', 'Absolute path of the file to append to.', (v) =>
    v.startsWith('/') ? undefined : 'must be an absolute path',
  );
}

class {{Name}}Connector extends SinkConnector {
  #config = new Config();

  info(): PluginInfo {
    return { className: 'com.example.{{Name}}Connector', aliases: ['{{Name}}'], version: '0.1.0', description: 'Appends values to a file.' };
  }
  configDef(): ConfigDef {
    return configDef();
  }
  start(config: Config): void {
    this.#config = configDef().parse(config);
  }
  taskConfigs(maxTasks: number): Config[] {
    return maxTasks > 0 ? [this.#config] : []; // one file, one writer
  }
}

class {{Name}}Task extends SinkTask {
  #file!: AppendFile;

  start(config: Config): void {
    this.#file = AppendFile.open(configDef().parse(config).require('file'));
    log.info(`{{name}} appends to ${this.#file.path}`);
  }
  put(records: SinkRecord[]): void {
    for (const r of records) this.#file.write(`${lineOf(r)}\n`);
  }
  flush(_current: PartitionOffset[]): void {
    this.#file.flush();
  }

  stop(): void {
    // Lines not flushed at a pre-commit belong to uncommitted offsets: they are delivered
    // again after a restart, so dropping them here avoids duplicates.
    this.#file?.close();
  }
}

export const { connector, sinkTask } = exportSink({{Name}}Connector, {{Name}}Task);
