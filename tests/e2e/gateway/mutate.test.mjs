// Mutated client requests against the running (sanitized) gateway: the
// captured requests of tests/corpus/requests/, with their headers dropped,
// doubled, renamed and filled with odd bytes, their JSON bodies broken in
// every way, other routes, methods and content types.  Bounded in count
// and time, eight requests in flight (so that bad records share batches
// with good ones), from a fixed seed (TM_MUTATE_SEED picks another;
// TM_MUTATE_COUNT another count).  Then odd queries of every read route
// (ids, parameters and values; TM_MUTATE_QUERIES of them), and odd bodies
// for every management write (TM_MUTATE_WRITES).  Checks:
//  - no answer is a 5xx, and every answer is either the gateway's JSON
//    error shape (or a stored record) or one of the few HTML answers
//    libmicrohttpd gives itself (docs/gateway.md, "Known limitations");
//  - nothing is lost or stored silently: the records stored are exactly
//    those answered 201, every 200 names a stored record, and every
//    request refused as a record (a 4xx with a SQLSTATE from the
//    extension, or the gateway's GW103 to GW106) was quarantined;
//  - the gateway is still healthy and exits cleanly (no sanitizer report).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  CORPUS_DIR, buildRequest, conninfo, createDatabase, dropDatabase, psql, raw, request, startGateway, stopClean,
} from './lib.mjs';

const SEED = Number(process.env.TM_MUTATE_SEED || 20261127);
const COUNT = Number(process.env.TM_MUTATE_COUNT || 1500);
const TIME_LIMIT_MS = 90000;
const IN_FLIGHT = 8;
const DB = 'tm_mutate';
const INGEST_TARGETS = new Set(['/', '/v2/collector', '/v3/collector']);

/** mulberry32: a small seeded PRNG, so that a failing run can be repeated. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const chance = (p) => rnd() < p;
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');

/** Odd bytes for a header value: printable, quotes, tabs, high bytes, rarely NUL. */
function oddBytes() {
  const len = pick([0, 1, 2, 5, 31, 32, 33, 64, 199, 200, 250, 251, 400]);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    const r = rnd();
    out[i] = r < 0.6 ? 0x20 + int(95) : r < 0.8 ? 0x80 + int(128) : r < 0.98 ? pick([0x09, 0x22, 0x27, 0x5c, 0x7f]) : 0;
  }
  return out;
}

/** An odd JSON value for a v3 member. */
function oddJson() {
  switch (int(10)) {
    case 0: return int(1e6);
    case 1: return -1.5e308;
    case 2: return pick([true, false]);
    case 3: return null;
    case 4: return [hex(4), 1];
    case 5: return { a: { b: 'c' } };
    case 6: return 'x'.repeat(pick([199, 200, 250, 251, 5000]));
    case 7: return `a\u0000b`;
    case 8: return `\u00e9t\u00e9 \ud83d\ude00 ${hex(8)}`;
    default: return oddBytes().toString('latin1');
  }
}

/** A captured request as method, target, headers (no Host/Accept/Content-Length), body. */
function parseCapture(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target] = lines[0].split(' ');
  const headers = lines.slice(1)
    .map((l) => [l.slice(0, l.indexOf(':')), Buffer.from(l.slice(l.indexOf(':') + 1).trim(), 'latin1')])
    .filter(([n]) => !/^(host|accept|content-length)$/i.test(n));
  const body = bytes.subarray(end + 4);
  const v3 = headers.some(([n, v]) => /^content-type$/i.test(n) && /json/.test(v.toString()));
  return { method, target, headers, body, v3 };
}

const bases = fs.readdirSync(CORPUS_DIR).filter((n) => n.endsWith('.http')).sort()
  .map((n) => parseCapture(fs.readFileSync(path.join(CORPUS_DIR, n))));

