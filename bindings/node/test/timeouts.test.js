'use strict';
// Timeouts as Atomics has them: 0 and negative do not sleep, NaN, undefined
// and +Infinity sleep until notified, finite ones time out no earlier than
// asked. Fractions of a millisecond count.
const test = require('node:test');
const assert = require('node:assert');
const { Worker } = require('worker_threads');
const sabuf = require('..');
const { node, untilSleeping, sleepersIn, sleep } = require('../fixtures/helpers');

const elapsed = (fn) => {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
};

test('wait: 0, -0, negative and -Infinity time out at once', () => {
  const ta = new Int32Array(sabuf.create(8));
  for (const t of [0, -0, -1, -1e300, -Infinity, false, null, '']) {
    const [r, ms] = elapsed(() => sabuf.wait(ta, 0, 0, t));
    assert.strictEqual(r, 'timed-out', `timeout ${String(t)}`);
    assert.ok(ms < 1000, `timeout ${String(t)} took ${ms} ms`);
  }
});

test('wait: a finite timeout is waited out, not less', () => {
  const ta = new Int32Array(sabuf.create(8));
  for (const t of [1, 30, 100.5, '20', true]) {
    const [r, ms] = elapsed(() => sabuf.wait(ta, 0, 0, t));
    assert.strictEqual(r, 'timed-out');
    assert.ok(ms >= Number(t) - 0.5, `timeout ${t}: woke after ${ms} ms`);
  }
  const [r, ms] = elapsed(() => sabuf.wait(ta, 0, 0, 0.25));
  assert.strictEqual(r, 'timed-out');
  assert.ok(ms >= 0.25, `0.25 ms: ${ms} ms`);
});

for (const [what, args] of [['NaN', [NaN]], ['undefined', [undefined]], ['missing', []], ['+Infinity', [Infinity]],
  ["'forever'", ['forever']], ['1e300', [1e300]]]) {
  test(`wait: timeout ${what} waits until notified`, async () => {
    const sab = sabuf.create(8);
    const ta = new Int32Array(sab);
    const w = new Worker(`
      const { workerData: { sab, args }, parentPort } = require('worker_threads');
      const sabuf = require(${JSON.stringify(require.resolve('..'))});
      parentPort.postMessage(sabuf.wait(new Int32Array(sab), 0, 0, ...args));`,
    { eval: true, workerData: { sab, args } });
    const result = new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject); });
    await untilSleeping(process.pid);
    await sleep(300);
    assert.strictEqual(sleepersIn(process.pid), 1, 'still asleep after 300 ms');
    assert.strictEqual(sabuf.notify(ta, 0), 1);
    assert.strictEqual(await result, 'ok');
    await w.terminate();
  });
}

test('waitAsync: 0 and negative settle at once with { async: false }', () => {
  const ta = new Int32Array(sabuf.create(8));
  for (const t of [0, -0, -5, -Infinity, null, false]) {
    assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 0, t), { async: false, value: 'timed-out' });
    assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 1, t), { async: false, value: 'not-equal' });
  }
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 1), { async: false, value: 'not-equal' });
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 1, NaN), { async: false, value: 'not-equal' });
});

test('waitAsync: a finite timeout resolves "timed-out", not earlier', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const t0 = Date.now();
  const rs = [5, 50, 120].map((t) => sabuf.waitAsync(ta, 0, 0, t));
  assert.ok(rs.every((r) => r.async));
  const order = [];
  await Promise.all(rs.map((r, k) => r.value.then((v) => { order.push(k); assert.strictEqual(v, 'timed-out'); })));
  assert.ok(Date.now() - t0 >= 119, `${Date.now() - t0} ms`);
  assert.strictEqual(order[0], 0, 'the 5 ms one first');
  assert.strictEqual(sabuf.notify(ta, 0), 0, 'timed-out waiters left the queue');
});

test('waitAsync: NaN, undefined and +Infinity stay pending until notified', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const rs = [NaN, undefined, Infinity].map((t) => sabuf.waitAsync(ta, 0, 0, t));
  let settled = 0;
  rs.forEach((r) => r.value.then(() => settled++));
  await sleep(300);
  assert.strictEqual(settled, 0);
  assert.strictEqual(sabuf.notify(ta, 0), 3);
  assert.deepStrictEqual(await Promise.all(rs.map((r) => r.value)), ['ok', 'ok', 'ok']);
});

test('a finite wait in another process times out by itself', async () => {
  const sab = sabuf.create(8);
  const t0 = Date.now();
  assert.strictEqual(await node(sab, 'wait', '0', '0', '200').done, 'timed-out');
  assert.ok(Date.now() - t0 >= 200);
});
