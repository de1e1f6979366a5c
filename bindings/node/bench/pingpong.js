'use strict';
// Ping-pong between two Node.js parties, the wake-up round trip through:
//
//   sabuf_procs      sabuf.wait / sabuf.notify between two processes
//   ipc_procs        Node's IPC channel (child.send / process.on('message'))
//                    between the same two kinds of processes
//   atomics_workers  Atomics.wait / Atomics.notify between two Worker
//                    threads of one process (what Node offers without sabuf)
//   sabuf_workers    sabuf.wait / sabuf.notify between two Worker threads
//
// Run where /dev/sabuf exists (in the VM: make bench-node). Each
// measurement runs one peer for --budget-ms; --rounds rounds run every peer
// once, in an order that rotates from round to round so that the shared
// machine's slow and fast stretches hit every peer alike. Every round trip
// is timed (process.hrtime.bigint(), its own cost subtracted); the result
// of a peer is the median of its rounds' medians, a ratio the median of its
// rounds' ratios. Prints one line per measurement, then a JSON object with
// the medians (ns) and the ratios
//
//   node_pingpong_procs_vs_ipc        sabuf_procs / ipc_procs
//   node_pingpong_vs_workers_atomics  sabuf_procs / atomics_workers
//
//   node bench/pingpong.js [--rounds N] [--budget-ms MS] [--json FILE]
//
// With --round N it is one round of `make bench` instead (bench/vm-run-bench
// runs it once a round): every peer once, the order rotated by N, and
// bench/report.c's lines on stdout (progress on stderr):
//
//   @result node_pingpong sabuf|ipc|workers_atomics N MEDIAN_NS
//   @result node_pingpong_workers sabuf|atomics N MEDIAN_NS
//
// The first tenth of each budget is a warm-up (JIT, caches), not recorded.
const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const { spawn, fork } = require('child_process');
const fs = require('fs');
const sabuf = require('..');

const TURN = 0;     // 1: pong's turn, 0: ping's
const STOP = 16;    // on a cache line of its own
const READY = 32;

const hr = process.hrtime.bigint;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

function clockOverhead() {
  const d = [];
  for (let i = 0; i < 1001; i++) { const a = hr(); d.push(Number(hr() - a)); }
  return median(d);
}

function median(a) {
  const s = Float64Array.from(a).sort();
  return s.length ? s[s.length >> 1] : NaN;
}

const impls = {
  sabuf: { wait: sabuf.wait, notify: sabuf.notify },
  atomics: { wait: Atomics.wait, notify: Atomics.notify },
};

function ping(i32, { wait, notify }, budgetNs) {
  const overhead = clockOverhead();
  const samples = [];
  const start = hr();
  const warm = budgetNs / 10;
  let t1;
  do {
    const t0 = hr();
    Atomics.store(i32, TURN, 1);
    notify(i32, TURN, 1);
    while (Atomics.load(i32, TURN) === 1) wait(i32, TURN, 1);
    t1 = hr();
    if (Number(t0 - start) >= warm) samples.push(Number(t1 - t0) - overhead);
  } while (Number(t1 - start) < budgetNs + warm);
  Atomics.store(i32, STOP, 1);
  Atomics.store(i32, TURN, 1);
  notify(i32, TURN);
  return samples;
}

function pong(i32, { wait, notify }) {
  Atomics.store(i32, READY, 1);
  notify(i32, READY);
  for (;;) {
    while (Atomics.load(i32, TURN) === 0) wait(i32, TURN, 0);
    if (Atomics.load(i32, STOP)) return;
    Atomics.store(i32, TURN, 0);
    notify(i32, TURN, 1);
  }
}

function untilReady(i32, impl) {
  while (Atomics.load(i32, READY) === 0) impl.wait(i32, READY, 0, 10000);
}

// ---- the parties that are not the main thread ----
if (!isMainThread) {
  const { role, sab, impl, budgetNs } = workerData;
  const i32 = new Int32Array(sab);
  if (role === 'pong') pong(i32, impls[impl]);
  else { untilReady(i32, impls[impl]); parentPort.postMessage(ping(i32, impls[impl], budgetNs)); }
  return;
}
if (process.argv[2] === 'pong-proc') {
  pong(new Int32Array(sabuf.attach(3)), impls.sabuf);
  process.exit(0);
}
if (process.argv[2] === 'echo-proc') {
  process.on('message', (m) => process.send(m));
  return;
}

