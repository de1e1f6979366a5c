'use strict';
// sabuf.wait / waitAsync / notify against V8's own Atomics.wait / waitAsync /
// notify: the same arguments (a typed array on a sabuf buffer for ours, on a
// plain SharedArrayBuffer for V8's) must give the same result or the same
// kind of error, after the same conversions in the same order (each
// valueOf/toString that runs is logged). The cases follow test262's
// built-ins/Atomics/{wait,waitAsync,notify} tests. None of them sleeps for
// long: either the value differs or the timeout is (nearly) zero.
const test = require('node:test');
const assert = require('node:assert');
const sabuf = require('..');

class Poison extends Error {}

function outcome(fn, args) {
  try {
    const r = fn(...args);
    if (r && typeof r === 'object' && 'async' in r) {
      return { result: { async: r.async, value: r.async ? typeof r.value.then : r.value }, keys: Object.keys(r) };
    }
    return { result: r };
  } catch (e) {
    return { threw: e instanceof Poison ? 'Poison' : e.constructor.name };
  }
}

// A logging stand-in for a number-like argument.
function logged(log, name, value) {
  return {
    valueOf() { log.push(name); return value; },
    toString() { log.push(`${name}.toString`); return String(value); },
  };
}

const plain = {
  Int32Array: () => new Int32Array(new SharedArrayBuffer(16)),
  BigInt64Array: () => new BigInt64Array(new SharedArrayBuffer(32)),
};
const ours = {
  Int32Array: () => new Int32Array(sabuf.create(16)),
  BigInt64Array: () => new BigInt64Array(sabuf.create(32)),
};

// same(name, op, type, makeArgs): makeArgs(ta, log) -> the arguments
function same(name, op, type, makeArgs) {
  test(`${op} ${type}: ${name}`, () => {
    const logA = [];
    const logS = [];
    const want = outcome(Atomics[op], makeArgs(plain[type](), logA));
    const got = outcome(sabuf[op], makeArgs(ours[type](), logS));
    assert.deepStrictEqual(got, want);
    assert.deepStrictEqual(logS, logA, 'conversions in the same order');
  });
}

const notTypedArrays = {
  undefined: undefined, null: null, object: {}, array: [], number: 1, string: 'x',
  symbol: Symbol('s'), ArrayBuffer: new ArrayBuffer(16), SharedArrayBuffer: new SharedArrayBuffer(16),
  DataView: new DataView(new SharedArrayBuffer(16)), function: () => 0,
  'Int32Array-like object': { buffer: new SharedArrayBuffer(16), length: 4, byteOffset: 0, BYTES_PER_ELEMENT: 4 },
};
const notWaitable = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Uint32Array,
  Float32Array, Float64Array, BigUint64Array];

