'use strict';
// sabuf for Node.js: a real SharedArrayBuffer on a /dev/sabuf buffer, and
// Atomics.wait / waitAsync / notify whose waiters may be in any process,
// JavaScript or C. See README.md.
//
// This file does every ECMAScript step of Atomics.wait, Atomics.waitAsync
// and Atomics.notify (ES2024, 25.4.3.14 DoWait, 25.4.15 Atomics.notify) in
// the spec's order: ValidateIntegerTypedArray (TypeError), the buffer check
// (TypeError: here it must be a sabuf SharedArrayBuffer), ValidateAtomicAccess
// (ToIndex: RangeError), ToInt32 / ToBigInt64 of the value, ToNumber of the
// timeout (NaN and +Infinity: forever; negative: 0), ToIntegerOrInfinity of
// the count. The native addon (src/addon.c) gets checked numbers only.

const util = require('util');
const path = require('path');

function loadAddon() {
  const candidates = [];
  if (process.env.SABUF_NODE_ADDON) candidates.push(process.env.SABUF_NODE_ADDON);
  candidates.push(
    path.join(__dirname, 'sabuf.node'),                            // staged package, make install
    path.join(__dirname, 'build', 'sabuf-node', 'sabuf.node'),          // the build/ link (make)
    path.join(__dirname, 'build', 'Release', 'sabuf.node'),        // node-gyp's place
    path.join(__dirname, '..', '..', 'build', 'node', 'sabuf-node', 'sabuf.node'), // in the source tree
  );
  let first;
  for (const file of candidates) {
    try {
      return require(file);
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(file)) throw err;
      first = first || err;
    }
  }
  const err = new Error(`sabuf: the native addon is not built (looked for ${candidates.join(', ')}); ` +
                        'run `make -C bindings/node` (or `make node`) first');
  err.code = 'MODULE_NOT_FOUND';
  err.cause = first;
  throw err;
}

const native = loadAddon();

// The intrinsics, taken now: a typed array's own or inherited "buffer",
// "length", ... properties can be overridden, its internal slots cannot.
// uncurry(f)(x, ...args) is f.call(x, ...args), immune to a patched .call.
const uncurry = Function.prototype.bind.bind(Function.prototype.call);
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype);
const intrinsic = (key) => uncurry(Object.getOwnPropertyDescriptor(TypedArrayPrototype, key).get);
const taName = intrinsic(Symbol.toStringTag);   // undefined for anything but a typed array
const taBuffer = intrinsic('buffer');
const taLength = intrinsic('length');
const taByteOffset = intrinsic('byteOffset');
// %TypedArray%.prototype.at does ValidateTypedArray (TypeError when the
// array is detached or out of bounds) and, at -Infinity, nothing else.
const taAt = uncurry(TypedArrayPrototype.at);
const { isSharedArrayBuffer } = util.types;
const asIntN = BigInt.asIntN;
const { trunc, max } = Math;
const U8 = Uint8Array;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const weakGet = uncurry(WeakMap.prototype.get);
const weakSet = uncurry(WeakMap.prototype.set);

const RESULTS = ['ok', 'not-equal', 'timed-out'];

// SharedArrayBuffer -> native handle of its mapping, or null for one that is
// not a sabuf buffer. A buffer that came by postMessage is a new object in
// this isolate: the addon finds its mapping by address. Only
// SharedArrayBuffers are keys, so a hit needs no other check.
const handles = new WeakMap();

// The handle of buffer's mapping, or null (not a sabuf SharedArrayBuffer).
function handleOf(buffer) {
  let h = weakGet(handles, buffer);
  if (h === undefined) {
    if (!isSharedArrayBuffer(buffer)) return null;
    h = native.handle(new U8(buffer));
    weakSet(handles, buffer, h);
  }
  return h;
}

function toIntegerOrInfinity(value) {
  const n = +value;                 // ToNumber: TypeError for a BigInt or a Symbol
  if (n !== n || n === 0) return 0;
  return trunc(n);
}

