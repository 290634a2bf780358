/**
 * TsJsonlSink: writes each record as one JSON object per line,
 * `{"topic","partition","offset","timestamp","key","value"}`, with Connect values converted to
 * JSON (structs as objects, bytes as base64, Decimal as an exact JSON number, Date/Time/
 * Timestamp as ISO-8601 strings, int64 exactly). Lines are buffered and written and synced at
 * each pre-commit, so every committed offset is on disk and a restart resumes without
 * duplicates. The file's directory must be listed in `wasm.allowed.dirs`.
 */

import {
  AppendFile,
  Config,
  ConfigDef,
  type PartitionOffset,
  type PluginInfo,
  Logical,
  type Schema,
  SinkConnector,
  type SinkRecord,
  SinkTask,
  Struct,
  TypedValue,
  type Value,
  exportSink,
  isBytes,
  log,
} from '../../../guest-sdk/js/src/sink.js';

const FILE = 'file';
const FIELDS = 'fields.include';
const FLUSH_BYTES = 'flush.bytes';

function configDef(): ConfigDef {
  return new ConfigDef()
    .define(FILE, 'string', undefined, 'high', 'Absolute path of the JSON-lines file to append to.', (v) =>
      v.startsWith('/') ? undefined : 'must be an absolute path',
    )
    .define(FIELDS, 'list', '', 'medium', 'Fields of struct or map values to keep (all when empty).')
    .define(FLUSH_BYTES, 'int', '1048576', 'low', 'Write buffered lines early once this many bytes are pending.', (v) =>
      Number(v) > 0 ? undefined : 'must be positive',
    );
}

class JsonlSinkConnector extends SinkConnector {
  #config = new Config();

  info(): PluginInfo {
    return {
      className: 'io.wasmconnect.ts.JsonlSinkConnector',
      aliases: ['TsJsonlSink'],
      version: '0.1.0',
      description: 'Writes records as JSON lines to a file (TypeScript).',
    };
  }
  configDef(): ConfigDef {
    return configDef();
  }
  start(config: Config): void {
    this.#config = configDef().parse(config);
  }
  taskConfigs(maxTasks: number): Config[] {
    // One file, so one writer.
    return maxTasks > 0 ? [this.#config] : [];
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 of `b`. */
export function base64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return s;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** A Connect value as JSON text, guided by its schema when there is one. */
export function toJson(value: Value, schema: Schema | null | undefined, keep?: Set<string>): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof TypedValue) return toJson(value.value, schema);
  if (schema?.name) {
    switch (schema.name) {
      case Logical.DECIMAL:
        return Logical.decimalToString(value as Uint8Array, Number(schema.parameters.scale ?? 0));
      case Logical.DATE:
        return JSON.stringify(Logical.dateToJs(value as number).toISOString().slice(0, 10));
      case Logical.TIME: {
        const ms = value as number;
        return JSON.stringify(
          `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`,
        );
      }
      case Logical.TIMESTAMP:
        return JSON.stringify(Logical.timestampToJs(value as bigint).toISOString());
      default:
    }
  }
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    default:
  }
  if (isBytes(value)) return JSON.stringify(base64(value));
  if (Array.isArray(value)) return `[${value.map((v) => toJson(v, schema?.valueSchema)).join(',')}]`;
  if (value instanceof Struct) {
    const parts: string[] = [];
    for (const f of value.schema.fields) {
      if (keep && !keep.has(f.name)) continue;
      parts.push(`${JSON.stringify(f.name)}:${toJson(value.values[f.index], f.schema)}`);
    }
    return `{${parts.join(',')}}`;
  }
  const entries: [Value, Value][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
  if (entries.every(([k]) => typeof k === 'string')) {
    const parts: string[] = [];
    for (const [k, v] of entries) {
      if (keep && !keep.has(k as string)) continue;
      parts.push(`${JSON.stringify(k)}:${toJson(v, schema?.valueSchema)}`);
    }
    return `{${parts.join(',')}}`;
  }
  // Maps with non-string keys: an array of [key, value] pairs.
  return `[${entries.map(([k, v]) => `[${toJson(k, schema?.keySchema)},${toJson(v, schema?.valueSchema)}]`).join(',')}]`;
}

/** One JSON line (without the newline) for a record. */
export function recordLine(r: SinkRecord, keep?: Set<string>): string {
  return (
    `{"topic":${JSON.stringify(r.topic)},"partition":${r.kafkaPartition},"offset":${r.kafkaOffset},` +
    `"timestamp":${r.timestamp ?? 'null'},"key":${toJson(r.key, r.keySchema)},"value":${toJson(r.value, r.valueSchema, keep)}}`
  );
}

class JsonlSinkTask extends SinkTask {
  #file!: AppendFile;
  #keep: Set<string> | undefined;
  #flushBytes = 1 << 20;

  start(config: Config): void {
    const c = configDef().parse(config);
    const fields = c.getList(FIELDS);
    this.#keep = fields.length > 0 ? new Set(fields) : undefined;
    this.#flushBytes = c.getInt(FLUSH_BYTES)!;
    this.#file = AppendFile.open(c.require(FILE));
    log.info(`writing JSON lines to ${this.#file.path}`);
  }

  put(records: SinkRecord[]): void {
    for (const r of records) this.#file.write(`${recordLine(r, this.#keep)}\n`);
    // Bounded memory; records written early are simply rewritten after a crash
    // (at-least-once, like Kafka's FileStreamSink).
    if (this.#file.pendingBytes >= this.#flushBytes) this.#file.flush();
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

export const { connector, sinkTask } = exportSink(JsonlSinkConnector, JsonlSinkTask);
