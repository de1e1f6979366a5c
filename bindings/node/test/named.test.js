'use strict';
// Named buffers: sabuf.open(name, { create, exclusive, mode, byteLength })
// and sabuf.unlink(name); two Node processes that share nothing but a name.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawn } = require('node:child_process');
const sabuf = require('..');

const uniq = (what) => `node-${process.pid}-${what}`;

test('create, open again, exclusive, ENOENT, unlink', () => {
  const name = uniq('basic');
  const a = sabuf.open(name, { create: true, exclusive: true, byteLength: 100 });
  assert.ok(a instanceof SharedArrayBuffer);
  assert.strictEqual(a.byteLength, 100);
  assert.ok(new Uint8Array(a).every((b) => b === 0));
  new Int32Array(a)[3] = 33;
  const b = sabuf.open(name);                       // existing: no options needed
  assert.strictEqual(b.byteLength, 100);
  assert.strictEqual(new Int32Array(b)[3], 33);
  const c = sabuf.open(name, { create: true, byteLength: 5 });   // byteLength ignored
  assert.strictEqual(c.byteLength, 100);
  assert.throws(() => sabuf.open(name, { create: true, exclusive: true, byteLength: 8 }),
                (err) => err.code === 'EEXIST' && err.errno === -17 && err.syscall === 'sabuf_open');
  assert.strictEqual(sabuf.notify(new Int32Array(b), 0), 0);   // a sabuf buffer for notify too
  sabuf.unlink(name);
  assert.throws(() => sabuf.open(name), (err) => err.code === 'ENOENT');
  assert.throws(() => sabuf.unlink(name), (err) => err.code === 'ENOENT');
  assert.strictEqual(new Int32Array(a)[3], 33);     // holders keep it
});

test('argument checks', () => {
  const name = uniq('args');
  assert.throws(() => sabuf.open(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sabuf.open('a\0b'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => sabuf.open(name, 'rw'), { name: 'TypeError' });
  assert.throws(() => sabuf.open(name, { create: true }), { name: 'RangeError' });
  assert.throws(() => sabuf.open(name, { create: true, byteLength: 0 }), { name: 'RangeError' });
  assert.throws(() => sabuf.open(name, { create: true, byteLength: 8, mode: 0o1777 }),
                { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sabuf.open(name, { create: true, byteLength: 8, mode: 1.5 }), { name: 'RangeError' });
  assert.throws(() => sabuf.open('', { create: true, byteLength: 8 }), { code: 'EINVAL' });
  assert.throws(() => sabuf.open('a/b', { create: true, byteLength: 8 }), { code: 'EINVAL' });
  assert.throws(() => sabuf.open('x'.repeat(256), { create: true, byteLength: 8 }), { code: 'ENAMETOOLONG' });
  assert.throws(() => sabuf.unlink(7), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sabuf.open(name), { code: 'ENOENT' });   // nothing was made
});

// A separate node process that knows only the name.
function peer(script, name) {
  const child = spawn(process.execPath, ['-e', script, path.join(__dirname, '..'), name],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`peer exit ${code}`))));
  });
}

test('two unrelated processes meet by name, wait and notify', async () => {
  const name = uniq('meet');
  const sab = sabuf.open(name, { create: true, exclusive: true, mode: 0o600, byteLength: 64 });
  const ta = new Int32Array(sab);
  const child = peer(`
    const sabuf = require(process.argv[1]);
    const ta = new Int32Array(sabuf.open(process.argv[2]));
    Atomics.store(ta, 1, 1);                     // "I am here"
    sabuf.notify(ta, 1);
    while (sabuf.wait(ta, 0, 0) !== 'ok' && Atomics.load(ta, 0) === 0) ;
    console.log(Atomics.load(ta, 0));
  `, name);
  while (Atomics.load(ta, 1) === 0) sabuf.wait(ta, 1, 0, 50);
  Atomics.store(ta, 0, 42);
  sabuf.notify(ta, 0);
  assert.strictEqual(await child, '42');
  sabuf.unlink(name);
});
