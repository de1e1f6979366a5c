'use strict';
// sabuf.Mutex: libsabuf's robust sabuf_mutex_t from JavaScript, the same
// word as C's. Its arguments, lock/tryLock/unlock/consistent in one thread,
// mutual exclusion among Node and C processes, a holder killed (EOWNERDEAD,
// consistent(), ENOTRECOVERABLE), lockAsync's order and its free event
// loop, Workers (the owner is a thread), and a read-only handle (EBADF).
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const sabuf = require('..');
const { node, cpeer, CPEER, sleep, untilSleeping, threadCount } = require('../fixtures/helpers');

// os.constants.errno has no EOWNERDEAD nor ENOTRECOVERABLE (Linux's values)
const errno = { EOWNERDEAD: 130, ENOTRECOVERABLE: 131, ...require('os').constants.errno };

// A holder to be killed: its .done would reject (killed), unhandled.
function victim(child) {
  child.done.catch(() => {});
  return child;
}

// Wait until a peer says "locked" (or "pending") on stderr.
async function until(child, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  while (!new RegExp(`^${what}$`, 'm').test(child.stderrText())) {
    if (child.exitCode !== null) throw new Error(`process ${child.pid} exited (${child.exitCode}) before "${what}"`);
    if (Date.now() > end) throw new Error(`process ${child.pid}: no "${what}" after ${timeoutMs} ms`);
    await sleep(5);
  }
}

const isError = (c, syscall) => (err) => err instanceof Error && err.code === c && err.errno === -errno[c] &&
  (syscall === undefined || err.syscall === syscall);

test('arguments: the array type, a sabuf buffer, the index (each with the others valid)', () => {
  const sab = sabuf.create(64);
  const i32 = new Int32Array(sab);
  const poison = { valueOf() { throw new Error('the index must not be converted'); } };
  for (const bad of [undefined, null, 1, 'x', {}, [0, 0], new Uint32Array(sab), new BigInt64Array(sab),
    new Int16Array(sab), new Float64Array(sab), new Uint8Array(sab), new DataView(sab), sab]) {
    assert.throws(() => new sabuf.Mutex(bad, 0), TypeError);
    assert.throws(() => new sabuf.Mutex(bad, poison), TypeError);   // before the index
  }
  // not shared, not a sabuf buffer
  assert.throws(() => new sabuf.Mutex(new Int32Array(16), 0), TypeError);
  assert.throws(() => new sabuf.Mutex(new Int32Array(new SharedArrayBuffer(64)), 0), TypeError);
  assert.throws(() => new sabuf.Mutex(new Int32Array(new SharedArrayBuffer(64)), poison), TypeError);
  // the index: ToIndex, then < length
  for (const bad of [16, 17, -1, 2 ** 53, Infinity, -Infinity]) {
    assert.throws(() => new sabuf.Mutex(i32, bad), RangeError, String(bad));
  }
  assert.throws(() => new sabuf.Mutex(i32.subarray(4, 8), 4), RangeError);
  assert.throws(() => new sabuf.Mutex(i32, Symbol('i')), TypeError);
  assert.throws(() => sabuf.Mutex(i32, 0), TypeError);              // a class: new only
  // accepted: undefined and NaN are 0, fractions truncate, strings convert;
  // an Int32Array's elements are all 4-aligned, sabuf_mutex_t's size
  for (const [index, word] of [[undefined, 0], [NaN, 0], [1.9, 1], ['3', 3], [15, 15]]) {
    const m = new sabuf.Mutex(i32, index);
    m.lock();
    assert.notStrictEqual(Atomics.load(i32, word), 0, `index ${String(index)}`);
    m.unlock();
    assert.strictEqual(Atomics.load(i32, word), 0);
  }
  const sub = i32.subarray(5);                                       // byteOffset 20
  const m = new sabuf.Mutex(sub, 2);
  m.lock();
  assert.notStrictEqual(Atomics.load(i32, 7), 0);
  m.unlock();
  assert.strictEqual(typeof sabuf.Mutex, 'function');
  for (const k of ['lock', 'tryLock', 'unlock', 'lockAsync', 'consistent']) {
    assert.strictEqual(typeof sabuf.Mutex.prototype[k], 'function', k);
  }
});

