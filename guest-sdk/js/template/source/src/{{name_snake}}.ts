// The logic of {{Name}}, kept free of WIT imports so `node --test` can check it.
import { Schema, Struct, type SourceRecord } from '../wasmconnect-sdk/src/data.js';

/** The value schema: a counter tick. */
export const TICK_SCHEMA = Schema.struct([
  ['n', Schema.int64()],
  ['message', Schema.string()],
]).named('{{name_snake}}.Tick');

/** The source partition of task `task`. */
export function partitionOf(task: string): Record<string, string> {
  return { '{{name}}': task };
}

/** The record for tick `n`: its offset is `{ n }`, so a restart resumes after the last one committed. */
export function tick(topic: string, task: string, n: number, message: string): SourceRecord {
  return {
    sourcePartition: partitionOf(task),
    sourceOffset: { n },
    topic,
    keySchema: Schema.string(),
    key: `${task}`,
    valueSchema: TICK_SCHEMA,
    value: new Struct(TICK_SCHEMA, { n: BigInt(n), message: `${message} ${n}` }),
  };
}
