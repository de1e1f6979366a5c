'use strict';
// Which libsabuf binding.gyp builds the addon against, and what that takes.
//
//   node gyp/libsabuf.js mode          system | bundled
//   node gyp/libsabuf.js cflags|libs   pkg-config's flags of the installed one
//   node gyp/libsabuf.js root          the carried sources' top (lib/, uapi/)
//   node gyp/libsabuf.js sources       the library's .c files (lib/Makefile's SRCS)
//
// An installed libsabuf (pkg-config's `sabuf`, at least this package's
// version) is used when there is one; otherwise the sources the package
// carries: libsabuf/ in a packed package (npm pack's prepack copies lib/ and
// uapi/ there), or the repository's own lib/ and uapi/ two levels up. The
// environment's SABUF_LIBSABUF=system or =bundled forces either.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const here = path.join(__dirname, '..');
const version = require('../package.json').version;

function pkgConfig(...args) {
  return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function systemFound() {
  try {
    pkgConfig(`--atleast-version=${version}`, 'sabuf');
    return true;
  } catch {
    return false;
  }
}

function root() {
  for (const dir of [path.join(here, 'libsabuf'), path.join(here, '..', '..')]) {
    if (fs.existsSync(path.join(dir, 'lib', 'Makefile')) && fs.existsSync(path.join(dir, 'uapi', 'linux', 'sabuf.h'))) {
      return path.relative(here, dir) || '.';
    }
  }
  throw new Error('sabuf: no libsabuf sources in this package (libsabuf/) and no libsabuf >= ' +
                  `${version} found by pkg-config (set PKG_CONFIG_PATH, or install libsabuf-dev)`);
}

// SRCS := a.c b.c \ (continued) in lib/Makefile: the one list of the library's files.
function sources() {
  const top = root();
  const text = fs.readFileSync(path.join(here, top, 'lib', 'Makefile'), 'utf8').replace(/\\\n/g, ' ');
  const m = /^SRCS\s*:?=(.*)$/m.exec(text);
  if (!m) throw new Error('sabuf: no SRCS in lib/Makefile');
  return m[1].trim().split(/\s+/).map((f) => path.join(top, 'lib', f));
}

function mode() {
  const want = process.env.SABUF_LIBSABUF || '';
  if (want === 'system') {
    if (!systemFound()) throw new Error(`sabuf: SABUF_LIBSABUF=system but pkg-config finds no sabuf >= ${version}`);
    return 'system';
  }
  if (want === 'bundled') return 'bundled';
  if (want !== '') throw new Error(`sabuf: SABUF_LIBSABUF must be system or bundled, not ${want}`);
  return systemFound() ? 'system' : 'bundled';
}

const commands = {
  mode,
  cflags: () => pkgConfig('--cflags', 'sabuf'),
  libs: () => pkgConfig('--libs', 'sabuf'),
  root,
  sources: () => sources().join('\n'),
};

const cmd = commands[process.argv[2]];
if (!cmd) {
  console.error(`usage: node gyp/libsabuf.js ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
try {
  console.log(cmd());
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