// ---- the peers ----
const peers = {
  async sabuf_procs(budgetNs) {
    const sab = sabuf.create(256);
    const i32 = new Int32Array(sab);
    const child = spawn(process.execPath, [__filename, 'pong-proc'], { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sab)] });
    const exited = new Promise((r) => child.on('exit', r));
    untilReady(i32, impls.sabuf);
    const samples = ping(i32, impls.sabuf, budgetNs);
    await exited;
    return samples;
  },
  async ipc_procs(budgetNs) {
    const child = fork(__filename, ['echo-proc'], { stdio: 'inherit' });
    await new Promise((r) => { child.once('message', r); child.send(0); });   // it is up
    const overhead = clockOverhead();
    const samples = [];
    const start = hr();
    const warm = budgetNs / 10;
    let t1;
    do {
      const t0 = hr();
      await new Promise((r) => { child.once('message', r); child.send(1); });
      t1 = hr();
      if (Number(t0 - start) >= warm) samples.push(Number(t1 - t0) - overhead);
    } while (Number(t1 - start) < budgetNs + warm);
    child.disconnect();
    await new Promise((r) => child.on('exit', r));
    return samples;
  },
  atomics_workers: (budgetNs) => workers('atomics', new SharedArrayBuffer(256), budgetNs),
  sabuf_workers: (budgetNs) => workers('sabuf', sabuf.create(256), budgetNs),
};

async function workers(impl, sab, budgetNs) {
  const p = new Worker(__filename, { workerData: { role: 'pong', sab, impl } });
  const q = new Worker(__filename, { workerData: { role: 'ping', sab, impl, budgetNs } });
  const samples = await new Promise((resolve, reject) => { q.once('message', resolve); q.once('error', reject); });
  await Promise.all([p, q].map((w) => new Promise((r) => w.on('exit', r))));
  return samples;
}

// bench/report.c's names: [bench, peer] of each peer here
const REPORT = {
  sabuf_procs: ['node_pingpong', 'sabuf'],
  ipc_procs: ['node_pingpong', 'ipc'],
  atomics_workers: ['node_pingpong', 'workers_atomics'],
  sabuf_workers: ['node_pingpong_workers', 'sabuf'],
};

async function benchRound(round, budgetNs) {
  const names = Object.keys(peers);
  const k = round % names.length;
  let out = '';
  for (const name of names.slice(k).concat(names.slice(0, k))) {
    const m = median(await peers[name](budgetNs));
    out += `@result ${REPORT[name][0]} ${REPORT[name][1]} ${round} ${m.toPrecision(6)}\n`;
    if (name === 'atomics_workers') out += `@result node_pingpong_workers atomics ${round} ${m.toPrecision(6)}\n`;
    const progress = process.env.BENCH_PROGRESS ? `[${process.env.BENCH_PROGRESS}] ` : '';
    process.stderr.write(`${progress}ping-pong, Node       ${name.padEnd(15)} round ${round}: ` +
      `${(m / 1e3).toFixed(2).padStart(9)} us/round trip\n`);
  }
  process.stdout.write(out);
}

(async () => {
  if (arg('--round') !== undefined) {
    await benchRound(Number(arg('--round')), Number(arg('--budget-ms', 1000)) * 1e6);
    return;
  }
  const rounds = Number(arg('--rounds', 5));
  const budgetNs = Number(arg('--budget-ms', 1000)) * 1e6;
  const names = Object.keys(peers);
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.slice(r % names.length).concat(names.slice(0, r % names.length));
    for (const name of order) {
      const samples = await peers[name](budgetNs);
      const m = median(samples);
      per[name].push(m);
      console.log(`round ${r + 1}/${rounds} ${name}: ${samples.length} round trips, median ${(m / 1000).toFixed(1)} µs`);
    }
  }
  const med = Object.fromEntries(names.map((n) => [n, median(per[n])]));
  // as bench/report.c: the median over rounds of each round's ratio (the
  // peers of a round ran back to back, so a slow stretch hits both sides)
  const ratio = (a, b) => median(per[a].map((x, r) => x / per[b][r]));
  const result = {
    node: process.version,
    rounds,
    budget_ms: budgetNs / 1e6,
    median_round_trip_ns: med,
    node_pingpong_procs_vs_ipc: ratio('sabuf_procs', 'ipc_procs'),
    node_pingpong_vs_workers_atomics: ratio('sabuf_procs', 'atomics_workers'),
    node_pingpong_sabuf_workers_vs_atomics_workers: ratio('sabuf_workers', 'atomics_workers'),
  };
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  const out = arg('--json');
  if (out) fs.writeFileSync(out, json + '\n');
})();