for (const op of ['wait', 'waitAsync', 'notify']) {
  const rest = op === 'notify' ? (log) => [logged(log, 'index', 0), logged(log, 'count', 1)]
    : (log) => [logged(log, 'index', 0), logged(log, 'value', 0), logged(log, 'timeout', 0)];

  // ValidateIntegerTypedArray: TypeError before any conversion.
  for (const [what, v] of Object.entries(notTypedArrays)) {
    same(`TypeError for ${what}, before the index is converted`, op, 'Int32Array', (ta, log) => [v, ...rest(log)]);
  }
  for (const T of notWaitable) {
    test(`${op}: TypeError for a ${T.name} (shared or not, sabuf or not), before any conversion`, () => {
      for (const buf of [sabuf.create(64), new SharedArrayBuffer(64), new ArrayBuffer(64)]) {
        const log = [];
        assert.throws(() => sabuf[op](new T(buf), ...rest(log)), TypeError);
        assert.deepStrictEqual(log, []);
        assert.throws(() => Atomics[op](new T(buf), ...rest(log)), TypeError);
      }
    });
  }

  for (const type of ['Int32Array', 'BigInt64Array']) {
    const zero = type === 'Int32Array' ? 0 : 0n;
    const one = type === 'Int32Array' ? 1 : 1n;
    const tail = op === 'notify' ? [] : [one, 0];   // value differs from the zeroed word
    // ValidateAtomicAccess: ToIndex, then the length.
    for (const [what, index] of Object.entries({
      '-1': -1, '-Infinity': -Infinity, 'length (4)': 4, '4.5': 4.5, Infinity, '2**53': 2 ** 53, "'-1'": '-1',
      "'4'": '4', 'a huge string': '1e400', '-0.9': -0.9, '0.9': 0.9, NaN, undefined, null: null, true: true, false: false,
      "'3'": '3', "'0x2'": '0x2', "''": '', '[]': [], '[2]': [2], '{}': {}, '1n': 1n, 'a Symbol': Symbol('i'),
    })) {
      same(`index ${what}`, op, type, (ta) => [ta, index, ...tail]);
    }
    same('index valueOf that throws propagates', op, type, (ta, log) =>
      [ta, { valueOf() { log.push('index'); throw new Poison(); } }, ...tail]);
    same('missing index is 0', op, type, (ta) => (op === 'notify' ? [ta] : [ta, undefined, one, 0]));

    if (op !== 'notify') {
      // ToInt32 / ToBigInt64 of the value, after the index.
      const values = type === 'Int32Array'
        ? { 0: 0, 1: 1, "'0'": '0', "'1'": '1', NaN, undefined, null: null, true: true, '2**32': 2 ** 32, '2**32+1': 2 ** 32 + 1,
          '-1': -1, '0.5': 0.5, '-0': -0, Infinity, '1n': 1n, 'a Symbol': Symbol('v'), '{}': {} }
        : { '0n': 0n, '1n': 1n, '2n**64n': 2n ** 64n, '2n**64n+1n': 2n ** 64n + 1n, '-1n': -1n, "'0'": '0', "'1'": '1',
          true: true, false: false, 0: 0, 1: 1, NaN, undefined, null: null, "'x'": 'x', 'a Symbol': Symbol('v') };
      for (const [what, value] of Object.entries(values)) {
        same(`value ${what} (timeout 0)`, op, type, (ta) => [ta, 0, value, 0]);
      }
      same('order: index, value, timeout', op, type, (ta, log) =>
        [ta, logged(log, 'index', 1), logged(log, 'value', one), logged(log, 'timeout', 0)]);
      same('a RangeError for the index comes before the value is converted', op, type, (ta, log) =>
        [ta, logged(log, 'index', 9), logged(log, 'value', zero), logged(log, 'timeout', 0)]);
      same('value valueOf that throws: timeout not converted', op, type, (ta, log) =>
        [ta, 0, { valueOf() { log.push('value'); throw new Poison(); } }, logged(log, 'timeout', 0)]);
      // ToNumber of the timeout, converted even when the value differs.
      for (const [what, timeout] of Object.entries({
        0: 0, '-0': -0, '-1': -1, '-Infinity': -Infinity, false: false, null: null, "'0'": '0', "''": '',
        "'-5'": '-5', '[]': [], '0.0001': 0.0001, '1n': 1n, 'a Symbol': Symbol('t'),
      })) {
        same(`timeout ${what}, word equal`, op, type, (ta) => [ta, 0, zero, timeout]);
        same(`timeout ${what}, word differs`, op, type, (ta) => [ta, 0, one, timeout]);
      }
      for (const [what, timeout] of Object.entries({ NaN, undefined, Infinity, "'x'": 'x', '{}': {} })) {
        same(`timeout ${what} (forever), word differs`, op, type, (ta) => [ta, 0, one, timeout]);
      }
      same('timeout valueOf that throws propagates, even when the value differs', op, type, (ta, log) =>
        [ta, 0, one, { valueOf() { log.push('timeout'); throw new Poison(); } }]);
    } else {
      // ToIntegerOrInfinity of the count; nobody waits, so 0 whatever it is.
      for (const [what, count] of Object.entries({
        0: 0, 1: 1, '-1': -1, '-Infinity': -Infinity, Infinity, NaN, undefined, null: null, true: true, "'2'": '2',
        '0.5': 0.5, '-0.5': -0.5, '1n': 1n, 'a Symbol': Symbol('c'), '{}': {},
      })) {
        same(`count ${what}`, op, type, (ta) => [ta, 0, count]);
      }
      same('order: index, count', op, type, (ta, log) => [ta, logged(log, 'index', 1), logged(log, 'count', 1)]);
      same('a RangeError for the index comes before the count is converted', op, type, (ta, log) =>
        [ta, logged(log, 'index', 4), logged(log, 'count', 1)]);
      same('count valueOf that throws propagates', op, type, (ta, log) =>
        [ta, 0, { valueOf() { log.push('count'); throw new Poison(); } }]);
    }
  }
}

