'use strict';
// The seed's shared configuration, across processes: the main process owns
// a configuration buffer and changes it while 4 worker processes run; the
// workers just read it (Atomics.load) before every batch. Between batches
// a worker sleeps in sabuf.wait on the version word, which doubles as
// "sleep 30 ms, but wake me at once if the configuration changes": the
// main process bumps the version after every change and notifies.
// (examples/shared_config.c is the C version; examples/readonly_config.c
// hands workers a read-only fd instead.)
//
//   node examples/shared-config.js
const { spawn } = require('child_process');
const sabuf = require('..');

// config[0] = max workers     config[2] = timeout (ms)
// config[1] = batch size      config[3] = active workers count
// config[4] = version         config[5] = stop flag
const MAX_WORKERS = 0, BATCH_SIZE = 1, TIMEOUT = 2, ACTIVE = 3, VERSION = 4, STOP = 5;

if (process.argv[2] === 'worker') {
  const index = process.argv[3];
  const config = new Int32Array(sabuf.attach(3));   // the buffer, inherited as fd 3
  let seenBatch = 0, batches = 0, items = 0;
  Atomics.add(config, ACTIVE, 1);
  while (!Atomics.load(config, STOP)) {
    const version = Atomics.load(config, VERSION);
    const batch = Atomics.load(config, BATCH_SIZE);    // read the config, every batch
    if (batch !== seenBatch) {
      console.log(`  worker ${index}: batch size is ${batch} (after ${batches} batches)`);
      seenBatch = batch;
    }
    batches++;
    items += batch;                                     // "process" one batch
    sabuf.wait(config, VERSION, version, 30);          // until the next batch, or a change
  }
  console.log(`  worker ${index}: stopping: ${batches} batches, ${items} items`);
  Atomics.sub(config, ACTIVE, 1);
  process.exit(0);
}

const configBuffer = sabuf.create(1024);
const config = new Int32Array(configBuffer);
Atomics.store(config, MAX_WORKERS, 4);
Atomics.store(config, BATCH_SIZE, 100);
Atomics.store(config, TIMEOUT, 5000);

// Workers read config: each gets the buffer's fd (no copy: the same memory)
const workers = [0, 1, 2, 3].map((i) => new Promise((resolve) =>
  spawn(process.execPath, [__filename, 'worker', String(i)],
        { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(configBuffer)] }).on('exit', resolve)));

// Update config from the main process: store, bump the version, wake everyone
function change(field, value) {
  Atomics.store(config, field, value);
  Atomics.add(config, VERSION, 1);
  sabuf.notify(config, VERSION);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  // (a guard only: the loop ends once all are up. Debian 12's and 13's
  // node start in seconds under emulation, 4 at once took over 20 s)
  const until = Date.now() + 60000;
  while (Atomics.load(config, ACTIVE) < Atomics.load(config, MAX_WORKERS) && Date.now() < until) await sleep(5);
  console.log(`main: ${Atomics.load(config, ACTIVE)} workers active, batch size ${Atomics.load(config, BATCH_SIZE)}, ` +
              `timeout ${Atomics.load(config, TIMEOUT)} ms`);
  await sleep(200);
  console.log('main: changing batch size to 200');
  change(BATCH_SIZE, 200);   // Atomics.store(config, 1, 200): all workers see it at once
  await sleep(200);
  console.log('main: changing batch size to 50');
  change(BATCH_SIZE, 50);
  await sleep(200);
  console.log('main: stop');
  change(STOP, 1);
  const codes = await Promise.all(workers);
  console.log(`main: all workers stopped (exit codes ${codes.join(' ')}), ${Atomics.load(config, ACTIVE)} active`);
})();
