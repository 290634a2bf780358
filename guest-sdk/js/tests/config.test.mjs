// ConfigDef, Config and the error mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Config, ConfigDef } from '../dist/config.js';
import { FatalError, RetriableError, toWitError } from '../dist/errors.js';

const def = () =>
  new ConfigDef()
    .define('file', 'string', undefined, 'high', 'f')
    .define('batch.size', 'int', '2000', 'low', 'b')
    .define('topic', 'string', undefined, 'high', 't', (v) => (v.includes(',') ? 'one topic only' : undefined));

test('validate reports missing keys, bad types and validator errors', () => {
  const v = def().validate(new Config({ 'batch.size': 'x', topic: 'a,b' }));
  assert.deepEqual(v[0].errors, ['Missing required configuration "file" which has no default value.']);
  assert.deepEqual(v[1].errors, ['Invalid value x for configuration batch.size: Not a number of type INT']);
  assert.deepEqual(v[2].errors, ['Invalid value a,b for configuration topic: one topic only']);
  assert.ok(def().validate(new Config({ file: '/f', topic: 't' })).every((x) => x.errors.length === 0));
});

test('parse fills defaults and the getters parse', () => {
  const c = def().parse(new Config({ file: '/f', topic: 't' }));
  assert.equal(c.getInt('batch.size'), 2000);
  assert.equal(c.require('file'), '/f');
  assert.throws(() => c.require('nope'), FatalError);
  assert.throws(() => def().parse(new Config()), /Missing required configuration "file"/);
  const d = new Config([['b', 'TRUE'], ['l', ' a, b ,c'], ['n', '1.5'], ['big', '99999999999']]);
  assert.equal(d.getBool('b'), true);
  assert.deepEqual(d.getList('l'), ['a', 'b', 'c']);
  assert.equal(d.getDouble('n'), 1.5);
  assert.throws(() => d.getLong('n'), /Not a number of type LONG/);
  assert.throws(() => d.getInt('big'), /Not a number of type INT/);
  assert.equal(d.getLong('big'), 99_999_999_999);
});

test('thrown values map to the WIT connect-error', () => {
  assert.deepEqual(toWitError(new RetriableError('later')), { tag: 'retriable', val: 'later' });
  assert.deepEqual(toWitError(new FatalError('no')), { tag: 'fatal', val: 'no' });
  assert.deepEqual(toWitError(new RangeError('bad length')), { tag: 'fatal', val: 'RangeError: bad length' });
  assert.deepEqual(toWitError(new Error('plain')), { tag: 'fatal', val: 'plain' });
  assert.deepEqual(toWitError('text'), { tag: 'fatal', val: 'text' });
  assert.deepEqual(toWitError({ code: 1 }), { tag: 'fatal', val: '{"code":1}' });
});
