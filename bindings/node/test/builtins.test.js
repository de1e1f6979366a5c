'use strict';
// What test262 checks of every built-in Atomics function, held against
// sabuf.wait, waitAsync and notify: they are methods (not constructors, no
// prototype) with Atomics' length and name, and ValidateAtomicAccess reads
// the typed array's length before it converts the index (ES2024 25.4.3.2;
// test262's built-ins/Atomics/*/retrieve-length-before-index-coercion*).
// For a non-shared buffer notify does those steps itself, so it does not
// inherit the running V8's order (Node 20's converts the index first).
const test = require('node:test');
const assert = require('node:assert');
const sabuf = require('..');

const API = { wait: 4, waitAsync: 4, notify: 3, create: 1, attach: 1, fd: 1 };

// test262's isConstructor(): Reflect.construct with a newTarget of f.
function isConstructor(f) {
  try {
    Reflect.construct(function () {}, [], f);
  } catch {
    return false;
  }
  return true;
}

for (const [name, length] of Object.entries(API)) {
  test(`sabuf.${name} is a method: not new-able, no prototype, length ${length}, name '${name}'`, () => {
    const f = sabuf[name];
    assert.strictEqual(isConstructor(f), false);
    assert.throws(() => new f(new Int32Array(sabuf.create(4)), 0), TypeError);
    assert.strictEqual(Object.prototype.hasOwnProperty.call(f, 'prototype'), false);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(f, 'length'),
                           { value: length, writable: false, enumerable: false, configurable: true });
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(f, 'name'),
                           { value: name, writable: false, enumerable: false, configurable: true });
  });
}

const resizable = (() => {
  try {
    return typeof new ArrayBuffer(0, { maxByteLength: 4 }).resize === 'function';
  } catch {
    return false;
  }
})();
const needsResizable = resizable ? {} : { skip: 'this node has no resizable ArrayBuffer' };

const poison = (what) => ({ valueOf() { throw new Error(`${what} must not be converted`); } });

test('notify, non-shared: the length is read before the index grows the buffer (RangeError, count unconverted)',
  needsResizable, () => {
    for (const T of [Int32Array, BigInt64Array]) {
      const rab = new ArrayBuffer(0, { maxByteLength: 8 });
      const ta = new T(rab);
      const index = { valueOf() { rab.resize(8); return 0; } };
      assert.throws(() => sabuf.notify(ta, index, poison('count')), RangeError);
      assert.strictEqual(rab.byteLength, 8);
      assert.strictEqual(ta.length, 8 / T.BYTES_PER_ELEMENT);
    }
  });

test('notify, non-shared: an index that resizes the buffer to zero still counts against the old length (0)',
  needsResizable, () => {
    for (const T of [Int32Array, BigInt64Array]) {
      const rab = new ArrayBuffer(8, { maxByteLength: 8 });
      const ta = new T(rab);
      const log = [];
      const index = { valueOf() { log.push('index'); rab.resize(0); return 0; } };
      const count = { valueOf() { log.push('count'); return 1; } };
      assert.strictEqual(sabuf.notify(ta, index, count), 0);
      assert.deepStrictEqual(log, ['index', 'count']);
      assert.strictEqual(rab.byteLength, 0);
    }
  });

test('notify, non-shared: an index that detaches the buffer still counts against the old length (0)', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ab = new ArrayBuffer(8);
    const ta = new T(ab);
    const index = { valueOf() { structuredClone(ab, { transfer: [ab] }); return 0; } };
    assert.strictEqual(sabuf.notify(ta, index), 0);
    assert.strictEqual(ab.byteLength, 0);
  }
});

test('notify, non-shared: a detached or out-of-bounds array is a TypeError before the index is converted', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ab = new ArrayBuffer(16);
    const ta = new T(ab);
    structuredClone(ab, { transfer: [ab] });
    assert.throws(() => sabuf.notify(ta, poison('index'), poison('count')), TypeError);
    if (resizable) {
      const rab = new ArrayBuffer(16, { maxByteLength: 16 });
      const fixed = new T(rab, 8, 1);            // bytes 8..15
      rab.resize(8);                             // now out of bounds
      assert.throws(() => sabuf.notify(fixed, poison('index'), poison('count')), TypeError);
    }
  }
});

test('notify, non-shared: index then count are converted once each, an index past the length is a RangeError', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ta = new T(new ArrayBuffer(16));
    const n = ta.length;
    const log = [];
    const index = { valueOf() { log.push('index'); return n - 1; } };
    const count = { valueOf() { log.push('count'); return 2; } };
    assert.strictEqual(sabuf.notify(ta, index, count), 0);
    assert.deepStrictEqual(log, ['index', 'count']);
    assert.throws(() => sabuf.notify(ta, n, poison('count')), RangeError);
    assert.throws(() => sabuf.notify(ta, -1, poison('count')), RangeError);
    assert.throws(() => sabuf.notify(ta, 0, Symbol('count')), TypeError);
    assert.strictEqual(sabuf.notify(ta, undefined, -Infinity), 0);
  }
});

test('wait and waitAsync on a sabuf buffer: the length is read before the index (RangeError past it, value and timeout unconverted)', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ta = new T(sabuf.create(16));
    const log = [];
    const index = { valueOf() { log.push('index'); return ta.length; } };
    for (const op of ['wait', 'waitAsync']) {
      assert.throws(() => sabuf[op](ta, index, poison('value'), poison('timeout')), RangeError);
    }
    assert.throws(() => sabuf.notify(ta, index, poison('count')), RangeError);
    assert.deepStrictEqual(log, ['index', 'index', 'index']);
  }
});
