// The declarations as a CommonJS TypeScript user sees them (require).
// Every line marked @ts-expect-error must be an error: tsc fails if not.
import sabuf = require('sabuf');

const sab: SharedArrayBuffer = sabuf.create(64);
const same: SharedArrayBuffer = sabuf.attach(sabuf.fd(sab));
const i32 = new Int32Array(sab);
const i64 = new BigInt64Array(same);

const r1: 'ok' | 'not-equal' | 'timed-out' = sabuf.wait(i32, 0, 0, 10);
const r2: sabuf.WaitResult = sabuf.wait(i64, 0, 0n);
const woken: number = sabuf.notify(i32, 0) + sabuf.notify(i64, 1, 1);

async function later(): Promise<sabuf.WaitResult> {
  const w: sabuf.WaitAsyncResult = sabuf.waitAsync(i32, 1, 0, 100);
  if (w.async) {
    const settled: 'ok' | 'timed-out' = await w.value;
    return settled;
  }
  const now: 'not-equal' | 'timed-out' = w.value;
  return now;
}

function failed(err: unknown): string | undefined {
  return (err as sabuf.SystemError).code;
}

const m = new sabuf.Mutex(i32, 2);
m.lock();
const got: boolean = m.tryLock();
m.unlock();
async function critical(): Promise<void> {
  try {
    await m.lockAsync();
  } catch (err) {
    const dead = err as sabuf.OwnerDeadError;
    if (dead.code !== 'EOWNERDEAD') throw err;
    dead.consistent();
  }
  m.unlock();
}

// @ts-expect-error a Mutex is on an Int32Array
new sabuf.Mutex(i64, 0);
// @ts-expect-error tryLock says true or false
const no: string = m.tryLock();
// @ts-expect-error a BigInt64Array waits on a bigint
sabuf.wait(i64, 0, 0);
// @ts-expect-error an Int32Array waits on a number
sabuf.wait(i32, 0, 0n);
// @ts-expect-error only Int32Array and BigInt64Array
sabuf.notify(new Uint32Array(sab), 0);
// @ts-expect-error waitAsync's value is a Promise only when async is true
sabuf.waitAsync(i32, 0, 0).value.then;
// @ts-expect-error a SharedArrayBuffer, not a typed array
sabuf.fd(i32);

export { r1, r2, woken, later, failed, got, critical, no };
