'use strict';
const test = require('node:test');
const assert = require('node:assert');
const sabuf = require('..');

test('create gives a SharedArrayBuffer on /dev/sabuf', () => {
  const sab = sabuf.create(64);
  assert.ok(sab instanceof SharedArrayBuffer);
  assert.strictEqual(sab.byteLength, 64);
  const ta = new Int32Array(sab);
  assert.strictEqual(Atomics.add(ta, 0, 5), 0);
  assert.strictEqual(ta[0], 5);
  assert.strictEqual(typeof sabuf.fd(sab), 'number');
  assert.strictEqual(sabuf.wait(ta, 0, 0), 'not-equal');
  assert.strictEqual(sabuf.wait(ta, 0, 5, 10), 'timed-out');
  assert.strictEqual(sabuf.notify(ta, 0), 0);
});

test('waitAsync then notify', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const r = sabuf.waitAsync(ta, 0, 0);
  assert.strictEqual(r.async, true);
  assert.strictEqual(sabuf.notify(ta, 0), 1);
  assert.strictEqual(await r.value, 'ok');
});
