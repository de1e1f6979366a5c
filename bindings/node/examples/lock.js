'use strict';
// The seed's "Lock Implementation", across processes: where the seed
// builds a SpinLock by hand (compareExchange in a loop, burning CPU while it
// waits), sabuf.Mutex is libsabuf's robust mutex in the same Int32Array
// word, sleeping in the kernel while it waits, and C programs lock the same
// word with sabuf_mutex_lock(3). The seed's usage, unchanged:
//
//   lock.lock();
//   try { sharedArray[1]++; } finally { lock.unlock(); }
//
// from 4 processes, 2500 times each, on a plain (non-atomic) ++: only the
// lock makes the count exact. Meanwhile the main process takes the lock
// with lockAsync(), its event loop free, and checks that the two counters
// the workers bump together are always equal when it holds the lock.
//
// Shared memory layout (Int32Array):
//   [0] the lock (a sabuf_mutex_t: 0 = unlocked, else its holder's id)
//   [1] the counter, [2] its twin
const { spawn } = require('child_process');
const sabuf = require('..');

const WORKERS = 4;
const ITERATIONS = 2500;

if (process.argv[2] === 'worker') {
  const sharedArray = new Int32Array(sabuf.attach(3));   // fd 3: stdio[3] below
  const lock = new sabuf.Mutex(sharedArray, 0);
  for (let i = 0; i < ITERATIONS; i++) {
    lock.lock();
    try {
      // Critical section
      sharedArray[1]++;
      sharedArray[2]++;
    } finally {
      lock.unlock();
    }
  }
  process.exit(0);
}

const sharedBuffer = sabuf.create(12);
const sharedArray = new Int32Array(sharedBuffer);
const lock = new sabuf.Mutex(sharedArray, 0);
console.log(`${WORKERS} processes x ${ITERATIONS} increments under sabuf.Mutex; ` +
            'the main process takes it with lockAsync meanwhile');

let running = WORKERS;
const children = Array.from({ length: WORKERS }, () => new Promise((resolve) =>
  spawn(process.execPath, [__filename, 'worker'],
        { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sharedBuffer)] })
    .on('exit', (code) => { running--; resolve(code); })));

async function watch() {
  let snapshots = 0;
  let consistent = 0;
  while (running > 0) {
    await lock.lockAsync();
    try {
      snapshots++;
      if (sharedArray[1] === sharedArray[2]) consistent++;
    } finally {
      lock.unlock();
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { snapshots, consistent };
}

Promise.all([watch(), ...children]).then(([seen, ...codes]) => {
  const finalValue = sharedArray[1];
  const expected = WORKERS * ITERATIONS;
  console.log(`main process: ${seen.snapshots} snapshots under lockAsync, ` +
              `${seen.consistent === seen.snapshots ? 'all' : 'NOT all'} consistent`);
  // strings, not numbers: console.log colours numbers on a terminal
  console.log(`Expected: ${expected}`);
  console.log(`Actual: ${finalValue}`);
  console.log(`Match: ${finalValue === expected ? '✓' : '✗'}`);
  process.exitCode = finalValue === expected && seen.consistent === seen.snapshots &&
    codes.every((c) => c === 0) ? 0 : 1;
});
