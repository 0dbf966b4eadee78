// Helpers for the telemetrics-sim tests: run the simulator, read its
// manifest, parse raw HTTP requests, run a raw local receiver, run psql.
// Node standard library only.  Every child process and server is bounded
// in time and stopped by the test that started it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SIM = path.join(ROOT, 'sim', 'telemetrics-sim');
export const CORPUS = process.env.TM_CORPUS_DIR || path.join(ROOT, 'tests/corpus/requests');

const require = createRequire(import.meta.url);
export const wire = require(path.join(ROOT, 'sim/lib/wire.js'));
export const fleetLib = require(path.join(ROOT, 'sim/lib/fleet.js'));
export const payloads = require(path.join(ROOT, 'sim/lib/payloads.js'));

/* A fixed "now" so that runs are reproducible (2026-11-27T00:00:00Z). */
export const NOW = 1795737600;

/* A scratch directory, removed by the caller with rmTmp(). */
export function mkTmp(prefix = 'tm-sim-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTmp(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/*
 * Run a command; resolves {code, signal, stdout (Buffer), stderr (string)}.
 * Killed (SIGKILL) after timeoutMs.  stdoutFile: stream stdout there.
 */
export function run(cmd, args, { timeoutMs = 60000, env, input, stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'pipe';
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', out, 'pipe'] });
    const chunks = [];
    let err = '';
    if (!stdoutFile) child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stdoutFile) fs.closeSync(out);
      resolve({ code, signal, stdout: Buffer.concat(chunks), stderr: err });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/* Run the simulator with node (the one running the tests). */
export function sim(args, opts) {
  return run(process.execPath, [SIM, ...args], opts);
}

/* Parse a manifest TSV into objects (numbers stay strings). */
export function readManifest(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const cols = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const v = l.split('\t');
    const o = {};
    cols.forEach((c, i) => { o[c] = v[i]; });
    return o;
  });
}

/*
 * Parse one raw HTTP request: {requestLine, method, path, headers: [[name,
 * value]], head (text up to the blank line), body (Buffer), length (bytes
 * used)}, or null if buf does not hold a complete request yet.
 */
export function parseRequest(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const [method, p] = lines[0].split(' ');
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)];
  });
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length');
  const len = cl ? Number(cl[1]) : 0;
  if (buf.length < end + 4 + len) return null;
  return {
    requestLine: lines[0], method, path: p, headers, head,
    body: buf.subarray(end + 4, end + 4 + len), length: end + 4 + len,
  };
}

export function header(req, name) {
  const h = req.headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  return h ? h[1] : undefined;
}

/*
 * A raw HTTP receiver on 127.0.0.1.  handler(req, n) returns {status,
 * headers, body} for the n-th request (0-based), default 201; or {hang:
 * true} (never answer) or {close: true} (drop the connection).  Keeps
 * connections open (HTTP/1.1) unless the client closes them.  Records
 * every raw request (Buffer) and counts connections.
 */
export async function startReceiver(handler = () => ({ status: 201 })) {
  const state = { requests: [], connections: 0, sockets: new Set() };
  const server = net.createServer((sock) => {
    state.connections++;
    state.sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const req = parseRequest(buf);
        if (!req) break;
        const raw = buf.subarray(0, req.length);
        buf = buf.subarray(req.length);
        const n = state.requests.length;
        state.requests.push(Buffer.from(raw));
        const res = handler(req, n) || { status: 201 };
        if (res.hang) continue;
        if (res.close) {
          sock.destroy();
          return;
        }
        const body = Buffer.from(res.body !== undefined ? res.body : '{"ok":true}');
        let out = `HTTP/1.1 ${res.status} X\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
        for (const [k, v] of Object.entries(res.headers || {})) out += `${k}: ${v}\r\n`;
        sock.write(Buffer.concat([Buffer.from(`${out}\r\n`), body]));
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => state.sockets.delete(sock));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = server.address().port;
  state.url = `http://127.0.0.1:${state.port}/`;
  state.close = () => new Promise((resolve) => {
    for (const s of state.sockets) s.destroy();
    server.close(() => resolve());
  });
  return state;
}

/* A TCP port on 127.0.0.1 that nothing listens on (right now). */
export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/* The test cluster from scripts/test.sh, or null outside the harness. */
export function cluster() {
  const { TM_PG_PORT, TM_PGBIN, TM_DB, PGPASSFILE } = process.env;
  if (!TM_PG_PORT || !TM_PGBIN || !TM_DB || !PGPASSFILE) return null;
  return {
    port: TM_PG_PORT, db: TM_DB, passfile: PGPASSFILE,
    psqlBin: path.join(TM_PGBIN, 'psql'),
    args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', TM_PG_PORT, '-U', 'postgres', '-d', TM_DB],
  };
}

/* psql on the test cluster: -tA output of one command, as text. */
export async function psql(c, sql, { timeoutMs = 60000 } = {}) {
  const r = await run(c.psqlBin, [...c.args, '-tA', '-F', '\t', '-c', sql], { timeoutMs, env: { PGPASSFILE: c.passfile } });
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return r.stdout.toString('utf8');
}

/* SQL literal of a JS string. */
export function lit(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}
