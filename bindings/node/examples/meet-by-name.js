'use strict';
// Two unrelated Node.js processes meet by name: neither inherits anything
// from the other (no fd, no stdio, no IPC channel); both only know the
// name. Whoever comes first creates the buffer; the other opens it. They
// take turns on one Int32Array word, waking each other with sabuf.notify,
// then the name is removed.
//
//   node examples/meet-by-name.js              starts both, on a fresh name
//   node examples/meet-by-name.js ping NAME    one side (start ping and
//   node examples/meet-by-name.js pong NAME    pong from two terminals)
const { spawn } = require('child_process');
const sabuf = require('..');

const ROUNDS = 5;

function side(role, name) {
  // create if need be, never exclusive: the two may start in any order
  const sab = sabuf.open(name, { create: true, mode: 0o600, byteLength: 64 });
  const turn = new Int32Array(sab);         // [0]: whose turn (even: ping, odd: pong)
  const mine = role === 'ping' ? 0 : 1;
  console.log(`${role} (pid ${process.pid}): opened "${name}"`);
  for (let i = 0; i < ROUNDS; i++) {
    let t;
    while ((t = Atomics.load(turn, 0)) % 2 !== mine) sabuf.wait(turn, 0, t, 10000);
    console.log(`${role}: turn ${t}`);
    Atomics.add(turn, 0, 1);
    sabuf.notify(turn, 0);
  }
  if (role === 'pong') sabuf.unlink(name);  // the last to play removes the name
}

const [role, name] = process.argv.slice(2);
if (role === 'ping' || role === 'pong') {
  side(role, name);
} else {
  const fresh = `meet-by-name-${process.pid}`;
  console.log(`starting two separate node processes that know only the name "${fresh}"`);
  // stdio is only for the output; nothing of the buffer is passed
  const start = (r) => new Promise((resolve) => {
    spawn(process.execPath, [__filename, r, fresh], { stdio: ['ignore', 'inherit', 'inherit'] })
      .on('exit', (code) => resolve(code));
  });
  Promise.all([start('pong'), start('ping')]).then((codes) => {
    console.log(`both done (exit codes ${codes.join(' ')})`);
    let gone = false;
    try { sabuf.open(fresh); } catch (err) { gone = err.code === 'ENOENT'; }
    console.log(`the name is ${gone ? 'gone' : 'still there'}`);
    process.exitCode = codes.every((c) => c === 0) && gone ? 0 : 1;
  });
}