/** One mutated request: {bytes, ingest} (ingest: an ingest route, POST). */
function mutate() {
  const base = pick(bases);
  let method = base.method;
  let target = base.target;
  const headers = base.headers.map(([n, v]) => [n, Buffer.from(v)]);
  let obj = base.v3 ? JSON.parse(base.body.toString('utf8')) : null;
  let body = base.v3 ? null : Buffer.from(base.body);
  const isObj = () => obj !== null && typeof obj === 'object' && !Array.isArray(obj) && !obj.__raw;
  const setField = (name, value) => {
    if (obj) obj[name] = value;
    else {
      const h = headers.find(([n]) => n.toLowerCase() === name);
      if (h) h[1] = Buffer.from(value);
    }
  };
  // a fresh record most of the time; else a re-send of an earlier one
  if (chance(0.9)) {
    setField('machine_id', `mut-${hex(12)}`);
    setField('event_id', hex(32));
  }
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) {
    const op = int(obj ? 14 : 10);
    const h = headers.length ? pick(headers) : null;
    switch (op) {
      case 0: if (h) headers.splice(headers.indexOf(h), 1); break;
      case 1: if (h) headers.push([h[0], oddBytes()]); break;
      case 2: if (h) h[1] = oddBytes(); break;
      case 3: if (h) h[0] = pick([h[0].toUpperCase(), h[0].replace(/_/g, '-'), h[0].replace(/-/g, '_'), `X-${h[0]}`, `${h[0]} `]); break;
      case 4: {
        const ct = headers.find(([nm]) => /^content-type$/i.test(nm));
        const v = pick(['application/json', 'application/text', 'text/plain', 'application/json; charset=utf-8',
          'APPLICATION/JSON', 'application/x-www-form-urlencoded', '', 'multipart/form-data; boundary=x']);
        if (ct) ct[1] = Buffer.from(v); else headers.push(['Content-Type', Buffer.from(v)]);
        break;
      }
      case 5: headers.push(['X-CLR-External', Buffer.from(pick(['true', 'false', 'TRUE', '1', 'yes', '']))]); break;
      case 6: if (chance(0.3)) target = pick(['/', '/v2/collector', '/v3/collector', '/v3/collector?a=1', '/v2/collector/',
        '/V2/COLLECTOR', '/api/records', '/api/records?limit=abc', '/healthz', '/nope', '/%00', '/..%2f..%2fetc/passwd']); break;
      case 7: if (chance(0.2)) method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']); break;
      case 8:
        if (body) {
          body = Buffer.from(body);
          for (let k = 0; k < 1 + int(8); k++) if (body.length) body[int(body.length)] = int(256);
        } else if (isObj()) setField(pick(Object.keys(obj).concat(['payload'])), oddJson());
        break;
      case 9:
        if (body) body = pick([Buffer.alloc(0), Buffer.concat([body, Buffer.alloc(int(40000), 'y')]), Buffer.from([0xff, 0xfe, 0])]);
        else if (isObj() && Object.keys(obj).length) setField(pick(Object.keys(obj)), oddJson());
        break;
      // v3 only
      case 10: if (isObj()) delete obj[pick(Object.keys(obj).concat(['payload']))]; break;
      case 11: if (isObj()) obj[pick(['unknown', 'Build', 'EVENT-ID', 'x_clr_external', ''])] = oddJson(); break;
      case 12: if (isObj() && chance(0.3)) obj = pick([[obj], 'a string', 42, null, {}]); break;
      case 13: if (obj !== null && chance(0.5)) obj = { __raw: true, obj }; break;
      default: break;
    }
  }
  if (!body) {
    if (obj && obj.__raw) {
      // byte-level damage to the JSON text: a duplicate key, a cut, flipped bytes
      let t = Buffer.from(JSON.stringify(obj.obj));
      const k = int(3);
      if (k === 0) t = Buffer.concat([t.subarray(0, t.length - 1), Buffer.from(',"build":"7"}')]);
      else if (k === 1) t = t.subarray(0, int(t.length));
      else for (let j = 0; j < 1 + int(6); j++) if (t.length) t[int(t.length)] = int(256);
      body = t;
    } else body = Buffer.from(JSON.stringify(obj) ?? '');
  }
  const bytes = buildRequest(method, target, headers, body);
  return { bytes, ingest: method === 'POST' && INGEST_TARGETS.has(target.split('?')[0]), method };
}

