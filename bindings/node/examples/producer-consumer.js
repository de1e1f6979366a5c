'use strict';
// The seed's producer/consumer, across processes: the consumer process
// sleeps in sabuf.wait until the producer (this process) stores the data
// and notifies it.
//
//   node examples/producer-consumer.js
const { spawn } = require('child_process');
const sabuf = require('..');

// int32[0] = data value, int32[1] = ready flag (0 = not ready, 1 = ready)
if (process.argv[2] === 'consumer') {
  const int32 = new Int32Array(sabuf.attach(3));
  console.log('Consumer: Waiting for data');
  const result = sabuf.wait(int32, 1, 0);   // wait while the flag is 0
  if (result === 'ok' || result === 'not-equal') {
    console.log('Consumer: Received data:', Atomics.load(int32, 0), `(${result})`);
  }
  process.exit(0);
}

const sharedBuffer = sabuf.create(8);
const int32 = new Int32Array(sharedBuffer);
const consumer = spawn(process.execPath, [__filename, 'consumer'], {
  stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sharedBuffer)],
});

setTimeout(() => {
  console.log('Producer: Creating data');
  Atomics.store(int32, 0, 42);
  Atomics.store(int32, 1, 1);
  const woken = sabuf.notify(int32, 1, 1);
  console.log(`Producer: Notified consumer (${woken} woken)`);
}, 1000);

consumer.on('exit', (code) => { process.exitCode = code ?? 1; });   // null: killed by a signal
