'use strict';
// import works as well as require: the package's "exports" map sends
// `import 'sabuf'` to index.mjs (default export: the object require gives;
// each call a named export too) and `require('sabuf')` to index.js, one
// addon and one set of queues behind both. Checked from this package's own
// files (self-reference by name), from an ES module run with an unrelated
// working directory, and from a module outside the package that imports
// index.mjs by its path.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const sabuf = require('..');

const PKG = path.join(__dirname, '..');

test('import() of the package by name gives require\'s object and its methods as named exports', async () => {
  const esm = await import('sabuf');
  assert.strictEqual(esm.default, sabuf);
  for (const name of ['create', 'attach', 'fd', 'wait', 'waitAsync', 'notify', 'open', 'unlink', 'Mutex']) {
    assert.strictEqual(esm[name], sabuf[name], name);
  }
  assert.deepStrictEqual(Object.keys(esm).sort(),
    ['Mutex', 'attach', 'create', 'default', 'fd', 'notify', 'open', 'unlink', 'wait', 'waitAsync']);
});

test('the exports map: import to index.mjs, require to index.js', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  assert.strictEqual(pkg.exports['.'].import.default, './index.mjs');
  assert.strictEqual(pkg.exports['.'].require.default, './index.js');
  assert.strictEqual(require.resolve('sabuf'), path.join(PKG, 'index.js'));   // the package's own name, from its files
});

function runModule(file, cwd) {
  return JSON.parse(execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' }));
}

test('a static import by name, run from another directory, waits and notifies', () => {
  const r = runModule(path.join(PKG, 'fixtures', 'esm.mjs'), os.tmpdir());
  assert.deepStrictEqual(r, { same: true, async: true, woken: 1, value: 'ok', url: pathToFileURL(path.join(PKG, 'fixtures', 'esm.mjs')).href });
});

test('a module outside the package imports index.mjs by its path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sabuf-esm-'));
  try {
    const file = path.join(dir, 'outside.mjs');
    fs.writeFileSync(file, [
      `import sabuf, { create, notify } from ${JSON.stringify(pathToFileURL(path.join(PKG, 'index.mjs')).href)};`,
      'const ta = new Int32Array(create(4));',
      'console.log(JSON.stringify({ same: sabuf.notify === notify, woken: notify(ta, 0) }));',
    ].join('\n'));
    assert.deepStrictEqual(runModule(file, '/'), { same: true, woken: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
