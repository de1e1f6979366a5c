'use strict';
// create/attach/fd arguments and errors, and the buffer's life: 10^4
// create/drop/gc cycles leave no fd and no mapping behind.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const { setFlagsFromString } = require('v8');
const sabuf = require('..');
const { fdCount, sabufMappings, sleep } = require('../fixtures/helpers');

setFlagsFromString('--expose-gc');
const gc = require('vm').runInNewContext('gc');

async function settle(check) {
  for (let k = 0; k < 100; k++) {
    gc();
    await sleep(10);
    if (check()) return;
  }
}

test('create: a zero-filled SharedArrayBuffer of the asked length', () => {
  for (const n of [1, 3, 4096, 4097, 1 << 20, '16', 8.9]) {
    const sab = sabuf.create(n);
    assert.ok(sab instanceof SharedArrayBuffer);
    assert.strictEqual(Object.prototype.toString.call(sab), '[object SharedArrayBuffer]');
    assert.strictEqual(sab.byteLength, Math.trunc(Number(n)));
    assert.strictEqual(sab.growable, sab.growable === undefined ? undefined : false);
    assert.ok(new Uint8Array(sab).every((b) => b === 0));
    const copy = sab.slice(0, 1);             // SharedArrayBuffer.prototype methods work
    assert.ok(copy instanceof SharedArrayBuffer);
  }
});

test('create: RangeError for lengths no buffer can have, TypeError for non-numbers', () => {
  for (const n of [-1, -Infinity, Infinity, 2 ** 53, 0, undefined, NaN, null, '']) {
    assert.throws(() => sabuf.create(n), RangeError, String(n));
  }
  assert.throws(() => sabuf.create(2 ** 52), RangeError);   // more than the module allows
  assert.throws(() => sabuf.create(1n), TypeError);
  assert.throws(() => sabuf.create(Symbol('n')), TypeError);
});

test('attach and fd: argument checks and errors', () => {
  assert.throws(() => sabuf.attach('3'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sabuf.attach(), TypeError);
  for (const fd of [-1, 1.5, 2 ** 31, NaN, Infinity]) {
    assert.throws(() => sabuf.attach(fd), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  }
  assert.throws(() => sabuf.attach(1000000), { code: 'EBADF' });
  const fd = fs.openSync('/dev/null', 'r');
  assert.throws(() => sabuf.attach(fd), (e) => e instanceof Error && typeof e.code === 'string');
  fs.closeSync(fd);
  for (const v of [undefined, {}, new SharedArrayBuffer(8), new ArrayBuffer(8), new Int32Array(sabuf.create(8))]) {
    assert.throws(() => sabuf.fd(v), TypeError);
  }
});

test('10^4 create/drop/gc cycles leave no fd and no mapping behind', async () => {
  gc();
  await sleep(50);
  gc();
  const fds = fdCount();
  const maps = sabufMappings();
  // in a function of its own: a suspended async function keeps stale
  // registers (the last buffer) alive
  (() => {
  for (let k = 0; k < 10000; k++) {
    const sab = sabuf.create(k % 7 === 0 ? 65536 : 64);
    const ta = new Int32Array(sab);
    Atomics.store(ta, 0, k);
    if (k % 3 === 0) sabuf.fd(sab);
    if (k % 5 === 0) sabuf.wait(ta, 0, k, 0);
    if (k % 500 === 499) gc();
  }
  })();
  await settle(() => fdCount() === fds && sabufMappings() === maps);
  assert.strictEqual(fdCount(), fds, 'fds');
  assert.strictEqual(sabufMappings(), maps, 'mappings');
});

test('attached mappings are released too; the buffer outlives any one of them', async () => {
  const keep = sabuf.create(64);
  new Int32Array(keep)[3] = 33;
  const fds = fdCount();
  const maps = sabufMappings();
  (() => {
    for (let k = 0; k < 1000; k++) {
      const again = sabuf.attach(sabuf.fd(keep));
      assert.strictEqual(new Int32Array(again)[3], 33);
      if (k % 200 === 199) gc();
    }
  })();
  await settle(() => fdCount() === fds && sabufMappings() === maps);
  assert.strictEqual(fdCount(), fds);
  assert.strictEqual(sabufMappings(), maps);
  assert.strictEqual(new Int32Array(keep)[3], 33);
});