// The read routes (GET and HEAD), their parameters, and odd values for both.
const READ_ROUTES = ['/api/records', '/api/records/search', '/api/records/filters', '/api/records/export.csv',
  '/api/records/{id}', '/api/records/{id}/frames', '/api/builds', '/api/stats', '/api/population', '/api/crashes',
  '/api/crashes/rate', '/api/crashes/new', '/api/guilties/hidden', '/api/guilties/{id}', '/api/guilties/{id}/backtraces',
  '/api/blacklist', '/api/reclassify', '/api/reclassify/{id}', '/api/mce', '/api/thermal', '/api/quarantine',
  '/api/retention', '/api/whoami', '/healthz', '/metrics'];
const PARAMS = ['build', 'classification', 'data_source', 'from_date', 'to_date', 'machine_id', 'not_payload', 'payload',
  'severity', 'system_name', 'all', 'builds', 'days', 'hidden', 'id', 'machines', 'page', 'page_size', 'scope', 'top',
  'weeks', 'limit', 'from_id', 'created_in_days', 'created_in_sec', 'ts_capture', 'zzz', ''];
const ODD_VALUES = ['', '0', '1', '-1', '4', '2147483648', '99999999999999999999', '1e3', '1.5', 'abc', 'NaN',
  "' OR 1=1 --", '%00', '%ff', '%c3%28', '%e2%82', 'x'.repeat(300), '2026-11-27', '2026-13-45', 'true', '[]',
  '{"a":1}', '%22%5c', 'org.clearlinux/crash/clr', '*', '%25', '+', '%2B'];
const QUERY_COUNT = Number(process.env.TM_MUTATE_QUERIES || 1000);

/** A read request with odd ids, parameters and values: {method, target}. */
function mutateQuery() {
  const route = pick(READ_ROUTES);
  const path = route.replace('{id}', () => pick(['1', '2', '0', '-1', '99999999999999999999', 'abc', '%ff', '1.5', '%00', 'x'.repeat(300)]));
  const parts = [];
  for (let i = int(5); i > 0; i--) {
    const name = pick(PARAMS);
    const value = pick(ODD_VALUES);
    parts.push(chance(0.1) ? name : `${name}=${/%/.test(value) ? value : encodeURIComponent(value)}`);
  }
  const method = chance(0.15) && !route.endsWith('.csv') ? 'HEAD' : 'GET';
  return { method, target: parts.length ? `${path}?${parts.join('&')}` : path };
}

// The management writes, the members their bodies take, and odd bodies.
const WRITE_ROUTES = [['POST', '/api/guilties/{id}'], ['POST', '/api/blacklist'], ['DELETE', '/api/blacklist/{id}'],
  ['POST', '/api/reclassify']];
const WRITE_KEYS = ['function', 'module', 'match', 'comment', 'reclassify', 'hidden', 'id', 'scope', 'zzz'];
const WRITE_COUNT = Number(process.env.TM_MUTATE_WRITES || 300);

/** A management write with an odd body: {method, target, headers, body}. */
function mutateWrite() {
  const [method, route] = pick(WRITE_ROUTES);
  const target = route.replace('{id}', () => pick(['1', '0', '-1', '99999999999999999999', 'abc', '%ff', '1.5']));
  const obj = {};
  for (let i = int(4); i > 0; i--) {
    obj[pick(WRITE_KEYS)] = chance(0.5) ? oddJson() : pick(['exact', 'prefix', 'all', 'affected', 'x', false, true, 'abort',
      'libc.so.6', '*']);
  }
  if (chance(0.7)) obj.reclassify = false; // keep the reclassification jobs few
  let body = JSON.stringify(obj);
  const k = int(10);
  if (k === 0) body = body.slice(0, int(body.length));
  else if (k === 1) body = pick(['[]', '1', 'null', '"x"', '{"a":1,"a":2}', '']);
  const headers = [];
  if (chance(0.9)) headers.push(['Content-Type', pick(['application/json', 'application/json', 'text/plain', 'application/json; charset=utf-8'])]);
  if (chance(0.1)) headers.push(['Origin', pick(['http://127.0.0.1', 'http://evil.example', 'null'])]);
  return { method, target, headers, body };
}

