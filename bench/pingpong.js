'use strict';
// Ping-pong in Node.js: the wake round trip between two worker threads
// through Atomics.wait / Atomics.notify on a SharedArrayBuffer. The same
// protocol as pingpong.c's word peers, and the same output lines:
//
//   node pingpong.js [--round N] [--budget-ms MS]
//
//   @result pingpong_threads node ROUND MEDIAN_NS
//   @hist   pingpong_threads node BUCKET COUNT
//
// Every round trip is timed with process.hrtime.bigint(), a clock_gettime()
// (a system call in the VM, whose clocksource is HPET). Its own cost,
// measured here as the median of back-to-back readings, is subtracted from
// every sample, as pingpong.c subtracts the cost of its TSC reading.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const TURN = 0;   // Int32Array indices, each on its own 64-byte line
const STOP = 16;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
}

function bucket(ns) {
  return ns < 1 ? 0 : Math.floor(20 * Math.log10(ns));
}

function clockOverhead() {
  const d = new Float64Array(1001);
  for (let i = 0; i < d.length; i++) {
    const a = process.hrtime.bigint();
    const b = process.hrtime.bigint();
    d[i] = Number(b - a);
  }
  d.sort();
  return d[500];
}

function ping(i32, budgetNs, record, samples, overhead) {
  let n = 0;
  const start = process.hrtime.bigint();
  let t1;
  do {
    const t0 = process.hrtime.bigint();
    Atomics.store(i32, TURN, 1);
    Atomics.notify(i32, TURN, 1);
    while (Atomics.load(i32, TURN) === 1)
      Atomics.wait(i32, TURN, 1);
    t1 = process.hrtime.bigint();
    if (record && n < samples.length)
      samples[n++] = Number(t1 - t0) - overhead;
  } while (Number(t1 - start) < budgetNs);
  return n;
}

function pong(i32) {
  for (;;) {
    while (Atomics.load(i32, TURN) === 0)
      Atomics.wait(i32, TURN, 0);
    if (Atomics.load(i32, STOP))
      return;
    Atomics.store(i32, TURN, 0);
    Atomics.notify(i32, TURN, 1);
  }
}

if (isMainThread) {
  const round = arg('--round', 1);
  const budgetNs = arg('--budget-ms', 1000) * 1e6;
  const sab = new SharedArrayBuffer(4096);
  const pongW = new Worker(__filename, { workerData: { sab, role: 'pong' } });
  const pingW = new Worker(__filename, { workerData: { sab, role: 'ping', budgetNs } });
  pingW.on('message', (m) => {
    const s = Float64Array.from(m.samples).sort();
    const q = (f) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))];
    const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    let out = `@result pingpong_threads node ${round} ${med.toPrecision(6)}\n`;
    const hist = new Map();
    for (const x of s) hist.set(bucket(x), (hist.get(bucket(x)) || 0) + 1);
    for (const [b, c] of hist) out += `@hist pingpong_threads node ${b} ${c}\n`;
    process.stdout.write(out);
    const progress = process.env.BENCH_PROGRESS ? `[${process.env.BENCH_PROGRESS}] ` : '';
    process.stderr.write(`${progress}ping-pong, threads    node           round ${round}: ` +
      `${(med / 1e3).toFixed(2).padStart(9)} us/round trip (p10 ${(q(0.1) / 1e3).toFixed(2)}, ` +
      `p90 ${(q(0.9) / 1e3).toFixed(2)}; ${s.length} round trips; clock cost ${m.overhead} ns subtracted)\n`);
  });
  pingW.on('error', (e) => { console.error('pingpong.js: ping worker:', e); process.exitCode = 1; });
  pongW.on('error', (e) => { console.error('pingpong.js: pong worker:', e); process.exitCode = 1; });
} else {
  const i32 = new Int32Array(workerData.sab);
  if (workerData.role === 'pong') {
    pong(i32);
  } else {
    const overhead = clockOverhead();
    const budgetNs = workerData.budgetNs;
    const samples = new Float64Array(1 << 21);
    ping(i32, Math.max(budgetNs / 10, 100e6), false, samples, overhead);   // warm-up (and JIT)
    const n = ping(i32, budgetNs, true, samples, overhead);
    Atomics.store(i32, STOP, 1);
    Atomics.store(i32, TURN, 1);
    Atomics.notify(i32, TURN, 1);
    parentPort.postMessage({ samples: samples.subarray(0, n), overhead });
  }
}