function toIndex(value, what) {
  const n = toIntegerOrInfinity(value);
  if (n < 0 || n > MAX_SAFE) throw new RangeError(`${what} must be an integer in [0, 2^53 - 1], got ${String(n)}`);
  return n;
}

// ValidateIntegerTypedArray(ta, waitable = true): returns true for a BigInt64Array.
function validateWaitable(ta, fn) {
  const name = typeof ta === 'object' && ta !== null ? taName(ta) : undefined;
  if (name === 'Int32Array') return false;
  if (name === 'BigInt64Array') return true;
  throw new TypeError(`sabuf.${fn}: the first argument must be an Int32Array or a BigInt64Array` +
                      (name ? `, not a ${name}` : ''));
}

function sabufHandle(ta, fn) {
  const buffer = taBuffer(ta);
  const h = handleOf(buffer);
  if (h === null) {
    throw new TypeError(`sabuf.${fn}: the typed array must be on a SharedArrayBuffer made by ` +
                        'sabuf.create() or sabuf.attach()' +
                        (isSharedArrayBuffer(buffer) ? '' : ' (this one is not even shared)'));
  }
  return h;
}

// ValidateAtomicAccess: the array's length, read before the index is
// converted (whose valueOf may grow, shrink or detach the buffer), then the
// index, checked against that length.
function atomicAccess(ta, index) {
  const length = taLength(ta);
  const i = toIndex(index, 'index');
  if (i >= length) throw new RangeError(`index ${i} is out of range (length ${length})`);
  return i;
}

function toTimeout(timeout) {
  const q = +timeout;
  if (q !== q || q === Infinity) return Infinity;
  if (q === -Infinity) return 0;
  return max(q, 0);
}

// DoWait's steps up to the timeout; then wait or waitAsync proper.
function doWait(ta, index, value, timeout, sync) {
  const fn = sync ? 'wait' : 'waitAsync';
  const is64 = validateWaitable(ta, fn);
  const h = sabufHandle(ta, fn);
  const i = atomicAccess(ta, index);
  const v = is64 ? asIntN(64, value) : (+value) | 0;   // ToBigInt64 (TypeError for a Number) / ToInt32
  const t = toTimeout(timeout);
  const off = taByteOffset(ta) + i * (is64 ? 8 : 4);
  if (sync) return RESULTS[is64 ? native.wait64(h, off, v, t) : native.wait32(h, off, v, t)];
  // libsabuf's sabuf_wait*_async settles at once, with no system call, what
  // it can (the word differs: 1; a timeout of 0: 2); else the wait is
  // queued in the kernel and r is its promise.
  const r = native.waitAsync(h, off, v, is64, t);
  if (typeof r === 'number') return { async: false, value: RESULTS[r] };
  return { async: true, value: r };
}

// The API's functions are methods, as built-ins are: not constructors (new
// sabuf.notify(...) is a TypeError), no prototype, and length and name are
// those of the function (wait 4, waitAsync 4, notify 3).
// ---- named buffers: unrelated processes meet by name (sabuf_open(3)) ----

