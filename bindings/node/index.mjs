// sabuf as an ES module: `import sabuf from 'sabuf'` (the same object as
// require('sabuf')) or `import { create, wait, notify } from 'sabuf'`.
// The package's "exports" map sends `import` here and `require` to
// index.js; there is one addon and one set of wait queues either way.
import sabuf from './index.js';

export const { create, attach, fd, wait, waitAsync, notify, open, unlink, Mutex } = sabuf;
export default sabuf;
