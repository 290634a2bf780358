/**
 * Source connectors: import from here in a plugin built for the `source-connector` world.
 *
 * ```ts
 * export const { connector, sourceTask } = exportSource(MyConnector, MyTask);
 * ```
 */

import { offsets as hostOffsets, type WitOffsetMap, type WitOffsetValue } from 'wasmconnect:connector/offset-reader@0.1.0';

import { encodeSource } from './batch.js';
import { Config } from './config.js';
import type { OffsetMap, OffsetValue, SourceRecord } from './data.js';
import { Connector, connectorExport, guard } from './plugin.js';

export * from './common.js';

/** A source connector (`SourceConnector`). */
export abstract class SourceConnector extends Connector {}

/** Where a source record was written (`RecordMetadata`). */
export interface RecordMetadata {
  /** Topic. */
  topic: string;
  /** Partition. */
  partition: number;
  /** Offset in the partition. */
  offset: number;
  /** Timestamp in milliseconds since the epoch, if any. */
  timestamp: number | null;
}

/**
 * A source task (`SourceTask`). The SDK creates it with `new` (no arguments), then calls
 * `start`, then `poll` again and again. `poll` returns the next records, or an empty array
 * when there are none yet; it must not block (the call has a deadline).
 */
export abstract class SourceTask {
  /** Starts the task with one of the configurations from `taskConfigs`. */
  abstract start(config: Config): void;
  /** The next records; `[]` when there are none yet. */
  abstract poll(): SourceRecord[];
  /** Offsets of all records returned so far were committed (`SourceTask.commit`). */
  commit(): void {}
  /**
   * A record was written to Kafka (`metadata`) or dropped by a transform (`null`). Called
   * only if the subclass overrides it.
   */
  commitRecord(_record: SourceRecord, _metadata: RecordMetadata | null): void {}
  /** Stops the task; no other call follows. */
  stop(): void {}
}

function offsetValueToWit(v: OffsetValue): WitOffsetValue {
  if (v === null || v === undefined) return { tag: 'null' };
  if (typeof v === 'boolean') return { tag: 'boolean', val: v };
  if (typeof v === 'bigint') return { tag: 'int64', val: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { tag: 'int64', val: BigInt(v) } : { tag: 'float64', val: v };
  if (typeof v === 'string') return { tag: 'string', val: v };
  return { tag: 'bytes', val: v };
}

function offsetValueFromWit(v: WitOffsetValue): OffsetValue {
  return v.tag === 'null' ? null : v.val;
}

/** Reads this connector's committed source offsets (`OffsetStorageReader`). Source tasks only. */
export const OffsetReader = {
  /** The last committed offset of each partition, in the same order; `null` where none. */
  offsets(partitions: OffsetMap[]): (OffsetMap | null)[] {
    const wit: WitOffsetMap[] = partitions.map((p) => Object.entries(p).map(([k, v]) => [k, offsetValueToWit(v)]));
    return hostOffsets(wit).map((o) =>
      o ? Object.fromEntries(o.map(([k, v]) => [k, offsetValueFromWit(v)])) : null,
    );
  },
  /** The last committed offset of one partition, or `null`. Int64 values are `bigint`. */
  offset(partition: OffsetMap): OffsetMap | null {
    return OffsetReader.offsets([partition])[0];
  },
};

interface Pending {
  records: (SourceRecord | undefined)[];
  remaining: number;
}

interface WitRecordAck {
  pollSeq: bigint;
  index: number;
  metadata?: { topic: string; partition: number; offset: bigint; timestamp?: bigint };
}

/** The `connector` and `sourceTask` exports of a source plugin; export both from your entry module. */
export function exportSource(ConnectorClass: new () => SourceConnector, TaskClass: new () => SourceTask) {
  class Task {
    #task: SourceTask | undefined;
    #pollSeq = 0n;
    #pending = new Map<bigint, Pending>();
    #commitRecord = false;

    start(config: [string, string][]) {
      return guard(() => {
        const task = new TaskClass();
        task.start(new Config(config));
        this.#task = task;
        this.#pollSeq = 0n;
        this.#pending.clear();
        this.#commitRecord = task.commitRecord !== SourceTask.prototype.commitRecord;
        return { commitRecord: this.#commitRecord };
      });
    }
    poll(): Uint8Array {
      return guard(() => {
        const records = this.#started().poll();
        const batch = encodeSource(records);
        const seq = this.#pollSeq++;
        if (this.#commitRecord && records.length > 0) {
          this.#pending.set(seq, { records: [...records], remaining: records.length });
        }
        return batch;
      });
    }
    commit() {
      guard(() => this.#started().commit());
    }
    commitRecords(acks: WitRecordAck[]) {
      guard(() => {
        if (!this.#commitRecord) return;
        const task = this.#started();
        for (const ack of acks) {
          const p = this.#pending.get(ack.pollSeq);
          const record = p?.records[ack.index];
          if (!p || !record) {
            throw new Error(`acknowledgement of an unknown or already acknowledged record: index ${ack.index} of poll ${ack.pollSeq}`);
          }
          p.records[ack.index] = undefined;
          if (--p.remaining === 0) this.#pending.delete(ack.pollSeq);
          const m = ack.metadata;
          task.commitRecord(
            record,
            m
              ? { topic: m.topic, partition: m.partition, offset: Number(m.offset), timestamp: m.timestamp === undefined ? null : Number(m.timestamp) }
              : null,
          );
        }
      });
    }
    stop() {
      guard(() => {
        const task = this.#task;
        this.#task = undefined;
        this.#pending.clear();
        task?.stop();
      });
    }
    #started(): SourceTask {
      if (!this.#task) throw new Error('task not started (or already stopped)');
      return this.#task;
    }
  }
  return { connector: connectorExport(ConnectorClass), sourceTask: { Task } };
}
