// The logic of {{Name}}, kept free of WIT imports so `node --test` can check it.
import { type SinkRecord, Struct, type Value } from '../wasmconnect-sdk/src/data.js';

/** A value as one line of text: strings as they are, everything else as JSON. */
export function lineOf(record: SinkRecord): string {
  const v = record.value;
  if (typeof v === 'string') return v;
  return JSON.stringify(plain(v));
}

function plain(v: Value): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return [...v];
  if (v instanceof Struct) return Object.fromEntries(v.schema.fields.map((f) => [f.name, plain(v.values[f.index])]));
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
