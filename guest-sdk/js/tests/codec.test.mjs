// The WCB1 codec against golden batches written by the Rust codec (data/ crate; the
// wasmconnect-tests module `js` regenerates and checks them). Run: node --test tests/
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// The pure modules: common.js would pull in the WIT imports, which exist only in a component.
import { DecodeError, decodeSink, decodeSource, encodeSink, encodeSource } from '../dist/batch.js';
import { Logical, Schema, Struct } from '../dist/data.js';

const golden = (name) => new Uint8Array(readFileSync(new URL(`golden/${name}`, import.meta.url)));
const copy = (b) => Uint8Array.from(b);

function orderSchema() {
  const y = Schema.int16().optional().defaultValue(7);
  const point = Schema.struct([
    ['x', Schema.int8()],
    ['y', y],
  ]);
  return Schema.struct([
    ['id', Schema.int64()],
    ['name', Schema.string().optional()],
    ['price', Logical.decimal(2)],
    ['day', Logical.date()],
    ['time', Logical.time()],
    ['ts', Logical.timestamp()],
    ['tags', Schema.array(Schema.string())],
    ['attrs', Schema.map(Schema.string(), Schema.int32())],
    ['point', point],
    ['f32', Schema.float32()],
    ['f64', Schema.float64()],
    ['ok', Schema.boolean()],
    ['raw', Schema.bytes().optional()],
  ])
    .named('shop.Order')
    .withVersion(3)
    .withDoc('an order ✓');
}

function order(schema, id, name) {
  return new Struct(schema, {
    id,
    name,
    price: Logical.decimalFromString('12.34', 2),
    day: Logical.dateFromJs(new Date('2023-11-14T00:00:00Z')),
    time: 3_723_004,
    ts: Logical.timestampFromJs(new Date(1_700_000_000_123)),
    tags: ['a', 'é'],
    attrs: new Map([
      ['k', 1],
      ['z', -2],
    ]),
    // A plain object under a struct schema is written by field name.
    point: { x: -3, y: 300 },
    f32: 1.5,
    f64: -0.25,
    ok: true,
    raw: Uint8Array.of(0, 255),
  });
}

function sourceRecords() {
  const schema = orderSchema();
  // A second, equal schema object: the schema table still holds it once.
  const same = orderSchema();
  return [
    {
      sourcePartition: { file: 'a.txt' },
      sourceOffset: { pos: 42, ratio: 0.5, ok: true, none: null, b: Uint8Array.of(1, 2) },
      topic: 'orders',
      kafkaPartition: 2,
      keySchema: Schema.string(),
      key: 'k1',
      valueSchema: schema,
      value: order(schema, 1n, 'first'),
      timestamp: 1_700_000_000_000,
      headers: [
        { key: 'h1', schema: Schema.int32(), value: 5 },
        { key: 'h2', value: 'v' },
      ],
    },
    {
      sourcePartition: { file: 'a.txt' },
      sourceOffset: { pos: 43n },
      topic: 'orders',
      value: { a: -1n, b: [1.5, 'x', false, Uint8Array.of(9), null] },
    },
    {
      sourcePartition: { file: 'a.txt' },
      sourceOffset: { pos: 44 },
      topic: 'orders',
      valueSchema: same,
      value: order(same, -(2n ** 63n), null),
      timestamp: -1,
    },
  ];
}

test('source records built in JavaScript encode to the Rust bytes', () => {
  assert.deepEqual(copy(encodeSource(sourceRecords())), golden('source.wcb1'));
  assert.deepEqual(copy(encodeSource([])), golden('empty-source.wcb1'));
});

test('golden batches decode and re-encode byte for byte', () => {
  for (const name of ['source.wcb1', 'empty-source.wcb1']) {
    const bytes = golden(name);
    assert.deepEqual(copy(encodeSource(decodeSource(bytes))), bytes, name);
  }
  const sink = golden('sink.wcb1');
  assert.deepEqual(copy(encodeSink(decodeSink(sink))), sink);
});

test('decoded sink records are natural JavaScript values', () => {
  const [r0, r1, r2] = decodeSink(golden('sink.wcb1'));
  assert.equal(r0.topic, 'orders');
  assert.equal(r0.kafkaPartition, 1);
  assert.equal(r0.kafkaOffset, 1000);
  assert.equal(r0.timestampType, 1);
  assert.equal(r0.key, 'k1');
  const v = r0.value;
  assert.ok(v instanceof Struct);
  assert.equal(v.get('id'), 1n);
  assert.equal(v.get('name'), 'first');
  assert.equal(Logical.decimalToString(v.get('price'), 2), '12.34');
  assert.equal(Logical.toJs(v.schema.field('day').schema, v.get('day')).toISOString(), '2023-11-14T00:00:00.000Z');
  assert.equal(Logical.toJs(v.schema.field('ts').schema, v.get('ts')).getTime(), 1_700_000_000_123);
  assert.deepEqual(v.get('tags'), ['a', 'é']);
  assert.deepEqual([...v.get('attrs')], [['k', 1], ['z', -2]]);
  assert.equal(v.get('point').get('y'), 300);
  assert.equal(v.schema.field('point').schema.field('y').schema.default, 7);
  assert.equal(v.get('f32'), 1.5);
  assert.deepEqual(r0.headers.map((h) => [h.key, h.value]), [['h1', 5], ['h2', 'v']]);
  assert.equal(r1.valueSchema, null);
  assert.ok(r1.value instanceof Map);
  assert.equal(r1.value.get('a'), -1n);
  assert.equal(r1.timestamp, null);
  // Records naming the same table entry share one schema object.
  assert.equal(r2.valueSchema, r0.valueSchema);
  assert.equal(r2.value.get('id'), -(2n ** 63n));
  assert.equal(r2.value.get('name'), null);
});

test('the reader rejects malformed batches with the byte offset', () => {
  const sink = golden('sink.wcb1');
  const bad = (bytes, re) => assert.throws(() => decodeSink(bytes), (e) => e instanceof DecodeError && re.test(e.message));
  bad(Uint8Array.of(0x57, 0x43, 0x42, 0x32, 0, 0, 0, 0, 0, 0, 0, 0), /does not start with "WCB1"/);
  bad(sink.subarray(0, sink.length - 1), /ends early/);
  bad(Uint8Array.from([...sink, 0]), /bytes left over/);
  // A struct value without a schema: schemaless batch, one record whose value is tag 12.
  const z = (n) => new Array(n).fill(0);
  const rec = [0x57, 0x43, 0x42, 0x31, ...z(4), 1, 0, 0, 0, /* topic */ 1, 0, 0, 0, 0x74, /* partition, offset */ ...z(12),
    /* key */ ...z(4), 0, /* value: schemaless struct */ ...z(4), 12, ...z(4), /* timestamp, type, headers */ 0, 0, ...z(4)];
  bad(Uint8Array.from(rec), /struct value without a schema/);
});

test('decimal, date and time helpers', () => {
  for (const [text, scale] of [['0.00', 2], ['-1.05', 2], ['123456789012345678901234567890.5', 1], ['-128', 0], ['127', 0]]) {
    assert.equal(Logical.decimalToString(Logical.decimalFromString(text, scale), scale), text);
  }
  assert.deepEqual(Logical.decimalBytes(-128n), Uint8Array.of(0x80));
  assert.deepEqual(Logical.decimalBytes(128n), Uint8Array.of(0x00, 0x80));
  assert.equal(Logical.dateToJs(19_675).toISOString(), '2023-11-14T00:00:00.000Z');
});
