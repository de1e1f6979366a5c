'use strict';
// npm pack's prepack (and postpack with `clean`): the package carries
// libsabuf's sources, copied at pack time from the repository's lib/ and
// uapi/ into libsabuf/ (never kept in git), so that `npm install` of the
// tarball builds the addon where no libsabuf is installed (binding.gyp).
const fs = require('fs');
const path = require('path');

const here = __dirname;
const top = path.join(here, '..', '..');
const dest = path.join(here, 'libsabuf');

fs.rmSync(dest, { recursive: true, force: true });
if (process.argv[2] === 'clean') process.exit(0);

// lib/: the sources, headers, symbol map and Makefile (whose SRCS names the
// sources); uapi/linux: the ABI headers.
const carry = (from, to, keep) => {
  fs.mkdirSync(to, { recursive: true });
  for (const ent of fs.readdirSync(from, { withFileTypes: true })) {
    if (ent.isFile() && keep(ent.name)) fs.copyFileSync(path.join(from, ent.name), path.join(to, ent.name));
  }
};
carry(path.join(top, 'lib'), path.join(dest, 'lib'), (n) => /\.[ch]$/.test(n) || n === 'Makefile' || n === 'sabuf.map' || n === 'README.md');
carry(path.join(top, 'lib', 'include'), path.join(dest, 'lib', 'include'), (n) => n.endsWith('.h'));
carry(path.join(top, 'uapi', 'linux'), path.join(dest, 'uapi', 'linux'), (n) => n.endsWith('.h'));
fs.writeFileSync(path.join(dest, 'README.md'),
  'libsabuf\'s sources (lib/) and the ABI headers (uapi/), copied from the sabuf\n' +
  'repository when this package was packed; binding.gyp builds them into the addon\n' +
  'when pkg-config finds no installed libsabuf. See lib/README.md.\n');
