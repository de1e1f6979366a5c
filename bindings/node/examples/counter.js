'use strict';
// The seed's thread-safe counter, across processes: 4 processes add 1 to
// the same Int32Array word 10000 times each, with Atomics.add, on one
// /dev/sabuf buffer. Each child gets the buffer as its fd 3.
//
//   node examples/counter.js
const { spawn } = require('child_process');
const sabuf = require('..');

const PROCESSES = 4;
const INCREMENTS = 10000;

if (process.argv[2] === 'child') {
  // a child: the buffer is fd 3
  const counter = new Int32Array(sabuf.attach(3));
  for (let i = 0; i < INCREMENTS; i++) Atomics.add(counter, 0, 1);
  process.exit(0);
}

const sharedBuffer = sabuf.create(4);
const counter = new Int32Array(sharedBuffer);
Atomics.store(counter, 0, 0);

const children = [];
for (let i = 0; i < PROCESSES; i++) {
  const child = spawn(process.execPath, [__filename, 'child'], {
    stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sharedBuffer)],
  });
  children.push(new Promise((resolve) => child.on('exit', resolve)));
}

Promise.all(children).then(() => {
  const finalValue = Atomics.load(counter, 0);
  console.log('Expected:', PROCESSES * INCREMENTS);
  console.log('Actual:', finalValue);
  console.log('Match:', finalValue === PROCESSES * INCREMENTS ? '✓' : '✗');
  process.exitCode = finalValue === PROCESSES * INCREMENTS ? 0 : 1;
});
