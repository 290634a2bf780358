/**
 * Sink connectors: import from here in a plugin built for the `sink-connector` world.
 *
 * ```ts
 * export const { connector, sinkTask } = exportSink(MyConnector, MyTask);
 * ```
 */

import * as ctx from 'wasmconnect:connector/sink-context@0.1.0';

import { decodeSink } from './batch.js';
import { Config } from './config.js';
import type { SinkRecord } from './data.js';
import { Connector, connectorExport, guard } from './plugin.js';

export * from './common.js';

/** A sink connector (`SinkConnector`). */
export abstract class SinkConnector extends Connector {}

/** A Kafka topic partition. */
export interface TopicPartition {
  /** Topic. */
  topic: string;
  /** Partition. */
  partition: number;
}

/** A consumer position: the offset of the next record to read. */
export interface PartitionOffset extends TopicPartition {
  /** Offset (a `number`: exact up to 2^53). */
  offset: number;
}

/**
 * A sink task (`SinkTask`). The SDK creates it with `new` (no arguments), then calls `start`,
 * `open`, `put` with each batch, `preCommit` before offsets are committed, `close` and `stop`.
 */
export abstract class SinkTask {
  /** Starts the task with one of the configurations from `taskConfigs`. */
  abstract start(config: Config): void;
  /** Delivers records. Throw a `RetriableError` to get the same batch again. */
  abstract put(records: SinkRecord[]): void;
  /** These partitions are now assigned to the task. */
  open(_partitions: TopicPartition[]): void {}
  /** Flush everything `put` so far (called by the default `preCommit`). */
  flush(_current: PartitionOffset[]): void {}
  /** Flush and tell which offsets are safe to commit; the default calls `flush` and returns `current`. */
  preCommit(current: PartitionOffset[]): PartitionOffset[] {
    this.flush(current);
    return current;
  }
  /** These partitions are no longer assigned to the task. */
  close(_partitions: TopicPartition[]): void {}
  /** Stops the task; no other call follows. */
  stop(): void {}
}

const tpToWit = (p: TopicPartition): ctx.WitTopicPartition => ({ topic: p.topic, partition: p.partition });
const poToWit = (p: PartitionOffset): ctx.WitPartitionOffset => ({ topic: p.topic, partition: p.partition, offset: BigInt(p.offset) });
const poFromWit = (p: ctx.WitPartitionOffset): PartitionOffset => ({ topic: p.topic, partition: p.partition, offset: Number(p.offset) });

/** What a sink task may ask of the worker (`SinkTaskContext`). Sink tasks only. */
export const SinkContext = {
  /** Stop fetching from these partitions until `resume`. */
  pause(partitions: TopicPartition[]): void {
    ctx.pause(partitions.map(tpToWit));
  },
  /** Fetch again from these paused partitions. */
  resume(partitions: TopicPartition[]): void {
    ctx.resume(partitions.map(tpToWit));
  },
  /** Rewind: the next records for these partitions start at these offsets. */
  resetOffsets(offsets: PartitionOffset[]): void {
    ctx.resetOffsets(offsets.map(poToWit));
  },
  /** Ask for `preCommit` and an offset commit as soon as possible. */
  requestCommit(): void {
    ctx.requestCommit();
  },
  /** Report a record the task could not process (`ErrantRecordReporter`). */
  report(record: Pick<SinkRecord, 'topic' | 'kafkaPartition' | 'kafkaOffset'>, error: string): void {
    ctx.report({ topic: record.topic, partition: record.kafkaPartition, offset: BigInt(record.kafkaOffset) }, error);
  },
};

/** The `connector` and `sinkTask` exports of a sink plugin; export both from your entry module. */
export function exportSink(ConnectorClass: new () => SinkConnector, TaskClass: new () => SinkTask) {
  class Task {
    #task: SinkTask | undefined;

    start(config: [string, string][]) {
      guard(() => {
        const task = new TaskClass();
        task.start(new Config(config));
        this.#task = task;
      });
    }
    open(partitions: ctx.WitTopicPartition[]) {
      guard(() => this.#started().open(partitions.map(tpToWit)));
    }
    put(batch: Uint8Array) {
      guard(() => {
        let records: SinkRecord[];
        try {
          records = decodeSink(batch);
        } catch (e) {
          throw new Error(`cannot decode the records given to put: ${e instanceof Error ? e.message : String(e)}`);
        }
        this.#started().put(records);
      });
    }
    preCommit(current: ctx.WitPartitionOffset[]) {
      return guard(() => this.#started().preCommit(current.map(poFromWit)).map(poToWit));
    }
    close(partitions: ctx.WitTopicPartition[]) {
      guard(() => this.#started().close(partitions.map(tpToWit)));
    }
    stop() {
      guard(() => {
        const task = this.#task;
        this.#task = undefined;
        task?.stop();
      });
    }
    #started(): SinkTask {
      if (!this.#task) throw new Error('task not started (or already stopped)');
      return this.#task;
    }
  }
  return { connector: connectorExport(ConnectorClass), sinkTask: { Task } };
}