test('one thread: lock, tryLock busy, EDEADLK, unlock, EPERM, consistent EINVAL', async () => {
  const i32 = new Int32Array(sabuf.create(16));
  const m = new sabuf.Mutex(i32, 1);
  assert.strictEqual(m.tryLock(), true);
  assert.notStrictEqual(Atomics.load(i32, 1), 0);
  assert.strictEqual(m.tryLock(), false);                             // held by this thread: busy
  assert.throws(() => m.lock(), isError('EDEADLK', 'sabuf_mutex_lock'));
  assert.throws(() => m.consistent(), isError('EINVAL', 'sabuf_mutex_consistent'));
  m.unlock();
  assert.strictEqual(Atomics.load(i32, 1), 0);
  assert.throws(() => m.unlock(), isError('EPERM', 'sabuf_mutex_unlock'));
  m.lock();
  const other = new sabuf.Mutex(i32, 1);                               // the same word, another object
  assert.strictEqual(other.tryLock(), false);
  other.unlock();                                                      // the owner is the thread
  assert.strictEqual(Atomics.load(i32, 1), 0);
  await m.lockAsync();                                                 // free: taken at once
  assert.notStrictEqual(Atomics.load(i32, 1), 0);
  m.unlock();
});

test('C and JavaScript lock the same word', async () => {
  const sab = sabuf.create(16);
  const i32 = new Int32Array(sab);
  const m = new sabuf.Mutex(i32, 0);
  m.lock();
  assert.strictEqual(await cpeer(sab, 'trylock', '0').done, 'EBUSY');
  assert.strictEqual(await cpeer(sab, 'unlock', '0').done, 'EPERM');
  m.unlock();
  assert.strictEqual(await cpeer(sab, 'trylock', '0').done, '0');
  // C holds it until int32[2] is set: tryLock is false, unlock is EPERM,
  // lockAsync resolves once C unlocks
  const c = cpeer(sab, 'lockwait', '0', '2');
  await until(c, 'locked');
  assert.strictEqual(m.tryLock(), false);
  assert.throws(() => m.unlock(), isError('EPERM'));
  const p = m.lockAsync();
  await sleep(100);
  Atomics.store(i32, 2, 1);
  await p;
  assert.strictEqual(await c.done, '0 0');                            // C unlocked before we got it
  m.unlock();
  // and a C locker blocked while JavaScript holds it
  m.lock();
  const c2 = cpeer(sab, 'lock', '0', '0');
  await untilSleeping(c2.pid);
  m.unlock();
  assert.strictEqual(await c2.done, '0 0');
});

test('mutual exclusion: Node (lock and lockAsync) and C processes, plain ++ under the mutex, exact count', async () => {
  const sab = sabuf.create(16);
  const i32 = new Int32Array(sab);
  const N = 2000;
  const peers = [
    node(sab, 'mcount', '0', String(N)),
    node(sab, 'mcount', '0', String(N)),
    node(sab, 'mcount', '0', String(N), 'async'),
    cpeer(sab, 'count', '0', String(N)),
    cpeer(sab, 'count', '0', String(N)),
  ];
  // this process too, with lockAsync, its loop free
  const m = new sabuf.Mutex(i32, 0);
  for (let k = 0; k < N; k++) {
    await m.lockAsync();
    i32[1] = i32[1] + 1;
    m.unlock();
  }
  for (const p of peers) assert.strictEqual(await p.done, 'done');
  assert.strictEqual(i32[1], 6 * N);
  assert.strictEqual(Atomics.load(i32, 0), 0);
});

