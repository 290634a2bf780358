// Unit tests of the connector logic (run by `make test` after `make build`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Schema, Struct } from '../build/wasmconnect-sdk/src/data.js';
import { lineOf } from '../build/src/{{name_snake}}.js';

const record = (valueSchema, value) => ({
  topic: 't', kafkaPartition: 0, kafkaOffset: 0, keySchema: null, key: null,
  valueSchema, value, timestamp: null, timestampType: 0, headers: [],
});

test('strings are written as they are', () => {
  assert.equal(lineOf(record(Schema.string(), 'hello')), 'hello');
});

test('structs and maps are written as JSON', () => {
  const s = Schema.struct([['id', Schema.int64()], ['tags', Schema.array(Schema.string())]]);
  assert.equal(lineOf(record(s, new Struct(s, { id: 7n, tags: ['a'] }))), '{"id":7,"tags":["a"]}');
  assert.equal(lineOf(record(null, new Map([['k', 1.5]]))), '{"k":1.5}');
});
