// Helpers for the gateway's end-to-end tests: start and stop a gateway,
// speak raw HTTP/1.1 over a socket (byte-exact requests, any header
// spelling), query the test database, stop and start PostgreSQL.
//
// Environment (set by tests/suites/30-gateway.sh from scripts/test.sh):
//   TM_ROOT, TM_PG_DIR, TM_PG_PORT, TM_PGBIN, PGPASSFILE, TM_DB
//   TM_GATEWAY_BIN   the gateway binary (the sanitized build in the suite)
//   TM_GATEWAY_LOGS  directory for the gateways' logs
//   TM_CORPUS_DIR    captured client requests (default tests/corpus/requests)

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const env = process.env;
for (const v of ['TM_ROOT', 'TM_PG_DIR', 'TM_PG_PORT', 'TM_PGBIN', 'PGPASSFILE', 'TM_DB']) {
  if (!env[v]) throw new Error(`${v} is not set: run through scripts/test.sh 30-gateway`);
}
export const ROOT = env.TM_ROOT;
export const GATEWAY_BIN = env.TM_GATEWAY_BIN || path.join(ROOT, 'gateway/telemetrics-gateway');
export const LOG_DIR = env.TM_GATEWAY_LOGS || fs.mkdtempSync('/tmp/tm-gateway-logs-');
export const CORPUS_DIR = env.TM_CORPUS_DIR || path.join(ROOT, 'tests/corpus/requests');
export const TID = '6907c830-eed9-4ce9-81ae-76daf8d88f0f';
export const EXT_VERSION = /default_version = '([^']*)'/.exec(
  fs.readFileSync(path.join(ROOT, 'telemetrics.control'), 'utf8'))[1];

export function conninfo(db = env.TM_DB) {
  return `host=127.0.0.1 port=${env.TM_PG_PORT} dbname=${db} user=telemetrics_gateway passfile=${env.PGPASSFILE}`;
}

// ---------------------------------------------------------------------------
// Records

export const hex32 = () => randomBytes(16).toString('hex');
/** A machine id unique to one test (at most 32 characters). */
export const machineId = (tag = 'm') => `${tag.slice(0, 8)}-${randomBytes(8).toString('hex')}`;

/** The 15 fields of a valid version-4 record, as the real client sends them. */
export function fields(over = {}) {
  return {
    record_format_version: '4',
    classification: 'org.clearlinux/hello/world',
    severity: '1',
    machine_id: machineId(),
    creation_timestamp: '1795754744',
    arch: 'x86_64',
    host_type: 'Intel(R) Client Systems|NUC7i5BNH|J31169-307',
    build: '"12"',
    kernel_version: '6.18.44-fc-v669',
    payload_format_version: '1',
    system_name: 'debian',
    board_name: 'NUC7i5BNB|Intel Corporation',
    cpu_model: 'AMD EPYC',
    bios_version: 'BNKBL357.86A.0088.2022.0125.1102',
    event_id: hex32(),
    ...over,
  };
}

/** Title-Case a field name the way the reference's tests did. */
export const titleCase = (n) => n.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('-');

// ---------------------------------------------------------------------------
// Raw HTTP

/** Build request bytes.  headers: [[name, value], ...] sent exactly as given. */
export function buildRequest(method, target, headers = [], body = null, { contentLength = true } = {}) {
  const b = body == null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Accept: */*'];
  const parts = [];
  for (const [n, v] of headers) {
    parts.push(Buffer.from(`${n}: `, 'latin1'), Buffer.isBuffer(v) ? v : Buffer.from(String(v)), Buffer.from('\r\n'));
  }
  if (contentLength && (body != null || method === 'POST')) parts.push(Buffer.from(`Content-Length: ${b.length}\r\n`));
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n'), ...parts, Buffer.from('\r\n'), b]);
}

/** Parse one HTTP response from buf; null if incomplete. */
function parseResponse(buf, isHead) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  if (!m) throw new Error(`bad status line: ${head[0]}`);
  const status = Number(m[1]);
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (status === 100) return { interim: true, rest: buf.subarray(end + 4) };
  const rest = buf.subarray(end + 4);
  let body;
  if (isHead || status === 304 || status === 204) body = Buffer.alloc(0);
  else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (rest.length < len) return null;
    body = rest.subarray(0, len);
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const chunks = [];
    let p = 0;
    for (;;) {
      const e = rest.indexOf('\r\n', p);
      if (e < 0) return null;
      const size = parseInt(rest.subarray(p, e).toString(), 16);
      if (size === 0) break;
      if (rest.length < e + 2 + size + 2) return null;
      chunks.push(rest.subarray(e + 2, e + 2 + size));
      p = e + 2 + size + 2;
    }
    body = Buffer.concat(chunks);
  } else return null; // read to EOF
  return { status, headers, body, text: body.toString('utf8') };
}

/**
 * Send raw bytes on a new connection and read one response.  Resolves
 * {status, headers, body, text, json} or {status: 0, error} when the
 * connection closes without a response.
 */
