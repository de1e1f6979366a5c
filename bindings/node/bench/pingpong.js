// Ping-pong between two Node.js parties, the wake-up round trip through:
//
//   sabuf_procs      sabuf.wait / sabuf.notify between two processes
//   ipc_procs        Node's IPC channel (child.send / process.on('message'))
//                    between the same two kinds of processes
//   atomics_workers  Atomics.wait / Atomics.notify between two Worker
//                    threads of one process (what Node offers without sabuf)
//   sabuf_workers    sabuf.wait / sabuf.notify between two Worker threads
//
// Run where /dev/sabuf exists (in the VM: make bench-node).
//
// Method. The parties of all four peers are started once and stay up; the
// peers then take turns in slices of --slice-ms (100 ms), the order
// rotating from cycle to cycle, as bench/pingpong.c's C peers do, so that
// the shared, emulated machine's slow and fast stretches (another VM, the
// host's scheduler) hit every peer alike instead of whichever peer ran
// then. Each peer first runs --warmup-ms (JIT, first-touch, the child's
// start-up) unrecorded. A round gives every peer --budget-ms of slices;
// every round trip is timed (process.hrtime.bigint(), its own cost
// subtracted), a peer's figure for the round is the median of its round
// trips, and a ratio's the median over rounds of the rounds' ratios (as
// bench/report.c computes it from the @result lines). Prints one line per
// round and peer, then a JSON object with the medians (ns) and the ratios
//
//   node_pingpong_procs_vs_ipc        sabuf_procs / ipc_procs
//   node_pingpong_vs_workers_atomics  sabuf_procs / atomics_workers
//
//   node bench/pingpong.js [--rounds N] [--budget-ms MS] [--slice-ms MS]
//                          [--warmup-ms MS] [--json FILE]
//
// With --round N it is one round of `make bench` instead (bench/vm-run-bench
// runs it once a round): warm-up, every peer for the budget in slices, the
// order rotated by N, and bench/report.c's lines on stdout (progress on
// stderr):
//
//   @result node_pingpong sabuf|ipc|workers_atomics N MEDIAN_NS
//   @result node_pingpong_workers sabuf|atomics N MEDIAN_NS
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

// One slice of pings: round trips for sliceNs; returns their times (ns).
function ping(i32, { wait, notify }, sliceNs, overhead) {
  const samples = [];
  const start = hr();
  let t1;
  do {
    const t0 = hr();
    Atomics.store(i32, TURN, 1);
    notify(i32, TURN, 1);
    while (Atomics.load(i32, TURN) === 1) wait(i32, TURN, 1);
    t1 = hr();
    samples.push(Number(t1 - t0) - overhead);
  } while (Number(t1 - start) < sliceNs);
  return samples;
}

function stopPong(i32, { notify }) {
  Atomics.store(i32, STOP, 1);
  Atomics.store(i32, TURN, 1);
  notify(i32, TURN);
}

// Between slices the pong party sleeps in its wait (TURN is 0 then).
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
  const { role, sab, impl } = workerData;
  const i32 = new Int32Array(sab);
  if (role === 'pong') {
    pong(i32, impls[impl]);
  } else {
    untilReady(i32, impls[impl]);
    const overhead = clockOverhead();
    parentPort.on('message', (m) => {
      if (m.stop) {
        stopPong(i32, impls[impl]);
        parentPort.close();
      } else {
        parentPort.postMessage(ping(i32, impls[impl], m.sliceNs, overhead));
      }
    });
    parentPort.postMessage('ready');
  }
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

// ---- the peers: start() brings its parties up, slice(ns) runs one
// slice and returns its round-trip times, stop() takes them down ----
const peers = {
  sabuf_procs() {
    const sab = sabuf.create(256);
    const i32 = new Int32Array(sab);
    let child, exited, overhead;
    return {
      async start() {
        child = spawn(process.execPath, [__filename, 'pong-proc'], { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sab)] });
        exited = new Promise((r) => child.on('exit', r));
        untilReady(i32, impls.sabuf);
        overhead = clockOverhead();
      },
      async slice(ns) { return ping(i32, impls.sabuf, ns, overhead); },
      async stop() { stopPong(i32, impls.sabuf); await exited; },
    };
  },
  ipc_procs() {
    let child, overhead;
    return {
      async start() {
        child = fork(__filename, ['echo-proc'], { stdio: 'inherit' });
        await new Promise((r) => { child.once('message', r); child.send(0); });   // it is up
        overhead = clockOverhead();
      },
      async slice(ns) {
        const samples = [];
        const start = hr();
        let t1;
        do {
          const t0 = hr();
          await new Promise((r) => { child.once('message', r); child.send(1); });
          t1 = hr();
          samples.push(Number(t1 - t0) - overhead);
        } while (Number(t1 - start) < ns);
        return samples;
      },
      async stop() {
        const exited = new Promise((r) => child.on('exit', r));
        child.disconnect();
        await exited;
      },
    };
  },
  atomics_workers: () => workers('atomics', new SharedArrayBuffer(256)),
  sabuf_workers: () => workers('sabuf', sabuf.create(256)),
};

function workers(impl, sab) {
  let p, q, waiting = null;   // the one pending next(): [resolve, reject]
  const next = () => new Promise((resolve, reject) => { waiting = [resolve, reject]; });
  const settle = (k, v) => { const w = waiting; waiting = null; if (w) w[k](v); };
  return {
    async start() {
      p = new Worker(__filename, { workerData: { role: 'pong', sab, impl } });
      q = new Worker(__filename, { workerData: { role: 'ping', sab, impl } });
      q.on('message', (m) => settle(0, m));
      q.on('error', (e) => settle(1, e));
      p.on('error', (e) => settle(1, e));
      await next();   // 'ready'
    },
    async slice(ns) {
      const r = next();
      q.postMessage({ sliceNs: ns });
      return r;
    },
    async stop() {
      const exits = [p, q].map((w) => new Promise((r) => w.on('exit', r)));
      q.postMessage({ stop: true });
      await Promise.all(exits);
    },
  };
}

