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
}

export = sabuf;