export function raw(port, bytes, { timeout = 20000, isHead = false, onConnect } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (r.text !== undefined) {
        try { r.json = JSON.parse(r.text); } catch { r.json = undefined; }
      }
      resolve(r);
    };
    const timer = setTimeout(() => { if (!done) { done = true; sock.destroy(); reject(new Error(`no response within ${timeout} ms`)); } }, timeout);
    sock.on('connect', () => { if (bytes) sock.write(bytes); if (onConnect) onConnect(sock); });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      let r;
      try { r = parseResponse(buf, isHead); } catch (e) { done = true; clearTimeout(timer); sock.destroy(); reject(e); return; }
      while (r && r.interim) { buf = r.rest; r = parseResponse(buf, isHead); }
      if (r) finish(r);
    });
    sock.on('error', (e) => finish({ status: 0, error: e.message }));
    sock.on('close', () => {
      if (done) return;
      const r = buf.length ? (() => { const i = buf.indexOf('\r\n\r\n'); if (i < 0) return null; const p = parseResponse(Buffer.concat([buf.subarray(0, i + 4)]), true); if (p) { p.body = buf.subarray(i + 4); p.text = p.body.toString('utf8'); } return p; })() : null;
      finish(r || { status: 0, error: 'closed' });
    });
  });
}

/** A request through raw(): method, path, [[name, value]...], body. */
export function request(port, method, target, headers = [], body = null, opts = {}) {
  return raw(port, buildRequest(method, target, headers, body, opts), { isHead: method === 'HEAD', ...opts });
}

/** POST a v2 record: fields as headers (names mapped by nameOf), payload as body. */
export function postV2(port, f, payload = 'hello\n', { target = '/v2/collector', tid = TID, nameOf = (n) => n, extra = [], contentType = 'application/text' } = {}) {
  const headers = Object.entries(f).map(([n, v]) => [nameOf(n), v]);
  if (tid !== null) headers.push(['X-Telemetry-TID', tid]);
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  return request(port, 'POST', target, [...headers, ...extra], payload);
}

/** POST a v3 record: one JSON object of the fields plus payload. */
export function postV3(port, f, payload = 'hello\n', { target = '/v3/collector', tid = TID, extra = [], contentType = 'application/json' } = {}) {
  const body = JSON.stringify({ ...f, payload });
  const headers = [];
  if (tid !== null) headers.push(['X-Telemetry-TID', tid]);
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  return request(port, 'POST', target, [...headers, ...extra], body);
}

// ---------------------------------------------------------------------------
// The database

function pgArgs(db) {
  return ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', env.TM_PG_PORT, '-U', 'postgres', '-d', db];
}

/** Run SQL as the superuser; returns the trimmed output (-A -t). */
export function psql(sql, { db = env.TM_DB } = {}) {
  return execFileSync(path.join(env.TM_PGBIN, 'psql'), [...pgArgs(db), '-c', sql],
    { env: { ...process.env, PGPASSFILE: env.PGPASSFILE }, encoding: 'utf8', timeout: 30000 }).trim();
}

/**
 * A psql session (as postgres) running sql, which takes locks and sleeps:
 * the gateway's statements wait meanwhile.  Resolves when it has ended.
 */
export function holdLocks(sql) {
  const locker = spawn(path.join(env.TM_PGBIN, 'psql'), [...pgArgs(env.TM_DB), '-c', sql],
    { env: { ...process.env, PGPASSFILE: env.PGPASSFILE }, stdio: 'ignore' });
  return new Promise((resolve) => locker.on('exit', resolve));
}

/** Run SQL returning one JSON value (wrap your query in json_agg or similar). */
export function psqlJson(sql, opts = {}) {
  const out = psql(sql, opts);
  return out === '' ? null : JSON.parse(out);
}

/**
 * Create a fresh database with the extension and the gateway's grants, as
 * scripts/setup-db.sql does for every telemetrics database.
 */
export function createDatabase(name) {
  const pw = /^127\.0\.0\.1:\*:\*:telemetrics_gateway:(.*)$/m.exec(fs.readFileSync(env.PGPASSFILE, 'utf8'))[1];
  psql(`DROP DATABASE IF EXISTS ${name}`, { db: 'postgres' });
  psql(`CREATE DATABASE ${name}`, { db: 'postgres' });
  execFileSync(path.join(env.TM_PGBIN, 'psql'), [...pgArgs(name), '-v', `gwpw=${pw}`, '-f', path.join(ROOT, 'scripts/setup-db.sql')],
    { env: { ...process.env, PGPASSFILE: env.PGPASSFILE }, encoding: 'utf8', timeout: 60000 });
}

/** Drop a database made by createDatabase. */
export function dropDatabase(name) {
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, { db: 'postgres' });
}

/** A quoted SQL literal. */
export const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** The stored records of one machine, oldest first, as JSON objects. */
export function storedRecords(machine, { db } = {}) {
  return psqlJson(`SELECT coalesce(json_agg(json_build_object('id', id, 'build', build, 'payload', payload,
      'machine_id', machine_id, 'event_id', event_id, 'classification', classification,
      'host_type', host_type, 'cpu_model', cpu_model, 'board_name', board_name, 'severity', severity,
      'external', external, 'system_name', system_name, 'record_version', record_version) ORDER BY id), '[]')
    FROM telemetrics.records WHERE machine_id = ${lit(machine)}`, db ? { db } : {});
}

