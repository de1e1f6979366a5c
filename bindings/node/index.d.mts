// TypeScript declarations of `import ... from 'sabuf'` (index.mjs): the
// default export is the object require('sabuf') gives, and each call is a
// named export too. The declarations themselves are in index.d.ts.
import sabuf = require('./index.js');

export type WaitResult = sabuf.WaitResult;
export type WaitableArray = sabuf.WaitableArray;
export type WaitAsyncResult = sabuf.WaitAsyncResult;
export type SystemError = sabuf.SystemError;
export type OpenOptions = sabuf.OpenOptions;
export type OwnerDeadError = sabuf.OwnerDeadError;

export declare const create: typeof sabuf.create;
export declare const attach: typeof sabuf.attach;
export declare const fd: typeof sabuf.fd;
export declare const wait: typeof sabuf.wait;
export declare const waitAsync: typeof sabuf.waitAsync;
export declare const notify: typeof sabuf.notify;
export declare const open: typeof sabuf.open;
export declare const unlink: typeof sabuf.unlink;
export declare const Mutex: typeof sabuf.Mutex;
export type Mutex = sabuf.Mutex;

export default sabuf;