test('non-shared buffers: wait and waitAsync throw TypeError before any conversion, notify returns 0 after its conversions', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ta = new T(4);
    for (const op of ['wait', 'waitAsync']) {
      const log = [];
      assert.throws(() => sabuf[op](ta, logged(log, 'index', 0), 0, 0), TypeError);
      assert.deepStrictEqual(log, []);
    }
    const log = [];
    assert.strictEqual(sabuf.notify(ta, logged(log, 'index', 0), logged(log, 'count', 1)), 0);
    assert.deepStrictEqual(log, ['index', 'count']);
    assert.throws(() => sabuf.notify(ta, 4), RangeError);
  }
});

test('a SharedArrayBuffer that is not a sabuf buffer: TypeError before any conversion', () => {
  for (const T of [Int32Array, BigInt64Array]) {
    const ta = new T(new SharedArrayBuffer(64));
    for (const op of ['wait', 'waitAsync', 'notify']) {
      const log = [];
      assert.throws(() => sabuf[op](ta, logged(log, 'index', 0), 0, 0), TypeError);
      assert.deepStrictEqual(log, []);
    }
  }
});

test('typed arrays at an offset, subclasses, overridden properties: the internal slots count', () => {
  const sab = sabuf.create(64);
  const whole = new Int32Array(sab);
  const part = new Int32Array(sab, 8, 2);        // whole[2], whole[3]
  Atomics.store(whole, 3, 7);
  assert.strictEqual(sabuf.wait(part, 1, 0, 0), 'not-equal');
  assert.strictEqual(sabuf.wait(part, 1, 7, 0), 'timed-out');
  assert.throws(() => sabuf.wait(part, 2, 0, 0), RangeError);
  class Mine extends Int32Array {}
  const sub = new Mine(sab);
  Object.defineProperty(sub, 'length', { value: 1000 });
  Object.defineProperty(sub, 'buffer', { value: new SharedArrayBuffer(8) });
  assert.strictEqual(sabuf.wait(sub, 3, 7, 0), 'timed-out');
  assert.throws(() => sabuf.notify(sub, 16), RangeError);
  assert.strictEqual(sabuf.notify(sub, 15), 0);
  const big = new BigInt64Array(sab, 16, 2);     // bytes 16..31
  Atomics.store(big, 1, -5n);
  assert.strictEqual(sabuf.wait(big, 1, -5n, 0), 'timed-out');
  assert.strictEqual(sabuf.wait(big, 1, 2n ** 64n - 5n, 0), 'timed-out');   // ToBigInt64 wraps
  assert.strictEqual(sabuf.wait(big, 1, 5n, 0), 'not-equal');
});

test('Int32 values wrap as ToInt32 does', () => {
  const ta = new Int32Array(sabuf.create(8));
  Atomics.store(ta, 0, -1);
  assert.strictEqual(sabuf.wait(ta, 0, 2 ** 32 - 1, 0), 'timed-out');
  assert.strictEqual(sabuf.wait(ta, 0, '0xffffffff', 0), 'timed-out');
  assert.strictEqual(sabuf.wait(ta, 0, -1.7, 0), 'timed-out');
  assert.strictEqual(sabuf.wait(ta, 0, 1, 0), 'not-equal');
});

test('results: the strings and objects of Atomics', async () => {
  const ta = new Int32Array(sabuf.create(8));
  assert.strictEqual(sabuf.wait(ta, 0, 1), 'not-equal');
  assert.strictEqual(sabuf.wait(ta, 0, 0, 0), 'timed-out');
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 1), { async: false, value: 'not-equal' });
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 0, 0), { async: false, value: 'timed-out' });
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 0, -10), { async: false, value: 'timed-out' });
  const r = sabuf.waitAsync(ta, 0, 0, 1);
  assert.deepStrictEqual(Object.keys(r), ['async', 'value']);
  assert.strictEqual(r.async, true);
  assert.ok(r.value instanceof Promise);
  assert.strictEqual(await r.value, 'timed-out');
  assert.strictEqual(sabuf.notify(ta, 0), 0);
  assert.strictEqual(typeof sabuf.notify(ta, 0, 0), 'number');
});
