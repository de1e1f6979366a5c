'use strict';
// waitAsync: its promise settles from the event loop, settled by a notify
// from this or any other process, or by its timeout; a pending one keeps
// the event loop alive, and shares the FIFO queue with blocking waiters.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('child_process');
const sabuf = require('..');
const { node, cpeer, untilSleeping, untilPending, sleepersIn, threadCount, sleep } = require('../fixtures/helpers');

const INDEX_JS = JSON.stringify(require.resolve('..'));

// Run a script in a fresh node with the buffer as fd 3; resolve with its exit.
function script(sab, source) {
  const child = spawn(process.execPath, ['-e', `const sabuf = require(${INDEX_JS});\n${source}`], {
    stdio: ['ignore', 'pipe', 'pipe', sab ? sabuf.fd(sab) : 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  child.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out: out.trim() })));
  child.output = () => out;
  return child;
}

test('a notify in this process right after waitAsync counts it', async () => {
  const ta = new Int32Array(sabuf.create(8));
  for (let k = 0; k < 20; k++) {
    const r = sabuf.waitAsync(ta, 0, 0);
    assert.strictEqual(sabuf.notify(ta, 0), 1);
    assert.strictEqual(await r.value, 'ok');
  }
});

test('FIFO among pending waitAsyncs, exact counts', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const rs = [0, 1, 2, 3, 4, 5].map(() => sabuf.waitAsync(ta, 0, 0));
  const order = [];
  rs.forEach((r, k) => r.value.then((v) => order.push([k, v])));
  assert.strictEqual(sabuf.notify(ta, 0, 0), 0);
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1);
  await rs[0].value;
  assert.strictEqual(sabuf.notify(ta, 0, 2), 2);
  await Promise.all([rs[1].value, rs[2].value]);
  await sleep(50);
  // woken in FIFO order; two woken at once may report in either order
  assert.strictEqual(order[0][0], 0);
  assert.deepStrictEqual(order.map(([k]) => k).sort(), [0, 1, 2]);
  assert.strictEqual(sabuf.notify(ta, 0), 3);
  await Promise.all(rs.map((r) => r.value));
  assert.deepStrictEqual(order.map(([k]) => k).sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(order.every(([, v]) => v === 'ok'));
});

test('settled by a notify from another Node process and from a C program', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const a = sabuf.waitAsync(ta, 7, 0);
  assert.strictEqual(await node(sab, 'notify', '7').done, '1');
  assert.strictEqual(await a.value, 'ok');
  const b = sabuf.waitAsync(ta, 8, 0, 60000);
  assert.strictEqual(await cpeer(sab, 'notify', '8').done, '1');
  assert.strictEqual(await b.value, 'ok');
});

test('waitAsync in another process, settled from here; its loop is kept alive until then', async () => {
  const sab = sabuf.create(64);
  const peer = node(sab, 'waitAsync', '2', '0');
  await untilPending(peer);
  await sleep(200);
  assert.strictEqual(peer.exitCode, null, 'the peer is still running');
  assert.strictEqual(sabuf.notify(new Int32Array(sab), 2), 1);
  assert.strictEqual(await peer.done, 'ok');
});

test('waitAsync and wait share one queue, in FIFO order', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const first = sabuf.waitAsync(ta, 0, 0);             // here, queued first
  const blocking = node(sab, 'wait', '0', '0');         // another process, second
  await untilSleeping(blocking.pid);
  const third = sabuf.waitAsync(ta, 0, 0);             // here again, third
  let firstDone = false;
  let thirdDone = false;
  first.value.then(() => { firstDone = true; });
  third.value.then(() => { thirdDone = true; });
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1);
  assert.strictEqual(await first.value, 'ok');
  assert.strictEqual(sleepersIn(blocking.pid), 1);
  assert.strictEqual(await node(sab, 'notify', '0', '1').done, '1');
  assert.strictEqual(await blocking.done, 'ok');
  await sleep(50);
  assert.strictEqual(thirdDone, false);
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1);
  assert.strictEqual(await third.value, 'ok');
  assert.ok(firstDone && thirdDone);
});

test('a pending waitAsync keeps the event loop alive until it times out', async () => {
  const sab = sabuf.create(8);
  const t0 = Date.now();
  const child = script(sab, `
    const r = sabuf.waitAsync(new Int32Array(sabuf.attach(3)), 0, 0, 400);
    r.value.then((v) => console.log(r.async, v));`);
  const { code, out } = await child.exited;
  assert.strictEqual(code, 0, out);
  assert.strictEqual(out, 'true timed-out');
  assert.ok(Date.now() - t0 >= 400);
});

test('...and exits as soon as nothing is pending any more', async () => {
  const child = script(null, `
    const ta = new Int32Array(sabuf.create(8));
    const r = sabuf.waitAsync(ta, 0, 0);
    setTimeout(() => console.log('notified', sabuf.notify(ta, 0)), 100);
    r.value.then((v) => console.log(v));`);
  const { code, out } = await child.exited;
  assert.strictEqual(code, 0, out);
  assert.strictEqual(out, 'notified 1\nok');
});

