#!/usr/bin/env node
// TimescaleDB test server for devlogctl's test suite.
//
// PGlite (PostgreSQL 17 compiled to WASM, the @unni-craftsman build with TimescaleDB, installed
// under the name @electric-sql/pglite through an npm alias) served over the PostgreSQL wire
// protocol by @electric-sql/pglite-socket. In-memory: every start is a fresh, empty database.
//
// Usage: node server.mjs [--host 127.0.0.1] [--port 0] [--ready-file PATH]
//   --port 0 (the default) lets the OS choose a free port. Once the server accepts connections it
//   prints one line "ready postgresql://postgres:postgres@HOST:PORT/postgres?sslmode=disable" to stdout
//   and, with --ready-file, writes that URL (one line) to PATH (written to PATH.tmp, then renamed).
//   SIGTERM/SIGINT stop it cleanly (exit 0); it removes the ready file on the way out.
//
// Connecting: the server asks for a password and accepts any; user and database names are not
// checked either. Whatever the URL says, the session is user postgres in database template1
// (CREATE DATABASE works, but no client can connect to the new database). SSL must be off
// (sslmode=disable): the server does not understand the SSL request.
//
// Limits (see shared/design.md §6): one connection at a time (later ones queue, up to
// --queue-timeout), and all connections share ONE backend session. To limit what leaks from one
// client to the next, the session is reset whenever a client disconnects: an open transaction
// is rolled back and DISCARD ALL drops prepared statements, temp tables, SET values, LISTENs
// and advisory locks. Tables and other objects a client created stay: tests clean up after
// themselves. COPY FROM STDIN crashes the WASM backend and the server exits: load data with
// INSERT. A running query blocks the process (WASM is synchronous), signals included.

import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { parseArgs } from 'node:util';
import { writeFileSync, renameSync, rmSync } from 'node:fs';

const log = (...args) => console.error(`[tsdb-server ${new Date().toISOString()}]`, ...args);

let opts;
try {
  opts = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'ready-file': { type: 'string' },
      // Connections waiting longer than this for their turn are closed (ms).
      'queue-timeout': { type: 'string', default: '300000' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
} catch (e) {
  log(e.message);
  process.exit(2);
}
if (opts.values.help) {
  console.log('usage: node server.mjs [--host 127.0.0.1] [--port 0|PORT] [--ready-file PATH] [--queue-timeout MS] [--debug]');
  process.exit(0);
}
// A bare number is taken as the port too ("node server.mjs 5433").
const portArg = opts.positionals[0] ?? opts.values.port;
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== String(portArg).trim()) {
  log(`invalid port: ${portArg}`);
  process.exit(2);
}
const host = opts.values.host;
const readyFile = opts.values['ready-file'];
const queueTimeout = Number.parseInt(opts.values['queue-timeout'], 10);

// One wire-protocol simple Query message: 'Q', int32 length (including itself), SQL, NUL.
function queryMessage(sql) {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const msg = Buffer.alloc(5 + body.length);
  msg.write('Q', 0, 'latin1');
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return new Uint8Array(msg);
}
// Sync ('S'): ends an extended-protocol exchange a client may have left half done.
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

