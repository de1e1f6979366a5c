'use strict';
// Worker threads: the buffer travels by postMessage as any SharedArrayBuffer
// does (shared, never copied), and waits and notifies work from any thread.
const test = require('node:test');
const assert = require('node:assert');
const { Worker } = require('worker_threads');
const sabuf = require('..');
const { node, untilSleeping, sleepersIn, sleep } = require('../fixtures/helpers');

const INDEX_JS = JSON.stringify(require.resolve('..'));

// A worker that runs body with sabuf, parentPort and the first message (msg).
function worker(body) {
  const w = new Worker(`
    const { parentPort } = require('worker_threads');
    const sabuf = require(${INDEX_JS});
    parentPort.once('message', async (msg) => { ${body} });`, { eval: true });
  w.messages = [];
  w.next = () => new Promise((resolve, reject) => {
    if (w.messages.length) return resolve(w.messages.shift());
    w.once('message', () => resolve(w.messages.shift()));
    w.once('error', reject);
  });
  w.on('message', (m) => w.messages.push(m));
  return w;
}

test('postMessage shares the buffer: both threads see each other\'s stores', async () => {
  const sab = sabuf.create(64);
  const ta = new Int32Array(sab);
  const w = worker(`
    const ta = new Int32Array(msg);
    Atomics.store(ta, 1, 42);
    parentPort.postMessage([msg instanceof SharedArrayBuffer, msg.byteLength, Atomics.load(ta, 0), sabuf.fd(msg)]);`);
  Atomics.store(ta, 0, 7);
  w.postMessage(sab);
  const [isSab, len, seen, fd] = await w.next();
  assert.deepStrictEqual([isSab, len, seen], [true, 64, 7]);
  assert.strictEqual(fd, sabuf.fd(sab), 'the same mapping, the same fd');
  assert.strictEqual(Atomics.load(ta, 1), 42);
  await w.terminate();
});

test('a worker waits (sabuf.wait), the main thread notifies', async () => {
  const sab = sabuf.create(16);
  const ta = new Int32Array(sab);
  const w = worker('parentPort.postMessage(sabuf.wait(new Int32Array(msg), 0, 0));');
  w.postMessage(sab);
  await untilSleeping(process.pid);
  Atomics.store(ta, 0, 1);
  assert.strictEqual(sabuf.notify(ta, 0), 1);
  assert.strictEqual(await w.next(), 'ok');
  await w.terminate();
});

test('the main thread waits, a worker notifies (and another process too)', async () => {
  const sab = sabuf.create(16);
  const ta = new Int32Array(sab);
  const w = worker(`
    await new Promise((r) => setTimeout(r, 100));
    parentPort.postMessage(sabuf.notify(new Int32Array(msg), 2));`);
  w.postMessage(sab);
  assert.strictEqual(sabuf.wait(ta, 2, 0, 20000), 'ok');
  assert.strictEqual(await w.next(), 1);
  await w.terminate();
});

test('waitAsync in a worker, settled by the main thread and by another process', async () => {
  const sab = sabuf.create(16);
  const ta = new Int32Array(sab);
  const w = worker(`
    const ta = new Int32Array(msg);
    for (let k = 0; k < 2; k++) {
      const r = sabuf.waitAsync(ta, 1, 0);
      parentPort.postMessage(r.async);
      parentPort.postMessage(await r.value);
    }`);
  w.postMessage(sab);
  assert.strictEqual(await w.next(), true);
  assert.strictEqual(sabuf.notify(ta, 1), 1);
  assert.strictEqual(await w.next(), 'ok');
  assert.strictEqual(await w.next(), true);
  assert.strictEqual(await node(sab, 'notify', '1').done, '1');
  assert.strictEqual(await w.next(), 'ok');
  await w.terminate();
});

test('a worker kept alive by a pending waitAsync exits by itself once it settles', async () => {
  const sab = sabuf.create(16);
  const w = worker('sabuf.waitAsync(new Int32Array(msg), 0, 0, 200).value.then((v) => parentPort.postMessage(v));');
  const exited = new Promise((resolve) => w.on('exit', resolve));
  w.postMessage(sab);
  assert.strictEqual(await w.next(), 'timed-out');
  assert.strictEqual(await exited, 0);
});

test('terminating a worker with pending waitAsyncs: they leave the queue unwoken', async () => {
  const sab = sabuf.create(16);
  const ta = new Int32Array(sab);
  const w = worker(`
    const ta = new Int32Array(msg);
    for (let k = 0; k < 3; k++) sabuf.waitAsync(ta, 0, 0);
    parentPort.postMessage('pending');`);
  w.postMessage(sab);
  assert.strictEqual(await w.next(), 'pending');
  // queued in the kernel (the Worker's waitset) once waitAsync returned
  const probe = sabuf.waitAsync(ta, 0, 0);   // the 4th in the FIFO queue
  await w.terminate();
  assert.strictEqual(sabuf.notify(ta, 0, 1), 1, 'only this thread\'s wait is left');
  assert.strictEqual(await probe.value, 'ok');
  assert.strictEqual(sabuf.notify(ta, 0), 0);
});

test('the mapping lives while any thread holds the buffer', async () => {
  const { setFlagsFromString } = require('v8');
  setFlagsFromString('--expose-gc');
  const gc = require('vm').runInNewContext('gc');
  const w = worker(`
    const ta = new Int32Array(msg);
    parentPort.on('message', () => parentPort.postMessage(Atomics.add(ta, 0, 1)));
    parentPort.postMessage('got it');`);
  let sab = sabuf.create(8);
  new Int32Array(sab)[0] = 100;
  w.postMessage(sab);
  assert.strictEqual(await w.next(), 'got it');
  sab = null;
  for (let k = 0; k < 3; k++) { gc(); await sleep(20); }
  w.postMessage('add');
  assert.strictEqual(await w.next(), 100);
  w.postMessage('add');
  assert.strictEqual(await w.next(), 101);
  await w.terminate();
});

test('many workers count to 4 x 10000 on one buffer (the seed\'s counter)', async () => {
  const sab = sabuf.create(8);
  const ws = [0, 1, 2, 3].map(() => worker(`
    const ta = new Int32Array(msg);
    for (let k = 0; k < 10000; k++) Atomics.add(ta, 0, 1);
    parentPort.postMessage('done');`));
  ws.forEach((w) => w.postMessage(sab));
  await Promise.all(ws.map((w) => w.next()));
  assert.strictEqual(Atomics.load(new Int32Array(sab), 0), 40000);
  await Promise.all(ws.map((w) => w.terminate()));
});
