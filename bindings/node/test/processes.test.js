'use strict';
// Across processes: Node with Node (the buffer's fd inherited through
// child_process's stdio), Node with C (fixtures/cpeer.c on libsabuf), FIFO
// order and exact counts, killed waiters.
const test = require('node:test');
const assert = require('node:assert');
const sabuf = require('..');
const { node, cpeer, untilSleeping, sleepersIn, sleep } = require('../fixtures/helpers');

test('the same memory in two processes', async () => {
  const sab = sabuf.create(4096);
  const ta = new Int32Array(sab);
  ta[5] = 41;
  assert.strictEqual(await node(sab, 'add', '5', '1').done, '41');
  assert.strictEqual(Atomics.load(ta, 5), 42);
  assert.strictEqual(await cpeer(sab, 'add32', '5', '8').done, '42');
  assert.strictEqual(Atomics.load(ta, 5), 50);
});

test('attach(fd) maps the buffer again, fd() is this process\'s fd of it', () => {
  const sab = sabuf.create(100);
  const fd = sabuf.fd(sab);
  assert.strictEqual(sabuf.fd(sab), fd);
  const again = sabuf.attach(fd);
  assert.ok(again instanceof SharedArrayBuffer);
  assert.strictEqual(again.byteLength, 100);
  assert.notStrictEqual(sabuf.fd(again), fd);   // attach dups the fd
  new Uint8Array(sab)[99] = 7;
  assert.strictEqual(new Uint8Array(again)[99], 7);
});

test('the seed\'s counter: 4 processes x 10000 increments', async () => {
  const sab = sabuf.create(4);
  const peers = [0, 1, 2, 3].map(() => node(sab, 'counter', '10000'));
  await Promise.all(peers.map((p) => p.done));
  assert.strictEqual(Atomics.load(new Int32Array(sab), 0), 40000);
});

test('a Node process waits, another Node process notifies', async () => {
  const sab = sabuf.create(64);
  const waiter = node(sab, 'wait', '3', '0');
  await untilSleeping(waiter.pid);
  Atomics.store(new Int32Array(sab), 3, 1);
  assert.strictEqual(await node(sab, 'notify', '3').done, '1');
  assert.strictEqual(await waiter.done, 'ok');
});

test('JavaScript waits (wait and waitAsync), C notifies', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const waiter = node(sab, 'wait', '1', '0');
  await untilSleeping(waiter.pid);
  assert.strictEqual(await cpeer(sab, 'notify', '1').done, '1');
  assert.strictEqual(await waiter.done, 'ok');

  const r = sabuf.waitAsync(ta, 2, 0);
  assert.strictEqual(r.async, true);
  assert.strictEqual(await cpeer(sab, 'notify', '2', '1').done, '1');
  assert.strictEqual(await r.value, 'ok');

  const big = new BigInt64Array(sab);
  Atomics.store(big, 3, -(2n ** 40n));
  const r64 = sabuf.waitAsync(big, 3, -(2n ** 40n));
  assert.strictEqual(r64.async, true);
  assert.strictEqual(await cpeer(sab, 'notify', '6').done, '1');   // int32 index 6 = byte 24 = int64 index 3
  assert.strictEqual(await r64.value, 'ok');
});

test('C waits, JavaScript notifies (32 and 64 bits)', async () => {
  const sab = sabuf.create(64);
  const c = cpeer(sab, 'wait32', '4', '0', '-1');
  await untilSleeping(c.pid);
  assert.strictEqual(sabuf.notify(new Int32Array(sab), 4), 1);
  assert.strictEqual(await c.done, 'ok');

  const big = new BigInt64Array(sab);
  Atomics.store(big, 5, 2n ** 62n);
  const c64 = cpeer(sab, 'wait64', '5', String(2n ** 62n), '-1');
  await untilSleeping(c64.pid);
  assert.strictEqual(sabuf.notify(big, 5, 1), 1);
  assert.strictEqual(await c64.done, 'ok');

  // a C wait on the word's value as it now is, with a timeout, times out
  assert.strictEqual(await cpeer(sab, 'wait32', '4', '0', '30').done, 'timed-out');
  assert.strictEqual(await cpeer(sab, 'wait32', '4', '1', '-1').done, 'not-equal');
});

test('FIFO across processes and exact counts (Node and C waiters mixed)', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const waiters = [];
  for (let k = 0; k < 5; k++) {
    const w = k % 2 ? cpeer(sab, 'wait32', '0', '0', '-1') : node(sab, 'wait', '0', '0');
    await untilSleeping(w.pid);      // queued before the next one starts
    waiters.push(w);
  }
  const finished = [];
  waiters.forEach((w, k) => w.done.then(() => finished.push(k)));
  assert.strictEqual(sabuf.notify(ta, 0, 0), 0);
  assert.strictEqual(sabuf.notify(ta, 0, -3), 0);
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1);
  assert.strictEqual(await waiters[0].done, 'ok');
  assert.ok(sleepersIn(waiters[1].pid) === 1, 'the second is still asleep');
  assert.strictEqual(sabuf.notify(ta, 0, 2), 2);
  await Promise.all([waiters[1].done, waiters[2].done]);
  assert.deepStrictEqual(finished.slice(0, 1), [0]);
  assert.strictEqual(sabuf.notify(ta, 0, 0.9), 0);
  assert.strictEqual(sabuf.notify(ta, 0), 2);               // count undefined: all
  await Promise.all(waiters.map((w) => w.done));
  assert.deepStrictEqual(finished.sort(), [0, 1, 2, 3, 4]);
  assert.strictEqual(sabuf.notify(ta, 0), 0);
});

test('notify counts waiters of that index only, in every process', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const a = node(sab, 'wait', '0', '0');
  const b = cpeer(sab, 'wait32', '1', '0', '-1');
  await untilSleeping(a.pid);
  await untilSleeping(b.pid);
  assert.strictEqual(sabuf.notify(ta, 2), 0);
  assert.strictEqual(sabuf.notify(ta, 1, Infinity), 1);
  assert.strictEqual(sabuf.notify(ta, 0, '5'), 1);
  assert.deepStrictEqual(await Promise.all([a.done, b.done]), ['ok', 'ok']);
});

test('a waiter killed while others wait leaves the queue; the others are woken in order', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const first = node(sab, 'wait', '0', '0');
  await untilSleeping(first.pid);
  const second = node(sab, 'wait', '0', '0');
  await untilSleeping(second.pid);
  const third = cpeer(sab, 'wait32', '0', '0', '-1');
  await untilSleeping(third.pid);
  first.done.catch(() => {});
  third.done.catch(() => {});
  first.kill('SIGKILL');
  const how = await first.exited;
  assert.strictEqual(how.signal, 'SIGKILL');
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1);
  assert.strictEqual(await second.done, 'ok');
  third.kill('SIGTERM');
  await third.exited;
  assert.strictEqual(sabuf.notify(ta, 0), 0, 'nobody is left');
});

test('two mappings of one buffer (attach in the same process) share its wait queue', async () => {
  const sab = sabuf.create(16);
  const again = sabuf.attach(sabuf.fd(sab));
  const waiter = node(again, 'wait', '0', '0', '10000');
  await untilSleeping(waiter.pid);
  const r = sabuf.waitAsync(new Int32Array(again), 0, 0);
  assert.strictEqual(sabuf.notify(new Int32Array(sab), 0), 2);
  assert.strictEqual(await waiter.done, 'ok');
  assert.strictEqual(await r.value, 'ok');
});