// pglite-socket hands every TCP chunk straight to the backend, and a protocol message split
// over two chunks (anything larger than one socket read, ~64 KiB: a long migration, a big
// INSERT) kills the WASM backend ("RuntimeError: unreachable"). Buffer each connection's bytes
// and pass on whole messages only. The first message of a connection (startup, or an SSL/GSS
// encryption request before it) has no type byte: int32 length, then the body.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const framing = new WeakMap();
const handleData = PGLiteSocketHandler.prototype.handleData;
PGLiteSocketHandler.prototype.handleData = function handleWholeMessages(chunk) {
  let st = framing.get(this);
  if (!st) {
    st = { pending: Buffer.alloc(0), startup: true };
    framing.set(this, st);
  }
  const buf = st.pending.length ? Buffer.concat([st.pending, chunk]) : Buffer.from(chunk);
  let end = 0;
  for (;;) {
    const left = buf.length - end;
    if (st.startup) {
      if (left < 8) break;
      const len = buf.readInt32BE(end);
      if (len < 8) { end = buf.length; st.startup = false; break; } // garbage: let the backend judge
      if (left < len) break;
      const code = buf.readInt32BE(end + 4);
      end += len;
      if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) st.startup = false;
    } else {
      if (left < 5) break;
      const len = buf.readInt32BE(end + 1);
      if (len < 4) { end = buf.length; break; }
      if (left < 1 + len) break;
      end += 1 + len;
    }
  }
  st.pending = Buffer.from(buf.subarray(end));
  if (end === 0) return Promise.resolve(0);
  return handleData.call(this, buf.subarray(0, end));
};

const started = Date.now();
const db = new PGlite({ extensions: { timescaledb }, username: 'postgres', database: 'postgres' });
await db.waitReady;
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
const { rows } = await db.query(
  "SELECT extversion, current_database() AS db, current_user AS usr, version() AS version FROM pg_extension WHERE extname = 'timescaledb'");
log(`PGlite ready in ${Date.now() - started} ms: ${rows[0].version}; timescaledb ${rows[0].extversion}; ` +
    `database ${rows[0].db}, user ${rows[0].usr}`);

// Reset the shared session after each client, while the client's exclusive lock is still held
// (the socket handler takes it with runExclusive and releases it when the client goes away), so
// the next client never sees the previous one's session state. execProtocolRaw takes no lock.
//
// The WASM backend runs with initdb-style command-line settings (search_path=pg_catalog,
// client_min_messages=debug3, enable_seqscan=off, exit_on_error=on, ...), which RESET ALL and
// DISCARD ALL restore. BASELINE sets what a client of a stock server expects instead; a client
// that runs RESET itself gets the odd values back.
const BASELINE = [
  `SET search_path TO "$user", public`,
  'SET client_min_messages TO notice',
  'SET enable_seqscan TO on',
  'SET exit_on_error TO off',
  'SET allow_system_table_mods TO off',
].join('; ');
async function resetSession() {
  try {
    await db.execProtocolRaw(SYNC);
    await db.execProtocolRaw(queryMessage('ROLLBACK'));
    await db.execProtocolRaw(queryMessage('DISCARD ALL'));
    await db.execProtocolRaw(queryMessage(BASELINE));
  } catch (e) {
    log('session reset failed:', e);
  }
}
await db.runExclusive(resetSession);
const runExclusive = db.runExclusive.bind(db);
db.runExclusive = (fn) => runExclusive(async () => {
  try {
    return await fn();
  } finally {
    await resetSession();
  }
});

const server = new PGLiteSocketServer({ db, host, port, connectionQueueTimeout: queueTimeout, debug: opts.values.debug });
server.addEventListener('error', (e) => log('socket server error:', e.detail));
server.addEventListener('queueTimeout', (e) => log('queued connection timed out:', e.detail));
await server.start();
const [, boundPort] = server.getServerConn().match(/:(\d+)$/);
// The backend asks for a password and accepts any; user and database names are not checked
// (the session is always user postgres in database template1).
const url = `postgresql://postgres:postgres@${host}:${boundPort}/postgres?sslmode=disable`;

if (readyFile) {
  writeFileSync(`${readyFile}.tmp`, `${url}\n`);
  renameSync(`${readyFile}.tmp`, readyFile);
}
console.log(`ready ${url}`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  if (readyFile) rmSync(readyFile, { force: true });
  const force = setTimeout(() => {
    log('clean shutdown took too long; exiting');
    process.exit(0);
  }, 5000);
  force.unref();
  try {
    await server.stop();
    await db.close();
  } catch (e) {
    log('error while stopping:', e);
  }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
