/**
 * The `WCB1` record-batch codec (wit/RECORD-FORMAT.md): what crosses the boundary as one
 * `list<u8>` per `poll` or `put`. Connector code never calls it; the SDK does.
 *
 * The encoder reuses one growing buffer, so a steady poll loop allocates nothing per batch
 * but the returned view; the view is valid until the next encode.
 */

import {
  type Header,
  type OffsetMap,
  type OffsetValue,
  SCHEMA_TYPE_CODES,
  Schema,
  type SchemaType,
  type SinkRecord,
  type SourceRecord,
  Struct,
  TimestampType,
  TypedValue,
  type Value,
  schemaTypeCode,
} from './data.js';

/** Whether `v` is a `Uint8Array`, from this realm or another. */
export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]');
}

const MAGIC = [0x57, 0x43, 0x42, 0x31]; // "WCB1"
/** The deepest nesting a reader accepts, as the Rust codec. */
export const MAX_DEPTH = 64;

const FLAG_OPTIONAL = 1 << 0;
const FLAG_NAME = 1 << 1;
const FLAG_VERSION = 1 << 2;
const FLAG_DOC = 1 << 3;
const FLAG_PARAMS = 1 << 4;
const FLAG_DEFAULT = 1 << 5;
const FLAGS_KNOWN = 0b0011_1111;

const TAG: Record<SchemaType, number> = {
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float32: 5,
  float64: 6,
  boolean: 7,
  string: 8,
  bytes: 9,
  array: 10,
  map: 11,
  struct: 12,
};

/** Why a batch was rejected, and at which byte offset. */
export class DecodeError extends Error {
  /** Byte offset in the batch. */
  readonly offset: number;
  constructor(offset: number, why: string) {
    super(`invalid record batch at byte ${offset}: ${why}`);
    this.offset = offset;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const utf8 = new TextEncoder();

/** A growable little-endian byte writer. */
class Writer {
  buf = new Uint8Array(64 * 1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: bigint | number): void {
    this.reserve(8);
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      // Two 32-bit halves: no BigInt allocated per value.
      this.view.setUint32(this.pos, v >>> 0, true);
      this.view.setInt32(this.pos + 4, Math.floor(v / 4294967296), true);
    } else {
      this.view.setBigInt64(this.pos, typeof v === 'bigint' ? v : BigInt(v), true);
    }
    this.pos += 8;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  str(s: string): void {
    const n = s.length;
    this.reserve(4 + n * 3);
    // ASCII, the common case (topics, offset keys), is copied without allocating a view.
    const buf = this.buf;
    let at = this.pos + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at++] = c;
    }
    if (i < n) {
      // Worst case 3 bytes per UTF-16 unit, reserved above.
      at += utf8.encodeInto(s.slice(i), buf.subarray(at)).written;
    }
    this.view.setUint32(this.pos, at - this.pos - 4, true);
    this.pos = at;
  }
}

const writer = new Writer();

/** Encodes source records; the result is a view of a reused buffer, valid until the next call. */
export function encodeSource(records: readonly SourceRecord[]): Uint8Array {
  const w = writer;
  w.pos = 0;
  const table = schemaTable(records);
  begin(w, table, records.length);
  let slot = 0;
  for (const r of records) {
    w.str(r.topic);
    if (r.kafkaPartition === undefined || r.kafkaPartition === null) w.u8(0);
    else {
      w.u8(1);
      w.i32(r.kafkaPartition);
    }
    putOffsetMap(w, r.sourcePartition);
    putOffsetMap(w, r.sourceOffset);
    w.u32(table.refs[slot++]);
    putValue(w, r.key ?? null, r.keySchema ?? undefined, 0);
    w.u32(table.refs[slot++]);
    putValue(w, r.value ?? null, r.valueSchema ?? undefined, 0);
    putOptI64(w, r.timestamp);
    slot = putHeaders(w, r.headers, table.refs, slot);
  }
  return w.buf.subarray(0, w.pos);
}