test('a settled or timed-out waitAsync no longer holds the loop', async () => {
  const t0 = Date.now();
  const child = script(null, `
    const ta = new Int32Array(sabuf.create(8));
    sabuf.waitAsync(ta, 0, 0, 10).value.then(console.log);
    sabuf.waitAsync(ta, 0, 1);   // async: false, nothing pending
    `);
  const { code, out } = await child.exited;
  assert.strictEqual(code, 0, out);
  assert.strictEqual(out, 'timed-out');
  assert.ok(Date.now() - t0 < 20000);
});

test('process.exit() with waitAsyncs pending exits at once, and they leave the queue', async () => {
  const sab = sabuf.create(8);
  const child = script(sab, `
    const ta = new Int32Array(sabuf.attach(3));
    for (let k = 0; k < 3; k++) sabuf.waitAsync(ta, 0, 0);
    console.log('pending');
    setTimeout(() => process.exit(7), 100);`);
  const { code, out } = await child.exited;
  assert.strictEqual(code, 7);
  assert.strictEqual(out, 'pending');
  assert.strictEqual(sabuf.notify(new Int32Array(sab), 0), 0);
});

test('an uncaught exception with a waitAsync pending ends the process', async () => {
  const child = script(null, `
    sabuf.waitAsync(new Int32Array(sabuf.create(8)), 0, 0);
    setTimeout(() => { throw new Error('boom'); }, 50);`);
  const { code, out } = await child.exited;
  assert.strictEqual(code, 1);
  assert.match(out, /boom/);
});

test('many pending waitAsyncs, one notify for all', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const n = 200;
  const rs = [];
  for (let k = 0; k < n; k++) rs.push(sabuf.waitAsync(ta, 0, 0));
  assert.strictEqual(sabuf.notify(ta, 0), n);
  const values = await Promise.all(rs.map((r) => r.value));
  assert.ok(values.every((v) => v === 'ok'));
});

test('a waitAsync keeps its buffer mapped after the last JavaScript reference is dropped', async () => {
  const { setFlagsFromString } = require('v8');
  setFlagsFromString('--expose-gc');
  const gc = require('vm').runInNewContext('gc');
  let ta = new Int32Array(sabuf.create(8));
  const fd = sabuf.fd(ta.buffer);
  const other = new Int32Array(sabuf.attach(fd));
  const r = sabuf.waitAsync(ta, 0, 0);
  ta = null;
  gc();
  await sleep(50);
  gc();
  assert.strictEqual(sabuf.notify(other, 0), 1);
  assert.strictEqual(await r.value, 'ok');
});

test('exact accounting: waitAsyncs with racing timeouts, notified one by one from another process', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const notifier = node(sab, 'notifyloop', '0', '8');   // until ta[8] != 0
  while (Atomics.load(ta, 9) === 0) await sleep(5);       // it is notifying
  const outcomes = [];
  for (let k = 0; k < 150; k++) {
    const r = sabuf.waitAsync(ta, 0, 0, 1 + (k * 7) % 120);
    assert.strictEqual(r.async, true);
    outcomes.push(r.value);
    if (k % 10 === 0) await sleep(1);
  }
  const values = await Promise.all(outcomes);
  Atomics.store(ta, 8, 1);
  const woken = Number(await notifier.done);
  const ok = values.filter((v) => v === 'ok').length;
  assert.ok(values.every((v) => v === 'ok' || v === 'timed-out'));
  assert.strictEqual(ok, woken, 'every notify that counted a waiter settled exactly that one "ok"');
  assert.ok(ok > 0, 'some were notified');
});

// ---- on the kernel's waitsets: no thread per wait, kernel timeouts ----

test('10^4 pending waitAsyncs, all settled exactly once by one notify(+Infinity)', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const n = 10000;
  const rs = [];
  let settled = 0;
  for (let k = 0; k < n; k++) {
    const r = sabuf.waitAsync(ta, 0, 0);
    assert.strictEqual(r.async, true);
    r.value.then(() => settled++);
    rs.push(r.value);
  }
  assert.strictEqual(sabuf.notify(ta, 0, Infinity), n);
  const values = await Promise.all(rs);
  assert.strictEqual(values.length, n);
  assert.ok(values.every((v) => v === 'ok'));
  assert.strictEqual(settled, n);
  assert.strictEqual(sabuf.notify(ta, 0), 0, 'nobody is left');
});

test('no thread per pending waitAsync: /proc/self/task stays flat with 1000 pending', async () => {
  const ta = new Int32Array(sabuf.create(8));
  sabuf.waitAsync(ta, 0, 0, 1);   // the waitset exists before counting
  await sleep(20);
  const before = threadCount();
  const rs = [];
  for (let k = 0; k < 1000; k++) rs.push(sabuf.waitAsync(ta, 0, 0).value);
  await sleep(50);
  assert.strictEqual(threadCount(), before, 'no thread was started');
  assert.strictEqual(sabuf.notify(ta, 0), 1000);
  await Promise.all(rs);
  assert.strictEqual(threadCount(), before);
});

