// TypeScript declarations of the package `sabuf` (require('sabuf'), and
// `import` through index.d.mts). The calls mirror Atomics.wait,
// Atomics.waitAsync and Atomics.notify; see README.md for the semantics.

declare namespace sabuf {
  /** A result of wait, or of a waitAsync's promise ('ok' and 'timed-out' only there). */
  type WaitResult = 'ok' | 'not-equal' | 'timed-out';

  /** The typed arrays the waiting calls take: on a buffer from create() or attach(). */
  type WaitableArray = Int32Array | BigInt64Array;

  /** What waitAsync returns, as Atomics.waitAsync does. */
  type WaitAsyncResult =
    | { async: false; value: 'not-equal' | 'timed-out' }
    | { async: true; value: Promise<'ok' | 'timed-out'> };

  /** The Error of a failed system call (no /dev/sabuf: ENOENT; a bad fd: EBADF). */
  interface SystemError extends Error {
    code: string;
    errno: number;
    syscall: string;
  }

  /**
   * A new SharedArrayBuffer of byteLength zero-filled bytes on a /dev/sabuf
   * buffer. RangeError for 0, and over the module's caps (code ENOMEM,
   * EDQUOT, EFBIG).
   */
  function create(byteLength: number): SharedArrayBuffer;

  /**
   * The SharedArrayBuffer of a /dev/sabuf buffer fd (inherited, received).
   * The fd is duplicated: the caller still owns it.
   */
  function attach(fd: number): SharedArrayBuffer;

  /** This process's fd of the buffer under sab: owned by the buffer, do not close it. */
  function fd(sab: SharedArrayBuffer): number;

  /**
   * Atomics.wait, with waiters in every process: sleeps while ta[index] is
   * value, for at most timeoutMs (missing, NaN, Infinity: forever).
   */
  function wait(ta: Int32Array, index: number, value: number, timeoutMs?: number): WaitResult;
  function wait(ta: BigInt64Array, index: number, value: bigint, timeoutMs?: number): WaitResult;

  /** Atomics.waitAsync: the wait is queued in the kernel; the event loop stays free. */
  function waitAsync(ta: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult;
  function waitAsync(ta: BigInt64Array, index: number, value: bigint, timeoutMs?: number): WaitAsyncResult;

  /**
   * Atomics.notify: wakes up to count (missing: all) waiters of ta[index],
   * oldest first, in every process; returns how many it woke.
   */
  function notify(ta: WaitableArray, index: number, count?: number): number;

  /** Options of open(): as sabuf_open(3)'s O_CREAT, O_EXCL, mode and byte_length. */
  interface OpenOptions {
    /** Make the buffer when the name is free (default false). */
    create?: boolean;
    /** With create: throw code 'EEXIST' when the name exists (default false). */
    exclusive?: boolean;
    /** Permission bits of a new buffer, before the umask (default 0o666). */
    mode?: number;
    /** A new buffer's byte length, >= 1 (required with create). */
    byteLength?: number;
  }

  /**
   * The SharedArrayBuffer of the buffer called name in this IPC namespace,
   * read-write; unrelated processes meet by name. Errors carry code
   * ('ENOENT', 'EEXIST', 'EACCES', 'EINVAL', 'ENAMETOOLONG', ...).
   */
  function open(name: string, options?: OpenOptions): SharedArrayBuffer;

  /** Remove a name at once; holders keep their buffer (code 'ENOENT', 'EPERM'). */
  function unlink(name: string): void;

  /**
   * The Error of a mutex call that found its last holder dead: the caller
   * holds the mutex now. Repair the data it guards, then call consistent()
   * (or unlock() without it, which makes the mutex unusable:
   * 'ENOTRECOVERABLE' for every later locker).
   */
  interface OwnerDeadError extends SystemError {
    code: 'EOWNERDEAD';
    /** The mutex's consistent(). */
    consistent(): void;
  }

  /**
   * A robust cross-process mutex: libsabuf's sabuf_mutex_t in
   * int32Array[index] (one 32-bit word, so every index is aligned), on a
   * buffer from create(), attach() or open(); C programs lock the same word
   * with sabuf_mutex_lock(3). Held by a thread (the main thread, a Worker);
   * if that thread or its process ends holding it, the next locker gets it
   * with an OwnerDeadError. Errors are SystemErrors: 'EOWNERDEAD',
   * 'ENOTRECOVERABLE', 'EDEADLK', 'EPERM', 'EBADF' (a read-only handle).
   */
  class Mutex {
    /** TypeError unless an Int32Array on a sabuf buffer; RangeError for an index out of range. */
    constructor(int32Array: Int32Array, index?: number);
    /** Blocks until this thread holds it; throws OwnerDeadError (then held), 'EDEADLK', 'ENOTRECOVERABLE'. */
    lock(): void;
    /** true: now held; false: held already (by this thread too). Throws OwnerDeadError (then held). */
    tryLock(): boolean;
    /** Throws 'EPERM' when this thread does not hold it. */
    unlock(): void;
    /** After an OwnerDeadError, once the data is repaired; 'EINVAL' otherwise. */
    consistent(): void;
    /**
     * Resolves once this thread holds it, the event loop free meanwhile;
     * rejects with OwnerDeadError (then held), 'ENOTRECOVERABLE'. While this
     * thread holds it, waits for this thread's unlock.
     */
    lockAsync(): Promise<void>;
  }
}

export = sabuf;