/** Encodes sink records (for tests and tools); a view of a reused buffer, as `encodeSource`. */
export function encodeSink(records: readonly SinkRecord[]): Uint8Array {
  const w = writer;
  w.pos = 0;
  const table = schemaTable(records);
  begin(w, table, records.length);
  let slot = 0;
  for (const r of records) {
    w.str(r.topic);
    w.i32(r.kafkaPartition);
    w.i64(r.kafkaOffset);
    w.u32(table.refs[slot++]);
    putValue(w, r.key, r.keySchema ?? undefined, 0);
    w.u32(table.refs[slot++]);
    putValue(w, r.value, r.valueSchema ?? undefined, 0);
    putOptI64(w, r.timestamp);
    w.u8(r.timestampType);
    slot = putHeaders(w, r.headers, table.refs, slot);
  }
  return w.buf.subarray(0, w.pos);
}

interface Table {
  entries: Schema[];
  refs: number[];
}

/** The distinct schemas of a batch (by identity, then by structure) and each slot's ref. */
function schemaTable(
  records: readonly { keySchema?: Schema | null; valueSchema?: Schema | null; headers?: Header[] }[],
): Table {
  const entries: Schema[] = [];
  const refs: number[] = [];
  const byIdentity = new Map<Schema, number>();
  const add = (s: Schema | null | undefined): void => {
    if (!s) {
      refs.push(0);
      return;
    }
    let i = byIdentity.get(s);
    if (i === undefined) {
      i = entries.findIndex((e) => schemaEquals(e, s));
      if (i < 0) {
        entries.push(s);
        i = entries.length - 1;
      }
      byIdentity.set(s, i);
    }
    refs.push(i + 1);
  };
  for (const r of records) {
    add(r.keySchema);
    add(r.valueSchema);
    if (r.headers) for (const h of r.headers) add(h.schema);
  }
  return { entries, refs };
}

function begin(w: Writer, table: Table, count: number): void {
  w.reserve(4);
  w.buf.set(MAGIC, w.pos);
  w.pos += 4;
  w.u32(table.entries.length);
  for (const s of table.entries) putSchema(w, s, 0);
  w.u32(count);
}

function putOptI64(w: Writer, v: number | bigint | null | undefined): void {
  if (v === undefined || v === null) w.u8(0);
  else {
    w.u8(1);
    w.i64(v);
  }
}

function putHeaders(w: Writer, headers: Header[] | undefined, refs: number[], slot: number): number {
  if (!headers) {
    w.u32(0);
    return slot;
  }
  w.u32(headers.length);
  for (const h of headers) {
    w.str(h.key);
    w.u32(refs[slot++]);
    putValue(w, h.value, h.schema ?? undefined, 0);
  }
  return slot;
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(compareUtf8);
}

/** Orders strings by UTF-8 bytes (= code points), as Rust's `BTreeMap<String, _>`. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Reused key list for offset maps (not re-entrant: offset maps hold only primitives). */
const offsetKeys: string[] = [];

function putOffsetMap(w: Writer, map: OffsetMap | undefined): void {
  if (!map) {
    w.u32(0);
    return;
  }
  const keys = offsetKeys;
  keys.length = 0;
  for (const k in map) if (Object.prototype.hasOwnProperty.call(map, k)) keys.push(k);
  if (keys.length > 1) keys.sort(compareUtf8);
  w.u32(keys.length);
  for (const k of keys) {
    w.str(k);
    putOffsetValue(w, k, map[k]);
  }
}

function putOffsetValue(w: Writer, key: string, v: OffsetValue | undefined): void {
  if (v === null || v === undefined) w.u8(0);
  else if (typeof v === 'boolean') {
    w.u8(7);
    w.u8(v ? 1 : 0);
  } else if (typeof v === 'bigint') {
    w.u8(4);
    w.i64(v);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      w.u8(4);
      w.i64(v);
    } else {
      w.u8(6);
      w.f64(v);
    }
  } else if (typeof v === 'string') {
    w.u8(8);
    w.str(v);
  } else if (isBytes(v)) {
    w.u8(9);
    w.bytes(v);
  } else {
    throw new TypeError(`offset "${key}": ${typeof v} is not null, boolean, number, bigint, string or Uint8Array`);
  }
}