// bench/report.c's names: [bench, peer] of each peer here
const REPORT = {
  sabuf_procs: ['node_pingpong', 'sabuf'],
  ipc_procs: ['node_pingpong', 'ipc'],
  atomics_workers: ['node_pingpong', 'workers_atomics'],
  sabuf_workers: ['node_pingpong_workers', 'sabuf'],
};

const NAMES = Object.keys(peers);
const rotate = (a, k) => a.slice(k % a.length).concat(a.slice(0, k % a.length));

async function startAll(warmupNs, sliceNs) {
  const running = {};
  for (const name of NAMES) {
    running[name] = peers[name]();
    await running[name].start();
  }
  // the warm-up, in slices too, not recorded
  for (let done = 0, c = 0; done < warmupNs; done += sliceNs, c++)
    for (const name of rotate(NAMES, c)) await running[name].slice(Math.min(sliceNs, warmupNs - done));
  return running;
}

async function stopAll(running) {
  for (const name of NAMES) await running[name].stop();
}

// One round: every peer for budgetNs, in slices, the order rotating from
// cycle to cycle (starting at k); -> { name: round-trip times }.
async function runRound(running, k, budgetNs, sliceNs) {
  const samples = Object.fromEntries(NAMES.map((n) => [n, []]));
  for (let done = 0, c = k; done < budgetNs; done += sliceNs, c++) {
    for (const name of rotate(NAMES, c)) {
      const s = await running[name].slice(Math.min(sliceNs, budgetNs - done));
      for (const x of s) samples[name].push(x);
    }
  }
  return samples;
}

const q = (sorted, f) => sorted[Math.min(sorted.length - 1, Math.floor(f * (sorted.length - 1)))];

function describe(samples) {
  const s = Float64Array.from(samples).sort();
  return `${String(s.length).padStart(6)} round trips, median ${(q(s, 0.5) / 1e3).toFixed(1).padStart(7)} µs ` +
         `(p10 ${(q(s, 0.1) / 1e3).toFixed(1)}, p90 ${(q(s, 0.9) / 1e3).toFixed(1)})`;
}

(async () => {
  const budgetNs = Number(arg('--budget-ms', 1000)) * 1e6;
  const sliceNs = Number(arg('--slice-ms', 100)) * 1e6;
  const warmupNs = Number(arg('--warmup-ms', 300)) * 1e6;
  if (arg('--round') !== undefined) {
    const round = Number(arg('--round'));
    const running = await startAll(warmupNs, sliceNs);
    const samples = await runRound(running, round, budgetNs, sliceNs);
    await stopAll(running);
    let out = '';
    const progress = process.env.BENCH_PROGRESS ? `[${process.env.BENCH_PROGRESS}] ` : '';
    for (const name of NAMES) {
      const m = median(samples[name]);
      out += `@result ${REPORT[name][0]} ${REPORT[name][1]} ${round} ${m.toPrecision(6)}\n`;
      if (name === 'atomics_workers') out += `@result node_pingpong_workers atomics ${round} ${m.toPrecision(6)}\n`;
      process.stderr.write(`${progress}ping-pong, Node       ${name.padEnd(15)} round ${round}: ${describe(samples[name])}\n`);
    }
    process.stdout.write(out);
    return;
  }
  const rounds = Number(arg('--rounds', 5));
  const per = Object.fromEntries(NAMES.map((n) => [n, []]));
  const running = await startAll(warmupNs, sliceNs);
  for (let r = 0; r < rounds; r++) {
    const samples = await runRound(running, r, budgetNs, sliceNs);
    for (const name of NAMES) {
      per[name].push(median(samples[name]));
      console.log(`round ${r + 1}/${rounds} ${name.padEnd(15)}: ${describe(samples[name])}`);
    }
    console.log(`round ${r + 1}/${rounds} ratios: procs_vs_ipc ${(per.sabuf_procs[r] / per.ipc_procs[r]).toFixed(4)}, ` +
                `vs_workers_atomics ${(per.sabuf_procs[r] / per.atomics_workers[r]).toFixed(3)}`);
  }
  await stopAll(running);
  const med = Object.fromEntries(NAMES.map((n) => [n, median(per[n])]));
  // as bench/report.c: the median over rounds of each round's ratio (the
  // peers of a round ran interleaved, so a slow stretch hits both sides)
  const ratio = (a, b) => median(per[a].map((x, r) => x / per[b][r]));
  const result = {
    node: process.version,
    rounds,
    budget_ms: budgetNs / 1e6,
    slice_ms: sliceNs / 1e6,
    warmup_ms: warmupNs / 1e6,
    median_round_trip_ns: med,
    node_pingpong_procs_vs_ipc: ratio('sabuf_procs', 'ipc_procs'),
    node_pingpong_vs_workers_atomics: ratio('sabuf_procs', 'atomics_workers'),
    node_pingpong_sabuf_workers_vs_atomics_workers: ratio('sabuf_workers', 'atomics_workers'),
    // the other way: the ratio of the peers' medians over rounds
    ratio_of_medians: {
      procs_vs_ipc: med.sabuf_procs / med.ipc_procs,
      vs_workers_atomics: med.sabuf_procs / med.atomics_workers,
    },
  };
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  const out = arg('--json');
  if (out) fs.writeFileSync(out, json + '\n');
})();