/** Quarantine rows of one machine. */
export function quarantined(machine) {
  return psqlJson(`SELECT coalesce(json_agg(json_build_object('sqlstate', sqlstate, 'message', message,
      'repeat_count', repeat_count, 'payload_bytes', payload_bytes) ORDER BY id), '[]')
    FROM telemetrics.quarantine WHERE machine_id = ${lit(machine)}`);
}

const asPostgres = (args) => (process.getuid() === 0
  ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)]);

/** Run pg_ctl on the test cluster (as postgres when root); resolves its output. */
function pgCtl(...args) {
  const [cmd, a] = asPostgres([path.join(env.TM_PGBIN, 'pg_ctl'), '-D', path.join(env.TM_PG_DIR, 'pgdata'), ...args]);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 90000);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(Object.assign(new Error(`pg_ctl ${args.join(' ')} failed (${code}): ${out}`), { code }));
    });
  });
}
/** Stop the test cluster (fast shutdown: sessions are terminated). */
export const pgStop = () => pgCtl('-m', 'fast', '-w', '-t', '60', 'stop');
/** Start the test cluster and wait until it accepts connections. */
export const pgStart = () => pgCtl('-l', path.join(env.TM_PG_DIR, 'postgres.log'), '-w', '-t', '60', 'start');
export async function pgRunning() {
  try { await pgCtl('status'); return true; } catch { return false; }
}

// ---------------------------------------------------------------------------
// Gateways

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

let gatewayCount = 0;

/**
 * Start a gateway on a free port and wait until it answers /healthz (any
 * status).  args are extra flags; --port, --listen and --db are added
 * unless given.  Returns {port, proc, log, logText(), stop()}.
 */
export async function startGateway(args = [], { env: extraEnv = {}, db = conninfo(), wait = true } = {}) {
  const port = await freePort();
  const log = path.join(LOG_DIR, `gateway-${process.pid}-${++gatewayCount}.log`);
  const fd = fs.openSync(log, 'w');
  const all = [...args];
  const has = (flag) => all.some((a) => a === flag || a.startsWith(`${flag}=`));
  if (!has('--port') && !extraEnv.TELEMETRICS_GATEWAY_PORT) all.push('--port', String(port));
  if (!has('--listen')) all.push('--listen', '127.0.0.1');
  if (!has('--db') && db !== null) all.push('--db', db);
  const proc = spawn(GATEWAY_BIN, all, { stdio: ['ignore', fd, fd], env: { ...process.env, ...extraEnv } });
  fs.closeSync(fd);
  // the suite stops whatever is left of these, by PID, if a test dies
  const pidFile = `${log}.pid`;
  fs.writeFileSync(pidFile, String(proc.pid));
  let exited = null;
  const exit = new Promise((resolve) => proc.on('exit', (code, signal) => {
    exited = { code, signal };
    fs.rmSync(pidFile, { force: true });
    resolve(exited);
  }));
  const g = {
    port: Number(extraEnv.TELEMETRICS_GATEWAY_PORT || port),
    proc,
    log,
    exit,
    logText: () => fs.readFileSync(log, 'utf8'),
    exited: () => exited,
    /** SIGTERM; resolves {code, signal}; SIGKILL after timeout ms. */
    async stop(timeout = 40000) {
      if (!exited) proc.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, timeout);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
  if (wait) {
    const deadline = Date.now() + 20000;
    for (;;) {
      if (exited) throw new Error(`gateway exited (${JSON.stringify(exited)}): ${g.logText()}`);
      try {
        const r = await request(g.port, 'GET', '/healthz', [], null, { timeout: 2000 });
        if (r.status) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`gateway did not start: ${g.logText()}`); }
      await sleep(50);
    }
  }
  return g;
}

/**
 * Stop a gateway with SIGTERM and assert that it exited 0 (a crash, a
 * sanitizer report or a leak makes the exit status non-zero).
 */
export async function stopClean(g) {
  const r = await g.stop();
  if (r.code !== 0 || r.signal !== null) {
    throw new Error(`gateway exited with ${JSON.stringify(r)}; log:\n${g.logText().slice(-4000)}`);
  }
  return r;
}

/** Run the gateway binary to completion (for flag checks). */
export function runGateway(args, { env: extraEnv = {}, timeout = 15000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(GATEWAY_BIN, args, { env: { ...process.env, ...extraEnv } });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal, stdout: out, stderr: err }); });
  });
}

/** The value of one metric series from /metrics text (0 when absent). */
export function metric(text, series) {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return 0;
}

export async function metricsText(port) {
  const r = await request(port, 'GET', '/metrics');
  return r.text;
}

/** Poll fn() until it returns truthy or timeout ms pass; returns the last value. */
export async function until(fn, timeout = 15000, step = 100) {
  const deadline = Date.now() + timeout;
  let v;
  for (;;) {
    v = await fn();
    if (v || Date.now() > deadline) return v;
    await sleep(step);
  }
}

export { sleep };