function putSchema(w: Writer, s: Schema, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError(`schema nested deeper than ${MAX_DEPTH} levels`);
  const code = schemaTypeCode(s.type);
  if (code < 1) throw new TypeError(`unknown schema type ${String(s.type)}`);
  if (s.type === 'array' && !s.valueSchema) throw new TypeError('array schema without an element schema');
  if (s.type === 'map' && (!s.keySchema || !s.valueSchema)) throw new TypeError('map schema without key and value schemas');
  const params = s.parameters ? sortedKeys(s.parameters) : [];
  let flags = 0;
  if (s.isOptional) flags |= FLAG_OPTIONAL;
  if (s.name !== undefined) flags |= FLAG_NAME;
  if (s.version !== undefined) flags |= FLAG_VERSION;
  if (s.doc !== undefined) flags |= FLAG_DOC;
  if (params.length > 0) flags |= FLAG_PARAMS;
  if (s.default !== undefined) flags |= FLAG_DEFAULT;
  w.u8(code);
  w.u8(flags);
  if (s.name !== undefined) w.str(s.name);
  if (s.version !== undefined) w.i32(s.version);
  if (s.doc !== undefined) w.str(s.doc);
  if (params.length > 0) {
    w.u32(params.length);
    for (const k of params) {
      w.str(k);
      w.str(s.parameters[k]);
    }
  }
  switch (s.type) {
    case 'array':
      putSchema(w, s.valueSchema!, depth + 1);
      break;
    case 'map':
      putSchema(w, s.keySchema!, depth + 1);
      putSchema(w, s.valueSchema!, depth + 1);
      break;
    case 'struct':
      w.u32(s.fields.length);
      for (const f of s.fields) {
        w.str(f.name);
        putSchema(w, f.schema, depth + 1);
      }
      break;
    default:
  }
  if (s.default !== undefined) putValue(w, s.default, s, depth);
}

/** The type a schemaless value is written as. */
function inferType(v: Value): SchemaType {
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int64';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    default:
  }
  if (isBytes(v)) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Struct) return 'struct';
  if (v instanceof Map) return 'map';
  if (typeof v === 'object' && v !== null) return 'map';
  throw new TypeError(`cannot encode a ${typeof v} as a Connect value`);
}

function putValue(w: Writer, v: Value | undefined, schema: Schema | undefined, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError(`value nested deeper than ${MAX_DEPTH} levels`);
  if (v === null || v === undefined) {
    w.u8(0);
    return;
  }
  if (v instanceof TypedValue) {
    putTyped(w, v.type, v.value, schema, depth);
    return;
  }
  putTyped(w, schema ? schema.type : inferType(v), v, schema, depth);
}