// a refusal that is quarantined: the extension's SQLSTATE, or the
// gateway's own for a request that is not a record
const isKept = (c) => typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c)
  && (!c.startsWith('GW') || /^GW10[3-6]$/.test(c));

describe(`mutated client requests (seed ${SEED})`, () => {
  let gw;
  const results = [];

  before(async () => {
    createDatabase(DB);
    gw = await startGateway(['--log-level', 'warn'], { db: conninfo(DB) });
  });
  after(async () => {
    try { if (gw) await stopClean(gw); } finally { dropDatabase(DB); }
  });

  test(`up to ${COUNT} mutated requests: no 5xx, and every answer has the right shape`, async () => {
    const reqs = Array.from({ length: COUNT }, mutate);
    const started = Date.now();
    let next = 0;
    const bad = [];
    async function lane() {
      while (next < reqs.length && Date.now() - started < TIME_LIMIT_MS) {
        const r = reqs[next++];
        let res;
        try {
          res = await raw(gw.port, r.bytes, { timeout: 30000, isHead: r.method === 'HEAD' });
        } catch (e) {
          res = { status: 0, error: e.message };
        }
        results.push({ req: r, res });
        const ct = res.headers?.['content-type'] || '';
        const json = /application\/json/.test(ct);
        let why = null;
        if (!res.status) why = `no answer (${res.error})`;
        else if (res.status >= 500) why = `answered ${res.status}`;
        else if (json && (res.json === undefined || res.json === null)) why = 'a JSON content type but no JSON body';
        else if (json && res.status >= 400 && (typeof res.json.code !== 'string' || typeof res.json.message !== 'string')) {
          why = 'an error without code and message';
        } else if (json && res.status < 300 && r.ingest && !(Number(res.json.id) > 0)) why = 'a record without an id';
        else if (!json && ![400, 414, 431, 505].includes(res.status) && !(res.status === 200 && !r.ingest)) {
          why = `a non-JSON ${res.status}`;
        }
        if (why) bad.push(`${why}: ${res.text?.slice(0, 200)} for ${r.bytes.toString('base64').slice(0, 2000)}`);
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad answers (base64 of the request after each)`);
    assert.ok(results.length >= Math.min(COUNT, 300), `only ${results.length} requests within ${TIME_LIMIT_MS} ms`);
    // the mix must exercise every outcome, or the checks below prove little
    // (a run made short on purpose may not)
    const statuses = new Set(results.map((x) => x.res.status));
    if (results.length >= 1000) {
      for (const s of [200, 201, 400, 404, 405, 415]) assert.ok(statuses.has(s), `no ${s} among ${[...statuses]}`);
    }
  });

  test('the records stored are exactly those answered 201, and every rejection was quarantined', () => {
    const created = new Set();
    const named = new Set();
    const rejectedBy = {};
    let rejected = 0;
    for (const { req, res } of results) {
      if (!req.ingest) continue;
      if (res.status === 201) created.add(String(res.json.id));
      if (res.status === 200) named.add(String(res.json.id));
      if (res.status >= 400 && res.status < 500 && isKept(res.json?.code)) {
        rejected++;
        rejectedBy[res.json.code] = (rejectedBy[res.json.code] || 0) + 1;
      }
    }
    assert.ok(created.size > 50 && rejected > 50, `too few stored (${created.size}) or rejected (${rejected}) to tell`);
    const stored = psql('SELECT coalesce(string_agg(id::text, \',\' ORDER BY id), \'\') FROM telemetrics.records', { db: DB })
      .split(',').filter(Boolean);
    assert.equal(stored.length, created.size, 'rows in telemetrics.records against 201 answers');
    assert.deepEqual(new Set(stored), created);
    for (const id of named) assert.ok(created.has(id), `a 200 named record ${id}, which no 201 stored`);
    const kept = JSON.parse(psql(`SELECT coalesce(json_object_agg(sqlstate, n), '{}') FROM
      (SELECT sqlstate, sum(repeat_count) AS n FROM telemetrics.quarantine GROUP BY sqlstate) q`, { db: DB }));
    assert.deepEqual(kept, rejectedBy, 'quarantined (with repeats) against rejections answered, by SQLSTATE');
  });

  test('mutated queries of every read route: no 5xx, and every answer has the right shape', async () => {
    const bad = [];
    const seen = new Set();
    let sent = 0;
    const started = Date.now();
    const one = async () => {
      const { method, target } = mutateQuery();
      sent++;
      let res;
      try {
        res = await request(gw.port, method, target, [], null, { timeout: 30000 });
      } catch (e) {
        res = { status: 0, error: e.message };
      }
      seen.add(res.status);
      const ct = res.headers?.['content-type'] || '';
      let why = null;
      if (!res.status) why = `no answer (${res.error})`;
      else if (res.status >= 500 && !(res.status === 503 && res.json?.code === 'GW007')) why = `answered ${res.status}`;
      else if (res.status >= 400 && !/application\/json/.test(ct)) {
        if (![400, 414, 431, 505].includes(res.status)) why = `a non-JSON ${res.status}`;
      } else if (res.status >= 400 && method === 'GET' && (typeof res.json?.code !== 'string' || typeof res.json?.message !== 'string')) {
        why = 'an error without code and message';
      } else if (res.status === 200 && method === 'GET' && /application\/json/.test(ct) && res.json === undefined) {
        why = 'a JSON content type but no JSON body';
      }
      if (why) bad.push(`${why}: ${res.text?.slice(0, 200)} for ${method} ${target.slice(0, 300)}`);
    };
    const lane = async () => { while (sent < QUERY_COUNT && Date.now() - started < TIME_LIMIT_MS) await one(); };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad answers`);
    if (sent >= 500) for (const st of [200, 400, 404]) assert.ok(seen.has(st), `no ${st} among ${[...seen]}`);
  });

  test('odd bodies for every management write: no 5xx, and every answer has the right shape', async () => {
    const bad = [];
    const seen = new Set();
    for (let i = 0; i < WRITE_COUNT; i++) {
      const { method, target, headers, body } = mutateWrite();
      let res;
      try {
        res = await request(gw.port, method, target, headers, body, { timeout: 30000 });
      } catch (e) {
        res = { status: 0, error: e.message };
      }
      seen.add(res.status);
      const json = /application\/json/.test(res.headers?.['content-type'] || '');
      let why = null;
      if (!res.status) why = `no answer (${res.error})`;
      else if (res.status >= 500) why = `answered ${res.status}`;
      else if (!json && ![400, 414, 431, 505].includes(res.status)) why = `a non-JSON ${res.status}`;
      else if (json && res.json === undefined) why = 'a JSON content type but no JSON body';
      else if (res.status >= 400 && (typeof res.json?.code !== 'string' || typeof res.json?.message !== 'string')) {
        why = 'an error without code and message';
      }
      if (why) bad.push(`${why}: ${res.text?.slice(0, 200)} for ${method} ${target} ${String(body).slice(0, 300)}`);
    }
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad answers`);
    for (const st of [200, 400, 415]) assert.ok(seen.has(st), `no ${st} among ${[...seen]}`);
  });

  test('the gateway is still healthy', async () => {
    const r = await request(gw.port, 'GET', '/healthz');
    assert.equal(r.status, 200);
  });
});
