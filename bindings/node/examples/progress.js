'use strict';
// The seed's progress tracking, across processes: 4 worker processes take
// items from a shared position and count them done or failed; the main
// process draws the progress live, a bar redrawn in place on a terminal
// ("Progress: 4500/10000 (121 failed)" lines when stdout is not one). It
// sleeps between frames in sabuf.waitAsync on the "finished" word with the
// frame's timeout, so its event loop stays free, and the last frame comes
// the moment the last worker notifies. (examples/progress.c is the C version.)
//
//   node examples/progress.js
const { spawn } = require('child_process');
const sabuf = require('..');

const TOTAL = 10000, WORKERS = 4;
// progress[0] = total items      progress[2] = failed items
// progress[1] = completed items  progress[3] = next item to take
// progress[4] = finished flag: set and notified by whoever completes the last item
const TOTAL_ITEMS = 0, COMPLETED = 1, FAILED = 2, NEXT = 3, FINISHED = 4;

if (process.argv[2] === 'worker') {
  const progress = new Int32Array(sabuf.attach(3));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const total = Atomics.load(progress, TOTAL_ITEMS);
  for (;;) {
    const item = Atomics.add(progress, NEXT, 1);
    if (item >= total) break;
    if (item % 3 === 0) Atomics.wait(pause, 0, 0, 1);   // every 3rd waits 1 ms, as if on I/O
    if (item % 37 === 0) Atomics.add(progress, FAILED, 1);   // every 37th fails
    // completed counts every item handled, failed ones included
    if (Atomics.add(progress, COMPLETED, 1) + 1 === total) {
      Atomics.store(progress, FINISHED, 1);
      sabuf.notify(progress, FINISHED);
    }
  }
  process.exit(0);
}

const progressBuffer = sabuf.create(32);
const progress = new Int32Array(progressBuffer);
Atomics.store(progress, TOTAL_ITEMS, TOTAL);
const onTerminal = process.stdout.isTTY;

function draw() {
  const total = Atomics.load(progress, TOTAL_ITEMS);
  const completed = Atomics.load(progress, COMPLETED);
  const failed = Atomics.load(progress, FAILED);
  if (onTerminal) {
    const width = 40, filled = Math.floor(completed * width / total);
    process.stdout.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ` +
      `${String(Math.floor(completed * 100 / total)).padStart(3)}% ${completed}/${total} (${failed} failed)`);
  } else {
    console.log(`Progress: ${completed}/${total} (${failed} failed)`);
  }
}

const t0 = Date.now();
const workers = Array.from({ length: WORKERS }, () => new Promise((resolve) =>
  spawn(process.execPath, [__filename, 'worker'],
        { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(progressBuffer)] }).on('exit', resolve)));

(async () => {
  // a frame every 100 ms on a terminal, a line every 250 ms otherwise, or
  // at once when the work is done: waitAsync settles 'ok' on the notify
  while (!Atomics.load(progress, FINISHED)) {
    draw();
    const r = sabuf.waitAsync(progress, FINISHED, 0, onTerminal ? 100 : 250);
    if (r.async) await r.value;
  }
  draw();
  if (onTerminal) process.stdout.write('\n');
  const codes = await Promise.all(workers);
  console.log(`Done in ${((Date.now() - t0) / 1000).toFixed(2)} s (worker exit codes ${codes.join(' ')})`);
})();
