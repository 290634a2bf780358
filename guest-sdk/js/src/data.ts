/**
 * Connect's data model: schemas, values, structs, records and the logical types.
 *
 * Values are plain JavaScript: `null`, `number` (int8, int16, int32, float32, float64),
 * `bigint` (int64), `boolean`, `string`, `Uint8Array` (bytes), arrays, `Map` (maps; a plain
 * object is accepted as a map with string keys) and {@link Struct}.
 */

/** A Connect schema type (`Schema.Type`), by Connect's lower-case name. */
export type SchemaType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'array'
  | 'map'
  | 'struct';

/** Wire codes of the schema types (RECORD-FORMAT.md), index = code. */
export const SCHEMA_TYPE_CODES: readonly SchemaType[] = [
  'int8', // placeholder for 0, never valid
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
  'bytes',
  'array',
  'map',
  'struct',
];

/** The wire code of a schema type. */
export function schemaTypeCode(t: SchemaType): number {
  return SCHEMA_TYPE_CODES.indexOf(t, 1);
}

/** A Connect value (see the module comment for the mapping). */
export type Value =
  | null
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | Value[]
  | Map<Value, Value>
  | Struct
  | TypedValue
  | { [key: string]: Value };

/** A field of a struct schema. */
export interface Field {
  /** Field name. */
  readonly name: string;
  /** Position in the struct, from 0. */
  readonly index: number;
  /** Schema of the field's value. */
  readonly schema: Schema;
}

/**
 * A Connect schema. The static constructors give a required schema of a type; the fluent
 * methods (`optional()`, `named()`, `param()`, `defaultValue()`, …) change it in place and
 * return it, as Connect's `SchemaBuilder` does.
 */
export class Schema {
  /** The type. */
  type: SchemaType;
  /** Whether `null` is allowed. */
  isOptional = false;
  /** Default value; `undefined` when there is none. */
  default: Value | undefined = undefined;
  /** Name, e.g. `org.apache.kafka.connect.data.Decimal` for a logical type. */
  name: string | undefined = undefined;
  /** Version. */
  version: number | undefined = undefined;
  /** Documentation. */
  doc: string | undefined = undefined;
  /** Parameters, e.g. `scale` for `Decimal`. */
  parameters: Record<string, string> = {};
  /** Fields, for a struct schema; empty otherwise. */
  fields: Field[] = [];
  /** Key schema, for a map schema. */
  keySchema: Schema | undefined = undefined;
  /** Element schema for an array, value schema for a map. */
  valueSchema: Schema | undefined = undefined;

  /** A required schema of `type` with nothing else set. */
  constructor(type: SchemaType) {
    this.type = type;
  }

  /** int8. */
  static int8(): Schema {
    return new Schema('int8');
  }
  /** int16. */
  static int16(): Schema {
    return new Schema('int16');
  }
  /** int32. */
  static int32(): Schema {
    return new Schema('int32');
  }
  /** int64 (values are `bigint`). */
  static int64(): Schema {
    return new Schema('int64');
  }
  /** float32. */
  static float32(): Schema {
    return new Schema('float32');
  }
  /** float64. */
  static float64(): Schema {
    return new Schema('float64');
  }
  /** boolean. */
  static boolean(): Schema {
    return new Schema('boolean');
  }
  /** string. */
  static string(): Schema {
    return new Schema('string');
  }
  /** bytes (values are `Uint8Array`). */
  static bytes(): Schema {
    return new Schema('bytes');
  }
  /** An array of `element`. */
  static array(element: Schema): Schema {
    const s = new Schema('array');
    s.valueSchema = element;
    return s;
  }
  /** A map from `key` to `value`. */
  static map(key: Schema, value: Schema): Schema {
    const s = new Schema('map');
    s.keySchema = key;
    s.valueSchema = value;
    return s;
  }
  /** A struct with these fields, in this order. */
  static struct(fields: Iterable<[string, Schema]> | Record<string, Schema>): Schema {
    const s = new Schema('struct');
    const entries = Symbol.iterator in Object(fields)
      ? [...(fields as Iterable<[string, Schema]>)]
      : Object.entries(fields as Record<string, Schema>);
    s.fields = entries.map(([name, schema], index) => ({ name, index, schema }));
    return s;
  }

