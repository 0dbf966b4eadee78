'use strict';
/*
 * run.js: the four ways of running the simulator, given a parsed
 * configuration (see ../telemetrics-sim) and a Generator:
 *
 *   runHttp   send every record over HTTP with C concurrent clients,
 *             optionally rate-capped, retrying 503s; progress on stderr
 *             every 2 s; returns the exit code (1 if any response was not
 *             the one expected for its record, or a transport error).
 *   runSql    write ingest_batch() statements to stdout, streaming.
 *   runDump   write each raw request to DIR/NNNNNNNN.http.
 *   runDry    generate only, and report what would be sent.
 *
 * All modes can also write a manifest: one TSV line per record saying what
 * was sent and what should happen to it (tests/e2e/sim use it).
 */

const fs = require('fs');
const path = require('path');
const { Conn } = require('./http');
const wire = require('./wire');

const MANIFEST_COLUMNS = ['seq', 'kind', 'classification', 'format', 'path', 'rfv', 'machine_id', 'event_id',
  'created', 'system_name', 'build', 'external', 'expect', 'status', 'sqlstate', 'invalid', 'dup_of', 'signature'];

/* Buffered synchronous TSV writer for the manifest. */
class Manifest {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.buf = `${MANIFEST_COLUMNS.join('\t')}\n`;
  }

  write(rec) {
    const f = (n) => {
      const x = rec.fields.find((p) => p[0] === n);
      return x ? x[1] : '';
    };
    const clean = (s) => String(s).replace(/[\t\n\r]/g, ' ');
    this.buf += [rec.seq, rec.kind, clean(f('classification') || rec.cls), rec.format, rec.format === 'v3' ? 'v3' : rec.path,
      rec.machine.rfv, clean(f('machine_id')), clean(f('event_id')), rec.created, clean(f('system_name')), clean(f('build')),
      rec.external ? 1 : 0, rec.expect, rec.status, rec.sqlstate, rec.invalid, rec.dupOf || '', clean(rec.sig)].join('\t') + '\n';
    if (this.buf.length > 65536) this.flush();
  }

  flush() {
    if (this.buf) fs.writeSync(this.fd, this.buf);
    this.buf = '';
  }

  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/* Log-bucketed latency histogram (5% resolution). */
class Histogram {
  constructor() {
    this.counts = new Map();
    this.n = 0;
    this.max = 0;
  }

  add(ms) {
    const b = ms <= 0.01 ? 0 : Math.ceil(Math.log(ms / 0.01) / Math.log(1.05));
    this.counts.set(b, (this.counts.get(b) || 0) + 1);
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p) {
    if (this.n === 0) return 0;
    const want = Math.ceil(this.n * p);
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b);
      if (seen >= want) return Math.min(this.max, 0.01 * Math.pow(1.05, b));
    }
    return this.max;
  }
}

class Stats {
  constructor() {
    this.sent = 0;
    this.byStatus = new Map();
    this.errors = new Map();
    this.errorCount = 0;
    this.unexpected = 0;
    this.expectedRejections = 0;
    this.retries = 0;
    this.samples = [];
    this.lat = new Histogram();
  }

  count(map, key) {
    map.set(key, (map.get(key) || 0) + 1);
  }

  response(rec, res) {
    this.sent++;
    this.count(this.byStatus, res.status);
    this.lat.add(res.ms);
    const ok = rec.expect === 'rejected' ? res.status === rec.status : res.status === 200 || res.status === 201;
    if (ok && rec.expect === 'rejected') this.expectedRejections++;
    if (!ok) {
      this.unexpected++;
      if (this.samples.length < 5) {
        this.samples.push(`record ${rec.seq} (${rec.kind}${rec.invalid ? `, invalid: ${rec.invalid}` : ''}, ${rec.format}) ` +
          `expected ${rec.expect === 'rejected' ? rec.status : '200/201'}, got ${res.status}: ` +
          `${res.body.toString('utf8').slice(0, 200).replace(/\s+/g, ' ')}`);
      }
    }
  }

  error(rec, e) {
    this.sent++;
    this.errorCount++;
    this.count(this.errors, e.code || 'EIO');
    if (this.samples.length < 5) this.samples.push(`record ${rec.seq}: ${e.code}: ${e.message}`);
  }

