'use strict';
// A JavaScript process and a C process take turns on one buffer, each
// waking the other: word 0 says whose turn it is (0: JavaScript's, 1: C's),
// word 1 counts the turns. The JavaScript side waits with waitAsync, so its
// event loop keeps running between turns; the C side (c-peer.c) waits with
// sabuf_wait32.
//
//   node examples/js-and-c.js [ROUNDS]
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const sabuf = require('..');

const rounds = Number(process.argv[2] || 1000);
const cPeer = [path.join(__dirname, 'c-peer'),                       // the Makefile's
  path.join(__dirname, '..', 'build', 'Release', 'c-peer'),               // node-gyp's (npm install)
  path.join(__dirname, '..', '..', '..', 'build', 'node', 'sabuf-node', 'examples', 'c-peer')]
  .find((f) => fs.existsSync(f));
if (!cPeer) throw new Error('c-peer is not built: make -C bindings/node, or npm install');

const sab = sabuf.create(8);
const words = new Int32Array(sab);
const c = spawn(cPeer, ['3', String(rounds)], { stdio: ['ignore', 'inherit', 'inherit', sabuf.fd(sab)] });

async function play() {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    // wait for our turn (0) without blocking the event loop
    const w = sabuf.waitAsync(words, 0, 1);
    if (w.async) await w.value;
    Atomics.add(words, 1, 1);
    Atomics.store(words, 0, 1);          // C's turn
    sabuf.notify(words, 0);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`JavaScript: ${rounds} turns, ${Atomics.load(words, 1)} in all, ` +
              `${(ms * 1000 / (2 * rounds)).toFixed(1)} µs per hand-over`);
}

Atomics.store(words, 0, 1);               // C starts
sabuf.notify(words, 0);
play();
c.on('exit', (code) => {
  const total = Atomics.load(words, 1);
  console.log(`C exited (${code}); turns counted: ${total}, expected ${2 * rounds}: ${total === 2 * rounds ? '✓' : '✗'}`);
  process.exitCode = code === 0 && total === 2 * rounds ? 0 : 1;
});