function putTyped(w: Writer, type: SchemaType, v: Value, schema: Schema | undefined, depth: number): void {
  if (v === null || v === undefined) {
    w.u8(0);
    return;
  }
  w.u8(TAG[type]);
  switch (type) {
    case 'int8':
      w.reserve(1);
      w.view.setInt8(w.pos++, Number(v));
      return;
    case 'int16':
      w.reserve(2);
      w.view.setInt16(w.pos, Number(v), true);
      w.pos += 2;
      return;
    case 'int32':
      w.i32(Number(v));
      return;
    case 'int64':
      w.i64(typeof v === 'bigint' ? v : BigInt(v as number));
      return;
    case 'float32':
      w.reserve(4);
      w.view.setFloat32(w.pos, Number(v), true);
      w.pos += 4;
      return;
    case 'float64':
      w.f64(Number(v));
      return;
    case 'boolean':
      w.u8(v ? 1 : 0);
      return;
    case 'string':
      w.str(String(v));
      return;
    case 'bytes':
      if (!isBytes(v)) throw new TypeError(`bytes value must be a Uint8Array, not ${typeof v}`);
      w.bytes(v);
      return;
    case 'array': {
      if (!Array.isArray(v)) throw new TypeError('array value must be an Array');
      w.u32(v.length);
      for (const item of v) putValue(w, item, schema?.valueSchema, depth + 1);
      return;
    }
    case 'map': {
      const entries: [Value, Value][] =
        v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, Value>);
      w.u32(entries.length);
      for (const [k, item] of entries) {
        putValue(w, k, schema?.keySchema, depth + 1);
        putValue(w, item, schema?.valueSchema, depth + 1);
      }
      return;
    }
    case 'struct': {
      if (v instanceof Struct) {
        w.u32(v.values.length);
        for (const f of v.schema.fields) putValue(w, v.values[f.index], f.schema, depth + 1);
        return;
      }
      if (!schema) throw new TypeError('a struct value needs a struct schema (use Struct)');
      const o = v as Record<string, Value>;
      w.u32(schema.fields.length);
      for (const f of schema.fields) putValue(w, o[f.name] ?? null, f.schema, depth + 1);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    // A view of our own: the host's list<u8> may come from another realm, and `slice` of it
    // would too, making `instanceof Uint8Array` false for every bytes value.
    this.buf = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError(this.pos, `ends early: ${this.pos + n - this.buf.length} more bytes needed`);
    }
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  flag(): boolean {
    const at = this.pos;
    const b = this.u8();
    if (b > 1) throw new DecodeError(at, `expected 0 or 1, found ${b}`);
    return b === 1;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str(): string {
    const n = this.u32();
    this.need(n);
    const at = this.pos;
    this.pos += n;
    try {
      return utf8Strict.decode(this.buf.subarray(at, at + n));
    } catch {
      throw new DecodeError(at, 'string is not valid UTF-8');
    }
  }
  count(): number {
    // A count can never exceed the bytes left (every item takes at least one byte).
    const at = this.pos;
    const n = this.u32();
    if (n > this.buf.length - this.pos) throw new DecodeError(at, `ends early: count ${n} exceeds the bytes left`);
    return n;
  }

  begin(): [Schema[], number] {
    this.need(4);
    for (let i = 0; i < 4; i++) if (this.buf[i] !== MAGIC[i]) throw new DecodeError(0, 'does not start with "WCB1"');
    this.pos = 4;
    const n = this.count();
    const table: Schema[] = [];
    for (let i = 0; i < n; i++) table.push(this.schema(0));
    return [table, this.count()];
  }
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError(this.pos, `${this.buf.length - this.pos} bytes left over after the last record`);
    }
  }
  schemaRef(table: Schema[]): Schema | null {
    const at = this.pos;
    const r = this.u32();
    if (r === 0) return null;
    if (r > table.length) throw new DecodeError(at, `schema-ref ${r} past the schema table of ${table.length} entries`);
    return table[r - 1];
  }
  schema(depth: number): Schema {
    if (depth > MAX_DEPTH) throw new DecodeError(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
    const at = this.pos;
    const code = this.u8();
    if (code < 1 || code > 12) throw new DecodeError(at, `unknown schema type ${code}`);
    const flags = this.u8();
    if (flags & ~FLAGS_KNOWN) throw new DecodeError(at + 1, `unknown schema flags 0b${flags.toString(2).padStart(8, '0')}`);
    const s = new Schema(SCHEMA_TYPE_CODES[code]);
    s.isOptional = (flags & FLAG_OPTIONAL) !== 0;
    if (flags & FLAG_NAME) s.name = this.str();
    if (flags & FLAG_VERSION) s.version = this.i32();
    if (flags & FLAG_DOC) s.doc = this.str();
    if (flags & FLAG_PARAMS) {
      const n = this.count();
      for (let i = 0; i < n; i++) {
        const k = this.str();
        s.parameters[k] = this.str();
      }
    }
    switch (s.type) {
      case 'array':
        s.valueSchema = this.schema(depth + 1);
        break;
      case 'map':
        s.keySchema = this.schema(depth + 1);
        s.valueSchema = this.schema(depth + 1);
        break;
      case 'struct': {
        const n = this.count();
        for (let i = 0; i < n; i++) {
          const name = this.str();
          s.fields.push({ name, index: i, schema: this.schema(depth + 1) });
        }
        break;
      }
      default:
    }
    if (flags & FLAG_DEFAULT) s.default = this.value(s, depth);
    return s;
  }
  value(schema: Schema | null | undefined, depth: number): Value {
    if (depth > MAX_DEPTH) throw new DecodeError(this.pos, `nested deeper than ${MAX_DEPTH} levels`);
    const at = this.pos;
    const tag = this.u8();
    if (tag === 0) {
      if (schema && !schema.isOptional && schema.default === undefined) {
        throw new DecodeError(at, `null value under a non-optional ${schema.type} schema without a default`);
      }
      return null;
    }
    if (tag > 12) throw new DecodeError(at, `unknown value tag ${tag}`);
    const type = SCHEMA_TYPE_CODES[tag];
    if (schema && schema.type !== type) throw new DecodeError(at, `${type} value under a ${schema.type} schema`);
    switch (type) {
      case 'int8':
        this.need(1);
        return this.view.getInt8(this.pos++);
      case 'int16': {
        this.need(2);
        const v = this.view.getInt16(this.pos, true);
        this.pos += 2;
        return v;
      }
      case 'int32':
        return this.i32();
      case 'int64':
        return this.i64();
      case 'float32': {
        this.need(4);
        const v = this.view.getFloat32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case 'float64': {
        this.need(8);
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case 'boolean':
        return this.flag();
      case 'string':
        return this.str();
      case 'bytes':
        return this.bytes();
      case 'array': {
        const n = this.count();
        const items: Value[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = this.value(schema?.valueSchema, depth + 1);
        return items;
      }
      case 'map': {
        const n = this.count();
        const m = new Map<Value, Value>();
        for (let i = 0; i < n; i++) {
          const k = this.value(schema?.keySchema, depth + 1);
          m.set(k, this.value(schema?.valueSchema, depth + 1));
        }
        return m;
      }
      case 'struct': {
        if (!schema) throw new DecodeError(at, 'struct value without a schema');
        const n = this.count();
        if (n !== schema.fields.length) {
          throw new DecodeError(at, `struct value has ${n} fields, its schema has ${schema.fields.length}`);
        }
        const st = new Struct(schema);
        for (let i = 0; i < n; i++) st.values[i] = this.value(schema.fields[i].schema, depth + 1);
        return st;
      }
    }
  }
  offsetMap(): OffsetMap {
    const n = this.count();
    const m: OffsetMap = {};
    for (let i = 0; i < n; i++) {
      const k = this.str();
      const at = this.pos;
      const tag = this.u8();
      switch (tag) {
        case 0:
          m[k] = null;
          break;
        case 7:
          m[k] = this.flag();
          break;
        case 4:
          m[k] = this.i64();
          break;
        case 6:
          m[k] = this.view.getFloat64((this.need(8), this.pos), true);
          this.pos += 8;
          break;
        case 8:
          m[k] = this.str();
          break;
        case 9:
          m[k] = this.bytes();
          break;
        default:
          throw new DecodeError(
            at,
            `value tag ${tag} not allowed in a source partition or offset (null, boolean, int64, float64, string or bytes)`,
          );
      }
    }
    return m;
  }
  optI64(): number | null {
    return this.flag() ? Number(this.i64()) : null;
  }
  headers(table: Schema[]): Header[] {
    const n = this.count();
    const hs: Header[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.str();
      const schema = this.schemaRef(table);
      hs.push({ key, schema, value: this.value(schema, 0) });
    }
    return hs;
  }
}

/** Decodes a batch of source records (for tests and tools). */
export function decodeSource(bytes: Uint8Array): SourceRecord[] {
  const r = new Reader(bytes);
  const [table, count] = r.begin();
  const records: SourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const topic = r.str();
    const kafkaPartition = r.flag() ? r.i32() : null;
    const sourcePartition = r.offsetMap();
    const sourceOffset = r.offsetMap();
    const keySchema = r.schemaRef(table);
    const key = r.value(keySchema, 0);
    const valueSchema = r.schemaRef(table);
    const value = r.value(valueSchema, 0);
    const timestamp = r.optI64();
    const headers = r.headers(table);
    records.push({ topic, kafkaPartition, sourcePartition, sourceOffset, keySchema, key, valueSchema, value, timestamp, headers });
  }
  r.end();
  return records;
}

/** Decodes a batch of sink records, as `put` receives it. */
export function decodeSink(bytes: Uint8Array): SinkRecord[] {
  const r = new Reader(bytes);
  const [table, count] = r.begin();
  const records: SinkRecord[] = [];
  for (let i = 0; i < count; i++) {
    const topic = r.str();
    const kafkaPartition = r.i32();
    const kafkaOffset = Number(r.i64());
    const keySchema = r.schemaRef(table);
    const key = r.value(keySchema, 0);
    const valueSchema = r.schemaRef(table);
    const value = r.value(valueSchema, 0);
    const timestamp = r.optI64();
    const at = r.pos;
    const tt = r.u8();
    if (tt > 2) throw new DecodeError(at, `unknown timestamp type ${tt}`);
    const headers = r.headers(table);
    records.push({
      topic,
      kafkaPartition,
      kafkaOffset,
      keySchema,
      key,
      valueSchema,
      value,
      timestamp,
      timestampType: tt as TimestampType,
      headers,
    });
  }
  r.end();
  return records;
}

/** Whether two schemas are structurally equal (the schema table shares equal schemas). */
export function schemaEquals(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (
    a.type !== b.type ||
    a.isOptional !== b.isOptional ||
    a.name !== b.name ||
    a.version !== b.version ||
    a.doc !== b.doc ||
    a.fields.length !== b.fields.length
  ) {
    return false;
  }
  const pa = Object.keys(a.parameters ?? {});
  const pb = b.parameters ?? {};
  if (pa.length !== Object.keys(pb).length || pa.some((k) => a.parameters[k] !== pb[k])) return false;
  if (!!a.keySchema !== !!b.keySchema || (a.keySchema && !schemaEquals(a.keySchema, b.keySchema!))) return false;
  if (!!a.valueSchema !== !!b.valueSchema || (a.valueSchema && !schemaEquals(a.valueSchema, b.valueSchema!))) return false;
  for (let i = 0; i < a.fields.length; i++) {
    if (a.fields[i].name !== b.fields[i].name || !schemaEquals(a.fields[i].schema, b.fields[i].schema)) return false;
  }
  if ((a.default === undefined) !== (b.default === undefined)) return false;
  return a.default === undefined || valueEquals(a.default, b.default!);
}

/** Deep equality of values (bytes by content, structs by values). */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object') return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => valueEquals(x, b[i]));
  if (a instanceof Struct) return b instanceof Struct && schemaEquals(a.schema, b.schema) && valueEquals(a.values, b.values);
  if (a instanceof TypedValue) return b instanceof TypedValue && a.type === b.type && valueEquals(a.value, b.value);
  const ea = a instanceof Map ? [...a.entries()] : Object.entries(a);
  const eb = b instanceof Map ? [...(b as Map<Value, Value>).entries()] : Object.entries(b as object);
  return ea.length === eb.length && ea.every(([k, v], i) => valueEquals(k, eb[i][0]) && valueEquals(v, eb[i][1] as Value));
}