test('a holder killed: EOWNERDEAD with consistent() for lock, tryLock and a pending lockAsync; then ENOTRECOVERABLE', async () => {
  const sab = sabuf.create(32);
  const i32 = new Int32Array(sab);

  // lock() after the holder (C) died
  let h = victim(cpeer(sab, 'lock', '0', '-1'));
  await until(h, 'locked');
  h.kill('SIGKILL');
  await h.exited;
  const m = new sabuf.Mutex(i32, 0);
  let caught;
  try {
    m.lock();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error);
  assert.strictEqual(caught.code, 'EOWNERDEAD');
  assert.strictEqual(caught.errno, -errno.EOWNERDEAD);
  assert.strictEqual(caught.syscall, 'sabuf_mutex_lock');
  assert.strictEqual(typeof caught.consistent, 'function');
  assert.strictEqual(m.tryLock(), false);                              // we hold it
  caught.consistent();
  assert.throws(() => caught.consistent(), isError('EINVAL'));        // only once
  m.unlock();
  assert.strictEqual(await cpeer(sab, 'trylock', '0').done, '0');    // usable again, from C too

  // tryLock() after the holder (Node) died
  h = victim(node(sab, 'mlock', '0', '-1'));
  await until(h, 'locked');
  h.kill('SIGKILL');
  await h.exited;
  assert.throws(() => m.tryLock(), (err) => {
    if (err.code !== 'EOWNERDEAD' || err.syscall !== 'sabuf_mutex_trylock') return false;
    err.consistent();
    return true;
  });
  m.unlock();

  // a lockAsync pending when the holder is killed (the kernel does not wake
  // an asynchronous waiter: the loop's check finds the holder dead)
  h = victim(cpeer(sab, 'lock', '0', '-1'));
  await until(h, 'locked');
  const p = m.lockAsync();
  await sleep(50);
  h.kill('SIGKILL');
  const err = await p.then(() => null, (e) => e);
  assert.ok(err && err.code === 'EOWNERDEAD', String(err));
  m.unlock();                            // held, never made consistent: now unrecoverable
  assert.throws(() => m.lock(), isError('ENOTRECOVERABLE', 'sabuf_mutex_lock'));
  assert.throws(() => m.tryLock(), isError('ENOTRECOVERABLE'));
  await assert.rejects(m.lockAsync(), isError('ENOTRECOVERABLE'));
  assert.strictEqual(await cpeer(sab, 'trylock', '0').done, 'ENOTRECOVERABLE');

  // a Node process asleep in lock() is woken by its holder's death
  const m2 = new sabuf.Mutex(i32, 2);
  h = victim(node(sab, 'mlock', '2', '-1'));
  await until(h, 'locked');
  const sleeper = node(sab, 'mlock', '2', '0');
  await untilSleeping(sleeper.pid);
  h.kill('SIGKILL');
  assert.strictEqual(await sleeper.done, 'EOWNERDEAD 0');
  assert.strictEqual(m2.tryLock(), true);                              // it was made consistent
  m2.unlock();

  // a pending lockAsync when an owner-dead holder unlocks without consistent()
  const m3 = new sabuf.Mutex(i32, 4);
  h = victim(cpeer(sab, 'lock', '4', '-1'));
  await until(h, 'locked');
  h.kill('SIGKILL');
  await h.exited;
  assert.throws(() => m3.lock(), isError('EOWNERDEAD'));               // this thread holds it
  const w = node(sab, 'mlockAsync', '4');
  await until(w, 'pending');
  await sleep(100);
  m3.unlock();                                                          // not made consistent
  assert.strictEqual(await w.done, 'ENOTRECOVERABLE EPERM');
});

test('lockAsync: this thread\'s calls in order, FIFO with other processes\' lockers, the loop free', async () => {
  const sab = sabuf.create(32);
  const i32 = new Int32Array(sab);
  const m = new sabuf.Mutex(i32, 0);
  const threads = threadCount();

  // three lockAsyncs while this thread holds it: served in call order, each
  // once the previous one unlocked
  m.lock();
  const order = [];
  const all = [0, 1, 2].map((k) => m.lockAsync().then(() => {
    order.push(k);
    return sleep(20).then(() => m.unlock());
  }));
  assert.deepStrictEqual(order, []);
  await sleep(50);
  assert.deepStrictEqual(order, []);
  m.unlock();
  await Promise.all(all);
  assert.deepStrictEqual(order, [0, 1, 2]);
  assert.strictEqual(Atomics.load(i32, 0), 0);

  // a Node process asleep in lock() first, then this thread's lockAsync:
  // the unlock goes to the older waiter
  m.lock();
  const first = node(sab, 'mlock', '0', '200');
  await untilSleeping(first.pid);
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  const p = m.lockAsync().then(() => Atomics.load(i32, 0));
  const t0 = Date.now();
  m.unlock();
  const heldBy = await p;
  assert.notStrictEqual(heldBy, 0);
  assert.ok(Date.now() - t0 >= 150, 'the older waiter (holding 200 ms) had it first');
  assert.strictEqual(await first.done, '0 0');                         // it had it first, for 200 ms
  clearInterval(timer);
  assert.ok(ticks >= 5, `the event loop ran while lockAsync waited (${ticks} ticks)`);
  m.unlock();

  // a C holder until int32[4] is set: the loop keeps running, no thread is added
  const c = cpeer(sab, 'lockwait', '0', '4');
  await until(c, 'locked');
  ticks = 0;
  const t2 = setInterval(() => { ticks++; }, 10);
  let acquired = false;
  const p2 = m.lockAsync().then(() => { acquired = true; });
  await sleep(200);
  assert.strictEqual(acquired, false, 'C still holds it');
  assert.ok(ticks >= 5, `the event loop ran while lockAsync waited (${ticks} ticks)`);
  Atomics.store(i32, 4, 1);
  await p2;
  clearInterval(t2);
  assert.ok(threadCount() <= threads + 1, 'no thread per lockAsync');
  m.unlock();
  assert.strictEqual(await c.done, '0 0');
});