test('timeouts are the kernel\'s: a waitAsync times out while the event loop is blocked', async () => {
  const ta = new Int32Array(sabuf.create(8));
  const r = sabuf.waitAsync(ta, 0, 0, 50);
  const end = Date.now() + 300;
  while (Date.now() < end) { /* the loop cannot run */ }
  assert.strictEqual(sabuf.notify(ta, 0), 0, 'it left the queue at its deadline');
  assert.strictEqual(await r.value, 'timed-out');
});

test('a waitAsync whose word changes before the kernel looks is { async: false, value: "not-equal" }, no promise', () => {
  const ta = new Int32Array(sabuf.create(8));
  ta[0] = 5;
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 4), { async: false, value: 'not-equal' });
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 5, 0), { async: false, value: 'timed-out' });
  assert.deepStrictEqual(sabuf.waitAsync(ta, 0, 4, 0), { async: false, value: 'not-equal' });
  const big = new BigInt64Array(sabuf.create(16));
  assert.deepStrictEqual(sabuf.waitAsync(big, 1, 1n), { async: false, value: 'not-equal' });
  assert.deepStrictEqual(sabuf.waitAsync(big, 1, 0n, -1), { async: false, value: 'timed-out' });
  assert.strictEqual(sabuf.notify(ta, 0), 0);
});

test('a tiny positive timeout is still a promise, settled "timed-out"', async () => {
  const ta = new Int32Array(sabuf.create(8));
  for (const t of [1e-9, 1e-6, 0.001]) {
    const r = sabuf.waitAsync(ta, 0, 0, t);
    assert.strictEqual(r.async, true);
    assert.strictEqual(await r.value, 'timed-out');
  }
});

test('a process killed with pending waitAsyncs leaves no waiter behind', async () => {
  const sab = sabuf.create(8);
  const child = script(sab, `
    const ta = new Int32Array(sabuf.attach(3));
    for (let k = 0; k < 5; k++) sabuf.waitAsync(ta, 0, 0);
    sabuf.waitAsync(ta, 0, 0, 1e9);
    console.log('pending');`);
  while (!/pending/.test(child.output()) && child.exitCode === null) await sleep(5);
  await sleep(20);
  child.kill('SIGKILL');
  const { signal } = await child.exited;
  assert.strictEqual(signal, 'SIGKILL');
  // from another process, as the issue asks, and from here
  assert.strictEqual(await node(sab, 'notify', '0').done, '0');
  assert.strictEqual(sabuf.notify(new Int32Array(sab), 0), 0);
});

test('one FIFO queue across kinds: waitAsync here, a C wait, a Node wait, a Node waitAsync', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const mine = sabuf.waitAsync(ta, 4, 0);                 // 1st
  const c = cpeer(sab, 'wait32', '4', '0', '-1');          // 2nd
  await untilSleeping(c.pid);
  const blocking = node(sab, 'wait', '4', '0');            // 3rd
  await untilSleeping(blocking.pid);
  const asyncPeer = node(sab, 'waitAsync', '4', '0');      // 4th
  await untilPending(asyncPeer);
  const mine2 = sabuf.waitAsync(ta, 4, 0);                // 5th
  let mineDone = false;
  mine.value.then(() => { mineDone = true; });
  assert.strictEqual(sabuf.notify(ta, 4, 1), 1);
  assert.strictEqual(await mine.value, 'ok');
  assert.strictEqual(sleepersIn(blocking.pid), 1, 'the Node wait still sleeps');
  assert.strictEqual(await node(sab, 'notify', '4', '1').done, '1');
  assert.strictEqual(await c.done, 'ok');
  assert.strictEqual(sleepersIn(blocking.pid), 1, 'the Node wait still sleeps');
  assert.strictEqual(await cpeer(sab, 'notify', '4', '1').done, '1');
  assert.strictEqual(await blocking.done, 'ok');
  assert.strictEqual(asyncPeer.exitCode, null, 'the async peer is still waiting');
  assert.strictEqual(sabuf.notify(ta, 4, 1), 1);
  assert.strictEqual(await asyncPeer.done, 'ok');
  let mine2Done = false;
  mine2.value.then(() => { mine2Done = true; });
  await sleep(20);
  assert.ok(mineDone && !mine2Done);
  assert.strictEqual(await node(sab, 'notify', '4').done, '1');
  assert.strictEqual(await mine2.value, 'ok');
});

test('a process whose only work is a pending waitAsync settled by a C program exits normally after it', async () => {
  const sab = sabuf.create(8);
  const child = script(sab, `
    const r = sabuf.waitAsync(new Int32Array(sabuf.attach(3)), 0, 0);
    console.log('pending');
    r.value.then((v) => console.log(v));`);
  while (!/pending/.test(child.output()) && child.exitCode === null) await sleep(5);
  await sleep(200);
  assert.strictEqual(child.exitCode, null, 'kept alive');
  assert.strictEqual(await cpeer(sab, 'notify', '0', '-1').done, '1');
  const { code, out } = await child.exited;
  assert.strictEqual(code, 0, out);
  assert.strictEqual(out, 'pending\nok');
});
