// Unit tests of the connector logic (run by `make test` after `make build`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeSource, decodeSource } from '../build/wasmconnect-sdk/src/batch.js';
import { tick } from '../build/src/{{name_snake}}.js';

test('a tick carries its sequence number as value and offset', () => {
  const r = tick('t', '0', 41, 'hi');
  assert.deepEqual(r.sourceOffset, { n: 41 });
  assert.equal(r.value.get('n'), 41n);
  assert.equal(r.value.get('message'), 'hi 41');
});

test('ticks encode into a batch the worker can read', () => {
  const [back] = decodeSource(Uint8Array.from(encodeSource([tick('t', '0', 1, 'hi')])));
  assert.equal(back.topic, 't');
  assert.equal(back.sourceOffset.n, 1n);
  assert.equal(back.value.get('message'), 'hi 1');
});