test('lock() while this thread has a lockAsync pending on the same mutex: lock first, then the lockAsync', async () => {
  const sab = sabuf.create(16);
  const i32 = new Int32Array(sab);
  const m = new sabuf.Mutex(i32, 0);
  const c = cpeer(sab, 'lockwait', '0', '2');
  await until(c, 'locked');
  let acquired = false;
  const p = m.lockAsync().then(() => { acquired = true; });
  // C lets go 500 ms from now (a Worker sets its flag while this thread sleeps)
  const setter = new Worker(`const { workerData } = require('worker_threads');
    setTimeout(() => Atomics.store(new Int32Array(workerData), 2, 1), 500);`, { eval: true, workerData: sab });
  // the lockAsync's wait is older, but this thread cannot serve it while it
  // sleeps in lock(): lock() takes it out of the queue, then puts it back
  m.lock();
  assert.notStrictEqual(Atomics.load(i32, 0), 0);
  await sleep(50);
  assert.strictEqual(acquired, false, 'the lockAsync waits for this thread\'s unlock');
  m.unlock();
  await p;
  assert.strictEqual(acquired, true);
  m.unlock();
  assert.strictEqual(Atomics.load(i32, 0), 0);
  assert.strictEqual(await c.done, '0 0');
  await setter.terminate();
});

test('a pending lockAsync keeps the process alive, and it exits once served', async () => {
  const sab = sabuf.create(16);
  const m = new sabuf.Mutex(new Int32Array(sab), 0);
  m.lock();
  const w = node(sab, 'mlockAsync', '0');   // nothing else keeps its loop alive
  await until(w, 'pending');
  await sleep(300);
  assert.strictEqual(w.exitCode, null, 'alive while its lockAsync is pending');
  m.unlock();
  assert.strictEqual(await w.done, '0 0');
});

test('Workers: the owner is a thread', async () => {
  const sab = sabuf.create(16);
  const i32 = new Int32Array(sab);
  const m = new sabuf.Mutex(i32, 0);
  const src = `
    const { parentPort, workerData } = require('worker_threads');
    const sabuf = require(workerData.pkg);
    const m = new sabuf.Mutex(new Int32Array(workerData.sab), 0);
    if (workerData.op === 'hold') { m.lock(); parentPort.postMessage('locked'); }
    else { m.lockAsync().then(() => parentPort.postMessage('acquired')); parentPort.postMessage('pending'); }
    parentPort.on('message', (msg) => { if (msg === 'unlock') { m.unlock(); parentPort.postMessage('unlocked'); } });
  `;
  const start = (op) => {
    const w = new Worker(src, { eval: true, workerData: { pkg: path.join(__dirname, '..'), sab, op } });
    const msgs = [];
    w.on('message', (x) => msgs.push(x));
    w.until = async (x) => { while (!msgs.includes(x)) await sleep(5); };
    return w;
  };

  let w = start('hold');
  await w.until('locked');
  assert.strictEqual(m.tryLock(), false);
  assert.throws(() => m.unlock(), isError('EPERM'));                   // another thread's
  w.postMessage('unlock');
  await w.until('unlocked');
  assert.strictEqual(m.tryLock(), true);
  m.unlock();
  await w.terminate();

  // a Worker that ends holding it: its thread is dead
  w = start('hold');
  await w.until('locked');
  await w.terminate();
  assert.throws(() => m.lock(), (err) => err.code === 'EOWNERDEAD' && (err.consistent(), true));
  // a Worker terminated with a lockAsync pending: gone from the queue
  const w2 = start('async');
  await w2.until('pending');
  await sleep(50);
  await w2.terminate();
  const c = cpeer(sab, 'lock', '0', '0');
  await untilSleeping(c.pid);
  m.unlock();
  assert.strictEqual(await c.done, '0 0');                             // the unlock reached C
  assert.strictEqual(Atomics.load(i32, 0), 0);
});

test('a read-only handle: every call is EBADF, as in C', async () => {
  const sab = sabuf.create(16);
  const script = `
    const sabuf = require(process.argv[1]);
    const m = new sabuf.Mutex(new Int32Array(sabuf.attach(3)), 0);
    const code = (fn) => { try { fn(); return '0'; } catch (err) { return err.code; } };
    const r = [code(() => m.lock()), code(() => m.tryLock()), code(() => m.unlock()), code(() => m.consistent())];
    m.lockAsync().then(() => '0', (err) => err.code).then((a) => console.log([...r, a].join(' ')));
  `;
  const child = spawn(CPEER, ['3', 'ro-exec', '0', process.execPath, '-e', script, path.join(__dirname, '..')],
                      { stdio: ['ignore', 'pipe', 'inherit', sabuf.fd(sab)] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const status = await new Promise((resolve) => child.on('close', resolve));
  assert.strictEqual(status, 0);
  assert.strictEqual(out.trim(), 'EBADF EBADF EBADF EBADF EBADF');
  assert.strictEqual(Atomics.load(new Int32Array(sab), 0), 0);
});
