// The declarations as an ES module TypeScript user sees them (import):
// the default export and the named ones.
import sabuf, { create, wait, waitAsync, notify, Mutex, type WaitResult, type WaitAsyncResult, type OwnerDeadError } from 'sabuf';

const i32 = new Int32Array(create(8));
const r: WaitResult = wait(i32, 0, 1);
const w: WaitAsyncResult = waitAsync(i32, 0, 0);
if (w.async) await w.value;
const n: number = notify(i32, 0, Infinity);
const f: typeof sabuf.fd = sabuf.fd;
const mutex: Mutex = new Mutex(i32, 1);
try {
  await mutex.lockAsync();
} catch (err) {
  (err as OwnerDeadError).consistent();
}
mutex.unlock();
const same: typeof sabuf.Mutex = Mutex;

// @ts-expect-error notify's count is a number
notify(i32, 0, '1');
// @ts-expect-error create takes a byte length
create();

export { r, n, f, same };
