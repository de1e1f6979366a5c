'use strict';
// Every example README.md lists runs as README.md shows it, and its output
// is checked. A new example in README.md's table without a check here fails.
const test = require('node:test');
const assert = require('node:assert');
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');

function run(name, ...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, '..', 'examples', name), ...args], { timeout: 120000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${name}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}

const checks = {
  'counter.js': async () => {
    const out = await run('counter.js');
    assert.match(out, /^Expected: 40000\nActual: 40000\nMatch: ✓\n$/);
  },
  'producer-consumer.js': async () => {
    const out = await run('producer-consumer.js');
    assert.match(out, /Consumer: Waiting for data/);
    assert.match(out, /Consumer: Received data: 42 \((ok|not-equal)\)/);
    assert.match(out, /Producer: Notified consumer \((0|1) woken\)/);
  },
  'shared-config.js': async () => {
    const out = await run('shared-config.js');
    assert.match(out, /^main: 4 workers active, batch size 100, timeout 5000 ms$/m);
    for (let i = 0; i < 4; i++) {
      // every worker read each configuration, in order, and stopped
      const seen = [...out.matchAll(new RegExp(`^  worker ${i}: batch size is (\\d+) `, 'gm'))].map((m) => m[1]);
      assert.deepStrictEqual(seen, ['100', '200', '50'], `worker ${i}:\n${out}`);
      assert.match(out, new RegExp(`^  worker ${i}: stopping: \\d+ batches, \\d+ items$`, 'm'));
    }
    assert.match(out, /^main: all workers stopped \(exit codes 0 0 0 0\), 0 active$/m);
  },
  'progress.js': async () => {
    const out = await run('progress.js');   // stdout is a pipe: one line per frame
    const lines = out.trim().split('\n');
    const frames = lines.filter((l) => l.startsWith('Progress: '));
    assert.ok(frames.length >= 2, out);
    let last = -1;
    for (const f of frames) {
      const m = /^Progress: (\d+)\/10000 \((\d+) failed\)$/.exec(f);
      assert.ok(m, f);
      assert.ok(Number(m[1]) >= last, 'progress never goes back');
      last = Number(m[1]);
    }
    // the last frame: all 10000 items, every 37th failed (0, 37, ..., 9990)
    assert.strictEqual(frames[frames.length - 1], 'Progress: 10000/10000 (271 failed)');
    assert.match(lines[lines.length - 1], /^Done in \d+\.\d\d s \(worker exit codes 0 0 0 0\)$/);
  },
  'meet-by-name.js': async () => {
    const out = await run('meet-by-name.js');
    for (let t = 0; t < 10; t++) assert.match(out, new RegExp(`^${t % 2 ? 'pong' : 'ping'}: turn ${t}$`, 'm'));
    assert.match(out, /^both done \(exit codes 0 0\)$/m);
    assert.match(out, /^the name is gone$/m);
  },
  'lock.js': async () => {
    const out = await run('lock.js');
    assert.match(out, /^main process: [1-9]\d* snapshots under lockAsync, all consistent$/m);
    assert.match(out, /\nExpected: 10000\nActual: 10000\nMatch: ✓\n$/);
  },
  'js-and-c.js': async () => {
    const out = await run('js-and-c.js', '300');
    assert.match(out, /JavaScript: 300 turns, 600 in all/);
    assert.match(out, /C: 300 turns/);
    assert.match(out, /turns counted: 600, expected 600: ✓/);
  },
};

// the examples README.md lists, in its table
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const listed = [...new Set([...readme.matchAll(/^\| `examples\/([\w-]+\.js)` \|/gm)].map((m) => m[1]))];

test('README.md lists every example, and each one has a check here', () => {
  const files = fs.readdirSync(path.join(__dirname, '..', 'examples')).filter((f) => f.endsWith('.js'));
  assert.deepStrictEqual([...listed].sort(), [...files].sort());
  assert.deepStrictEqual([...listed].sort(), Object.keys(checks).sort());
});

for (const name of listed) {
  test(`examples/${name}`, async () => {
    assert.ok(checks[name], `no check for examples/${name}`);
    await checks[name]();
  });
}