  statusCount(pred) {
    let n = 0;
    for (const [s, c] of this.byStatus) if (pred(s)) n += c;
    return n;
  }
}

function fmtDuration(s) {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function log(cfg, msg) {
  if (!cfg.quiet) process.stderr.write(`telemetrics-sim: ${msg}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/*
 * A shared pacing clock: wait() resolves when the next record may go.
 * With bursts, the rate alternates between 4x for 3 s and 0.55x for 17 s
 * (the same mean), like a fleet whose machines wake up together.
 */
class Limiter {
  constructor(rate, bursts) {
    this.rate = rate;
    this.bursts = bursts;
    this.next = Date.now();
    this.t0 = Date.now();
  }

  async wait() {
    const now = Date.now();
    let r = this.rate;
    if (this.bursts) r *= ((now - this.t0) % 20000) < 3000 ? 4 : 0.55;
    const at = Math.max(now, this.next);
    this.next = at + 1000 / r;
    if (at > now) await sleep(at - now);
  }
}

/* Retry-After in ms: seconds or an HTTP date; 1 s if absent; at most 10 s. */
function retryAfterMs(res) {
  const v = res.headers['retry-after'];
  let ms = 1000;
  if (v !== undefined) {
    if (/^\d+$/.test(v)) ms = Number(v) * 1000;
    else if (!Number.isNaN(Date.parse(v))) ms = Date.parse(v) - Date.now();
  }
  return Math.min(10000, Math.max(50, ms));
}

/* The record source: stops at --records, at --duration, or on SIGINT. */
function makeSource(cfg, gen, manifest) {
  const src = {
    produced: 0,
    stopped: false,
    deadline: cfg.duration ? Date.now() + cfg.duration * 1000 : Infinity,
    take() {
      if (this.stopped) return null;
      if (cfg.records !== null && this.produced >= cfg.records) return null;
      if (Date.now() >= this.deadline) return null;
      this.produced++;
      const rec = gen.next();
      if (manifest) manifest.write(rec);
      return rec;
    },
  };
  return src;
}

function onInterrupt(src) {
  let n = 0;
  const h = () => {
    n++;
    if (n > 1) process.exit(130);
    src.stopped = true;
    process.stderr.write('telemetrics-sim: interrupted; finishing the requests in flight (Ctrl-C again to quit)\n');
  };
  process.on('SIGINT', h);
  process.on('SIGTERM', h);
  return () => {
    process.removeListener('SIGINT', h);
    process.removeListener('SIGTERM', h);
  };
}

/* The progress of n records since t0: "n/total", the rate, and the ETA or time left. */
function progressOf(cfg, src, n, t0) {
  const rate = n / Math.max((Date.now() - t0) / 1000, 0.001);
  let total = '';
  let eta = '';
  if (cfg.records !== null) {
    total = `/${cfg.records}`;
    eta = `, ETA ${fmtDuration((cfg.records - n) / Math.max(rate, 1e-9))}`;
  } else if (cfg.duration) {
    eta = `, ${fmtDuration(Math.max(0, (src.deadline - Date.now()) / 1000))} left`;
  }
  return { count: `${n}${total}`, tail: `, ${rate.toFixed(0)} records/s${eta}` };
}

function progressLine(cfg, stats, src, t0) {
  const { count, tail } = progressOf(cfg, src, stats.sent, t0);
  const c4 = [...stats.byStatus].filter(([s]) => s >= 400 && s < 500).map(([s, c]) => `${s} ${c}`).join(', ');
  return `${count} sent, 201 ${stats.byStatus.get(201) || 0}, 200 ${stats.byStatus.get(200) || 0}` +
    `${c4 ? `, ${c4}` : ''}, 5xx ${stats.statusCount((s) => s >= 500)}, errors ${stats.errorCount}${tail}`;
}

/*
 * progressTicker(cfg, src, what, t0): a function of the records done so far
 * that logs a progress line every cfg.progressInterval ms.  It is called
 * from the loop itself, every 256 records, because a timer never fires
 * while a loop writes synchronously (files, or a pipe that keeps up).
 */
function progressTicker(cfg, src, what, t0) {
  let next = t0 + cfg.progressInterval;
  return (n) => {
    if (n % 256 !== 0 || Date.now() < next) return;
    next = Date.now() + cfg.progressInterval;
    const { count, tail } = progressOf(cfg, src, n, t0);
    log(cfg, `${count} ${what}${tail}`);
  };
}

async function runHttp(cfg, gen) {
  const manifest = cfg.manifest ? new Manifest(cfg.manifest) : null;
  const stats = new Stats();
  const src = makeSource(cfg, gen, manifest);
  const unhook = onInterrupt(src);
  const limiter = cfg.rate ? new Limiter(cfg.rate, cfg.bursts) : null;
  const t0 = Date.now();
  let aborted = '';
  const timer = setInterval(() => log(cfg, progressLine(cfg, stats, src, t0)), cfg.progressInterval);
  timer.unref();

  async function worker() {
    const conn = new Conn(cfg.target.host, cfg.target.port, {
      keepAlive: cfg.keepAlive, timeout: cfg.timeout * 1000, connectTimeout: Math.min(5000, cfg.timeout * 1000),
    });
    for (;;) {
      if (limiter) await limiter.wait();
      const rec = src.take();
      if (!rec) break;
      const buf = wire.httpRequest(rec, cfg.target);
      for (let attempt = 0; ; attempt++) {
        let res;
        try {
          res = await conn.send(buf);
        } catch (e) {
          stats.error(rec, e);
          break;
        }
        if (res.status === 503 && attempt < cfg.retries) {
          stats.retries++;
          await sleep(retryAfterMs(res));
          continue;
        }
        stats.response(rec, res);
        break;
      }
      if (cfg.maxErrors > 0 && stats.unexpected + stats.errorCount >= cfg.maxErrors && !src.stopped) {
        src.stopped = true;
        aborted = `stopping after ${cfg.maxErrors} failures (--max-errors)`;
      }
    }
    conn.close();
  }

  const workers = [];
  for (let i = 0; i < cfg.concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  clearInterval(timer);
  unhook();
  if (manifest) manifest.close();
  const el = (Date.now() - t0) / 1000;

  const out = [];
  out.push(`sent ${stats.sent} records in ${el.toFixed(1)} s (${(stats.sent / Math.max(el, 0.001)).toFixed(0)} records/s) to ${cfg.url}`);
  out.push(`  201 stored      ${stats.byStatus.get(201) || 0}`);
  out.push(`  200 duplicate   ${stats.byStatus.get(200) || 0}`);
  const others = [...stats.byStatus.keys()].filter((s) => s !== 200 && s !== 201).sort((a, b) => a - b);
  for (const s of others) out.push(`  ${String(s).padEnd(16)}${stats.byStatus.get(s)}`);
  out.push(`  4xx expected    ${stats.expectedRejections} (deliberately invalid records)`);
  out.push(`  5xx             ${stats.statusCount((s) => s >= 500)}${stats.retries ? ` (and ${stats.retries} 503s retried)` : ''}`);
  out.push(`  errors          ${stats.errorCount}${stats.errors.size ? ` (${[...stats.errors].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`);
  out.push(`  unexpected      ${stats.unexpected + stats.errorCount}`);
  if (stats.lat.n) {
    out.push(`  latency ms      p50 ${stats.lat.percentile(0.5).toFixed(2)}, p90 ${stats.lat.percentile(0.9).toFixed(2)}, ` +
      `p99 ${stats.lat.percentile(0.99).toFixed(2)}, max ${stats.lat.max.toFixed(2)}`);
  }
  for (const s of stats.samples) out.push(`  e.g. ${s}`);
  if (aborted) out.push(`  ${aborted}`);
  process.stderr.write(`telemetrics-sim: ${out.join('\n')}\n`);
  return stats.unexpected + stats.errorCount > 0 ? 1 : 0;
}

/* Counts by kind, format and expected outcome, for the generation modes. */
class Tally {
  constructor() {
    this.n = 0;
    this.kinds = new Map();
    this.formats = new Map();
    this.expect = new Map();
  }

  add(rec) {
    this.n++;
    const inc = (m, k) => m.set(k, (m.get(k) || 0) + 1);
    inc(this.kinds, rec.kind);
    inc(this.formats, rec.format);
    inc(this.expect, rec.expect);
  }

  lines() {
    const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
    return [`  kinds     ${fmt(this.kinds)}`, `  formats   ${fmt(this.formats)}`, `  expected  ${fmt(this.expect)}`];
  }
}

async function runSql(cfg, gen) {
  const manifest = cfg.manifest ? new Manifest(cfg.manifest) : null;
  const src = makeSource(cfg, gen, manifest);
  const unhook = onInterrupt(src);
  const tally = new Tally();
  const out = process.stdout;
  let broken = null;
  let wake = null;
  out.on('error', (e) => {
    broken = e;
    src.stopped = true;
    if (wake) wake();
  });
  const t0 = Date.now();
  let statements = 0;
  const progress = progressTicker(cfg, src, 'records written', t0);

  const write = async (s) => {
    if (broken) return;
    if (!out.write(s)) {
      await new Promise((resolve) => {
        wake = resolve;
        out.once('drain', resolve);
      });
      wake = null;
    }
  };
  await write(`-- telemetrics-sim --sql: seed ${cfg.seed}, ${cfg.records} records from ${cfg.machines} machines, ` +
    `batches of ${cfg.batch}\nSET standard_conforming_strings = on;\n`);
  let batch = [];
  for (;;) {
    const rec = src.take();
    if (rec) {
      batch.push(rec);
      tally.add(rec);
      progress(tally.n);
    }
    if (batch.length >= cfg.batch || (!rec && batch.length > 0)) {
      await write(wire.sqlBatch(batch, { outcomes: cfg.sqlOutcomes }));
      statements++;
      batch = [];
    }
    if (!rec || broken) break;
  }
  await new Promise((resolve) => (broken ? resolve() : out.write('', resolve)));
  unhook();
  if (manifest) manifest.close();
  const el = (Date.now() - t0) / 1000;
  if (broken) {
    process.stderr.write(`telemetrics-sim: cannot write the SQL: ${broken.code || broken.message} (did the reader exit?)\n`);
    return 1;
  }
  log(cfg, [`wrote ${tally.n} records in ${statements} statements in ${el.toFixed(1)} s (${(tally.n / Math.max(el, 0.001)).toFixed(0)} records/s)`]
    .concat(tally.lines()).join('\n'));
  return 0;
}

async function runDump(cfg, gen) {
  fs.mkdirSync(cfg.dump, { recursive: true });
  const manifest = new Manifest(cfg.manifest || path.join(cfg.dump, 'manifest.tsv'));
  const src = makeSource(cfg, gen, manifest);
  const tally = new Tally();
  const t0 = Date.now();
  const progress = progressTicker(cfg, src, 'requests written', t0);
  for (;;) {
    const rec = src.take();
    if (!rec) break;
    tally.add(rec);
    progress(tally.n);
    fs.writeFileSync(path.join(cfg.dump, `${String(rec.seq).padStart(8, '0')}.http`), wire.httpRequest(rec, cfg.target));
  }
  manifest.close();
  const el = (Date.now() - t0) / 1000;
  log(cfg, [`wrote ${tally.n} requests to ${cfg.dump} in ${el.toFixed(1)} s`].concat(tally.lines()).join('\n'));
  return 0;
}

async function runDry(cfg, gen) {
  const manifest = cfg.manifest ? new Manifest(cfg.manifest) : null;
  const src = makeSource(cfg, gen, manifest);
  const tally = new Tally();
  const t0 = Date.now();
  const progress = progressTicker(cfg, src, 'records generated', t0);
  let bytes = 0;
  for (;;) {
    const rec = src.take();
    if (!rec) break;
    tally.add(rec);
    progress(tally.n);
    bytes += wire.httpRequest(rec, cfg.target).length;
  }
  if (manifest) manifest.close();
  const el = (Date.now() - t0) / 1000;
  log(cfg, [`generated ${tally.n} records (${(bytes / 1048576).toFixed(1)} MB of requests) in ${el.toFixed(1)} s; nothing sent`]
    .concat(tally.lines()).join('\n'));
  return 0;
}

module.exports = { runHttp, runSql, runDump, runDry, Manifest, MANIFEST_COLUMNS, Histogram, retryAfterMs };