  /** Allows `null`. */
  optional(): this {
    this.isOptional = true;
    return this;
  }
  /** Sets the name. */
  named(name: string): this {
    this.name = name;
    return this;
  }
  /** Sets the version. */
  withVersion(version: number): this {
    this.version = version;
    return this;
  }
  /** Sets the documentation. */
  withDoc(doc: string): this {
    this.doc = doc;
    return this;
  }
  /** Sets one parameter. */
  param(key: string, value: string): this {
    this.parameters[key] = value;
    return this;
  }
  /** Sets the default value. */
  defaultValue(value: Value): this {
    this.default = value;
    return this;
  }
  /** The field called `name`, if this is a struct schema that has it. */
  field(name: string): Field | undefined {
    return this.fields.find((f) => f.name === name);
  }
}

/** A struct value: its schema and one value per field, in field order. */
export class Struct {
  /** The struct schema. */
  readonly schema: Schema;
  /** Field values, `values[i]` for `schema.fields[i]`. */
  readonly values: Value[];

  /** A struct with every field null, or with the values given by name. */
  constructor(schema: Schema, values?: Record<string, Value>) {
    if (schema.type !== 'struct') throw new TypeError(`a Struct needs a struct schema, not ${schema.type}`);
    this.schema = schema;
    this.values = schema.fields.map(() => null);
    if (values) for (const [k, v] of Object.entries(values)) this.put(k, v);
  }

  /** The value of field `name`; throws if the schema has no such field. */
  get(name: string): Value {
    return this.values[this.index(name)];
  }

  /** Sets field `name`; throws if the schema has no such field. */
  put(name: string, value: Value): this {
    this.values[this.index(name)] = value;
    return this;
  }

  /** The fields as a plain object (nested structs stay `Struct`s). */
  toObject(): Record<string, Value> {
    const o: Record<string, Value> = {};
    for (const f of this.schema.fields) o[f.name] = this.values[f.index];
    return o;
  }

  private index(name: string): number {
    const f = this.schema.field(name);
    if (!f) throw new TypeError(`struct has no field "${name}"`);
    return f.index;
  }
}

/**
 * A value with an explicit type, for schemaless data whose natural JavaScript type would be
 * encoded differently (a `number` is int64 when integral and float64 otherwise).
 */
export class TypedValue {
  /** A value of `type`. */
  constructor(
    readonly type: SchemaType,
    readonly value: Value,
  ) {}
}

/** A primitive inside a source partition or source offset (int64 as `bigint`; an integral `number` is written as int64). */
export type OffsetValue = null | boolean | bigint | number | string | Uint8Array;

/** A source partition or source offset, e.g. `{ filename: "/tmp/in.txt" }`. */
export type OffsetMap = Record<string, OffsetValue>;

/** A record header. */
export interface Header {
  /** Header key. */
  key: string;
  /** Header schema, if any. */
  schema?: Schema | null;
  /** Header value. */
  value: Value;
}

/** A record produced by a source task (`SourceRecord`). */
export interface SourceRecord {
  /** Where in the source the record comes from, e.g. `{ filename: "/tmp/in.txt" }`. */
  sourcePartition: OffsetMap;
  /** Position in that source partition, e.g. `{ position: 120 }`. */
  sourceOffset: OffsetMap;
  /** Destination topic. */
  topic: string;
  /** Destination partition; absent lets the worker's partitioner choose. */
  kafkaPartition?: number | null;
  /** Key schema; absent for schemaless. */
  keySchema?: Schema | null;
  /** Key; absent or `null` for none. */
  key?: Value;
  /** Value schema; absent for schemaless. */
  valueSchema?: Schema | null;
  /** Value. */
  value: Value;
  /** Timestamp in milliseconds since the epoch. */
  timestamp?: number | null;
  /** Headers. */
  headers?: Header[];
}

/** How a sink record's timestamp was set (`TimestampType`). */
export enum TimestampType {
  /** No timestamp. */
  NoTimestampType = 0,
  /** Set by the producer. */
  CreateTime = 1,
  /** Set by the broker. */
  LogAppendTime = 2,
}

/** A record delivered to a sink task (`SinkRecord`). */
export interface SinkRecord {
  /** Topic it was read from. */
  topic: string;
  /** Partition it was read from. */
  kafkaPartition: number;
  /** Its offset in that partition. */
  kafkaOffset: number;
  /** Key schema; `null` for schemaless. */
  keySchema: Schema | null;
  /** Key; `null` for none. */
  key: Value;
  /** Value schema; `null` for schemaless. */
  valueSchema: Schema | null;
  /** Value. */
  value: Value;
  /** Timestamp in milliseconds since the epoch. */
  timestamp: number | null;
  /** What the timestamp means. */
  timestampType: TimestampType;
  /** Headers. */
  headers: Header[];
}

