'use strict';
// The examples run as README.md shows them.
const test = require('node:test');
const assert = require('node:assert');
const { execFile } = require('child_process');
const path = require('path');

function run(name, ...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, '..', 'examples', name), ...args], { timeout: 120000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${name}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}

test('examples/counter.js: 4 processes x 10000', async () => {
  const out = await run('counter.js');
  assert.match(out, /^Expected: 40000\nActual: 40000\nMatch: ✓\n$/);
});

test('examples/producer-consumer.js', async () => {
  const out = await run('producer-consumer.js');
  assert.match(out, /Consumer: Waiting for data/);
  assert.match(out, /Consumer: Received data: 42 \((ok|not-equal)\)/);
  assert.match(out, /Producer: Notified consumer \((0|1) woken\)/);
});

test('examples/js-and-c.js: JavaScript and C take turns', async () => {
  const out = await run('js-and-c.js', '300');
  assert.match(out, /JavaScript: 300 turns, 600 in all/);
  assert.match(out, /C: 300 turns/);
  assert.match(out, /turns counted: 600, expected 600: ✓/);
});