function checkName(name, fn) {
  if (typeof name !== 'string') {
    const err = new TypeError(`sabuf.${fn}: name must be a string, got ${typeof name}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  if (name.includes('\0')) {
    const err = new TypeError(`sabuf.${fn}: name must not contain a NUL character`);
    err.code = 'ERR_INVALID_ARG_VALUE';
    throw err;
  }
}

/**
 * The SharedArrayBuffer of the buffer called name (in this IPC namespace),
 * read-write. options: { create: false, exclusive: false, mode: 0o666,
 * byteLength } — create makes it (zero-filled, byteLength >= 1, mode &
 * ~umask) when the name is free; with exclusive too, an existing name
 * throws code 'EEXIST'. Without create, a missing name throws 'ENOENT'.
 * Errors carry code, errno and syscall as Node's system errors do.
 */
function openNamed(name, options) {
  checkName(name, 'open');
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    const err = new TypeError('sabuf.open: options must be an object');
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const o = options === undefined ? {} : options;
  const create = !!o.create;
  const exclusive = !!o.exclusive;
  let mode = 0o666;
  if (o.mode !== undefined) {
    mode = o.mode;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      const err = new RangeError(`sabuf.open: mode must be an integer in [0, 0o777], got ${String(mode)}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
  }
  let n = 0;
  if (create) {
    n = toIndex(o.byteLength, 'byteLength');
    if (n === 0) throw new RangeError('sabuf.open: byteLength must be at least 1 to create a buffer');
  }
  return native.open(name, create, exclusive, mode, n);
}

/** Remove a name (holders keep their buffer); throws code 'ENOENT', 'EPERM', ... */
function unlinkNamed(name) {
  checkName(name, 'unlink');
  native.unlink(name);
}

// ---- Mutex: libsabuf's robust sabuf_mutex_t, shared with C ----

const { EOWNERDEAD, EBUSY } = native.errnos;   // os.constants.errno has no EOWNERDEAD
const MUTEX_BYTES = 4;                  // sizeof (and alignment of) sabuf_mutex_t: one int32

// The Error of a failed mutex call, as Node's system errors (code, errno,
// syscall); an owner-dead one carries consistent(): the caller holds the
// mutex and, once the data it guards is repaired, calls it.
function mutexError(mutex, r, syscall) {
  const err = native.errnoError(-r, syscall);
  if (r === -EOWNERDEAD) err.consistent = () => mutex.consistent();
  return err;
}

/**
 * A robust cross-process mutex: libsabuf's sabuf_mutex_t in the element
 * int32Array[index] of a sabuf SharedArrayBuffer (C programs lock the same
 * word with sabuf_mutex_lock(3)). Held by a thread (the main thread, a
 * Worker); if that thread or its process ends holding it, the next locker
 * gets it with an Error whose code is 'EOWNERDEAD' and which has consistent().
 */
class Mutex {
  #h;
  #off;
  #buffer;                              // keeps the mapping alive

  constructor(int32Array, index) {
    const name = typeof int32Array === 'object' && int32Array !== null ? taName(int32Array) : undefined;
    if (name !== 'Int32Array') {
      throw new TypeError('sabuf.Mutex: the first argument must be an Int32Array' + (name ? `, not a ${name}` : ''));
    }
    const h = sabufHandle(int32Array, 'Mutex');
    const i = atomicAccess(int32Array, index);
    const off = taByteOffset(int32Array) + i * 4;
    // an Int32Array's elements are 4-aligned: every index is a sabuf_mutex_t's place
    if (off % MUTEX_BYTES !== 0) throw new RangeError(`sabuf.Mutex: byte offset ${off} is not a multiple of ${MUTEX_BYTES}`);
    this.#h = h;
    this.#off = off;
    this.#buffer = taBuffer(int32Array);
  }

  /** Blocks until this thread holds it (as sabuf.wait may block); throws EOWNERDEAD (held), EDEADLK, ENOTRECOVERABLE, EBADF. */
  lock() {
    const r = native.mutexLock(this.#h, this.#off);
    if (r !== 0) throw mutexError(this, r, 'sabuf_mutex_lock');
  }

  /** true: now held; false: held by someone (this thread included); throws EOWNERDEAD (held), ENOTRECOVERABLE, EBADF. */
  tryLock() {
    const r = native.mutexTryLock(this.#h, this.#off);
    if (r === 0) return true;
    if (r === -EBUSY) return false;
    throw mutexError(this, r, 'sabuf_mutex_trylock');
  }

  /** Releases it; throws EPERM when this thread does not hold it. */
  unlock() {
    const r = native.mutexUnlock(this.#h, this.#off);
    if (r !== 0) throw mutexError(this, r, 'sabuf_mutex_unlock');
  }

  /** After EOWNERDEAD, once the data is repaired; throws EINVAL otherwise. */
  consistent() {
    const r = native.mutexConsistent(this.#h, this.#off);
    if (r !== 0) throw mutexError(this, r, 'sabuf_mutex_consistent');
  }

  /**
   * A Promise that resolves once this thread holds it, the event loop free
   * meanwhile (a wait on the environment's waitset, as waitAsync's); rejects
   * with EOWNERDEAD (then held), ENOTRECOVERABLE, EBADF. While this thread
   * holds it, it waits for this thread's unlock; this thread's lockAsyncs
   * are served in call order.
   */
  lockAsync() {
    const r = native.mutexLockAsync(this.#h, this.#off);
    if (typeof r === 'number') return r === 0 ? Promise.resolve() : Promise.reject(mutexError(this, r, 'sabuf_mutex_lock'));
    return r.then((x) => {
      if (x !== 0) throw mutexError(this, x, 'sabuf_mutex_lock');
    });
  }
}

module.exports = {
  /** A new SharedArrayBuffer of byteLength zero-filled bytes on a /dev/sabuf buffer. */
  create(byteLength) {
    const n = toIndex(byteLength, 'byteLength');
    if (n === 0) throw new RangeError('sabuf.create: byteLength must be at least 1 (a /dev/sabuf buffer is never empty)');
    return native.create(n);
  },

  /** The SharedArrayBuffer of a buffer fd (inherited, received); the fd is dup'ed, yours to close. */
  attach(fd) {
    if (typeof fd !== 'number') {
      const err = new TypeError(`sabuf.attach: fd must be a number, got ${typeof fd}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      const err = new RangeError(`sabuf.attach: fd must be an integer >= 0 and <= 2147483647, got ${fd}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
    return native.attach(fd);
  },

  /** This process's fd of the buffer under sab (owned by the buffer: do not close it). */
  fd(sab) {
    const h = handleOf(sab);
    if (h === null) throw new TypeError('sabuf.fd: the argument must be a SharedArrayBuffer made by sabuf.create() or sabuf.attach()');
    return native.fd(h);
  },

  /** sabuf_open(3): the buffer called name, made with options.create if need be. */
  open(name, options) {
    return openNamed(name, options);
  },

  /** sabuf_unlink(3): remove a name; holders keep their buffer. */
  unlink(name) {
    unlinkNamed(name);
  },

  /** Atomics.wait, with waiters in every process: 'ok' | 'not-equal' | 'timed-out'. */
  wait(ta, index, value, timeout) {
    return doWait(ta, index, value, timeout, true);
  },

  /** Atomics.waitAsync: { async: false, value } or { async: true, value: Promise<'ok' | 'timed-out'> }. */
  waitAsync(ta, index, value, timeout) {
    return doWait(ta, index, value, timeout, false);
  },

  /** A robust cross-process mutex on int32Array[index], the same word as a C sabuf_mutex_t. */
  Mutex,

  /** Atomics.notify: wakes up to count (default: all) waiters of ta[index], in FIFO order, in every process. */
  notify(ta, index, count) {
    const is64 = validateWaitable(ta, 'notify');
    const buffer = taBuffer(ta);
    let h = weakGet(handles, buffer);
    if (h === undefined) {
      if (!isSharedArrayBuffer(buffer)) {
        // Not shared: nobody can wait on it. Atomics.notify's steps, done
        // here (not by the running V8's Atomics.notify, whose order may be
        // older): ValidateTypedArray's TypeError for a detached or
        // out-of-bounds array, the length, the index, the count; then 0.
        taAt(ta, -Infinity);
        atomicAccess(ta, index);
        if (count !== undefined) toIntegerOrInfinity(count);
        return 0;
      }
      h = handleOf(buffer);
    }
    if (h === null) sabufHandle(ta, 'notify');   // throws the TypeError
    const i = atomicAccess(ta, index);
    const c = count === undefined ? Infinity : max(toIntegerOrInfinity(count), 0);
    return native.notify(h, taByteOffset(ta) + i * (is64 ? 8 : 4), c);
  },
};