const MS_PER_DAY = 86_400_000;

/**
 * Connect's logical types: schemas by name and parameters, as RECORD-FORMAT.md says, and
 * conversions between their wire values and JavaScript.
 */
export const Logical = {
  /** Name of `Decimal` (bytes: unscaled two's-complement big-endian integer; parameter `scale`). */
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  /** Name of `Date` (int32: days since the epoch). */
  DATE: 'org.apache.kafka.connect.data.Date',
  /** Name of `Time` (int32: milliseconds since midnight). */
  TIME: 'org.apache.kafka.connect.data.Time',
  /** Name of `Timestamp` (int64: milliseconds since the epoch). */
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',

  /** A `Decimal` schema of this scale. */
  decimal(scale: number): Schema {
    return Schema.bytes().named(Logical.DECIMAL).withVersion(1).param('scale', String(scale));
  },
  /** A `Date` schema. */
  date(): Schema {
    return Schema.int32().named(Logical.DATE).withVersion(1);
  },
  /** A `Time` schema. */
  time(): Schema {
    return Schema.int32().named(Logical.TIME).withVersion(1);
  },
  /** A `Timestamp` schema. */
  timestamp(): Schema {
    return Schema.int64().named(Logical.TIMESTAMP).withVersion(1);
  },

  /** The unscaled integer of a `Decimal` value. */
  decimalUnscaled(bytes: Uint8Array): bigint {
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    if (bytes.length > 0 && bytes[0] & 0x80) n -= 1n << BigInt(bytes.length * 8);
    return n;
  },
  /** The bytes of a `Decimal` value with this unscaled integer (shortest two's complement). */
  decimalBytes(unscaled: bigint): Uint8Array {
    const out: number[] = [];
    let n = unscaled;
    for (;;) {
      const byte = Number(n & 0xffn);
      out.unshift(byte);
      n >>= 8n;
      if ((n === 0n && !(byte & 0x80)) || (n === -1n && byte & 0x80)) break;
    }
    return Uint8Array.from(out);
  },
  /** A `Decimal` value as exact decimal text, e.g. `"-12.50"` for unscaled -1250, scale 2. */
  decimalToString(bytes: Uint8Array, scale: number): string {
    const n = Logical.decimalUnscaled(bytes);
    const neg = n < 0n;
    let digits = (neg ? -n : n).toString();
    if (scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-scale);
    digits = digits.padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  },
  /** A `Decimal` value from decimal text, at this scale (extra digits are an error). */
  decimalFromString(text: string, scale: number): Uint8Array {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError(`not a decimal: ${text}`);
    const frac = m[3] ?? '';
    if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) {
      throw new RangeError(`${text} has more than ${scale} decimal places`);
    }
    let n = BigInt((m[2] || '0') + frac.slice(0, scale).padEnd(scale, '0'));
    if (m[1] === '-') n = -n;
    return Logical.decimalBytes(n);
  },
  /** A `Date` value as a UTC `Date`. */
  dateToJs(days: number): Date {
    return new Date(days * MS_PER_DAY);
  },
  /** A UTC `Date` (at midnight) as a `Date` value. */
  dateFromJs(d: Date): number {
    return Math.floor(d.getTime() / MS_PER_DAY);
  },
  /** A `Time` value as a `Date` on 1970-01-01 UTC. */
  timeToJs(ms: number): Date {
    return new Date(ms);
  },
  /** A `Timestamp` value as a `Date`. */
  timestampToJs(ms: bigint | number): Date {
    return new Date(Number(ms));
  },
  /** A `Date` as a `Timestamp` value. */
  timestampFromJs(d: Date): bigint {
    return BigInt(d.getTime());
  },
  /**
   * A logical value as JavaScript: `Date` for Date/Time/Timestamp, decimal text for Decimal;
   * other values unchanged.
   */
  toJs(schema: Schema | null | undefined, value: Value): Value | Date {
    if (value === null || !schema?.name) return value;
    switch (schema.name) {
      case Logical.DECIMAL:
        return Logical.decimalToString(value as Uint8Array, Number(schema.parameters.scale ?? 0));
      case Logical.DATE:
        return Logical.dateToJs(value as number);
      case Logical.TIME:
        return Logical.timeToJs(value as number);
      case Logical.TIMESTAMP:
        return Logical.timestampToJs(value as bigint);
      default:
        return value;
    }
  },
};
