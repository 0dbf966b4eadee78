// The HTTP side: routing (404, 405 with Allow), content types (415), body
// limits (413 by Content-Length before reading, and while reading a
// chunked body), the query API, the UI's allow-list, and the connection
// limits (header size, connection count, idle timeout, request deadline).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  TID, buildRequest, env, fields, holdLocks, metric, metricsText, postV2, postV3, psqlJson, raw, request, sleep, startGateway,
  stopClean, storedRecords, until,
} from './lib.mjs';

/*
 * Open a connection, write first, then each of pieces every `every` ms until
 * the gateway closes the connection; resolves to the ms it stayed open (null
 * if still open after `max` ms) and what the gateway sent.
 */
function trickle(port, first, pieces, every, max = 12000) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let got = '';
    let timer = null;
    let done = false;
    const finish = (v) => { if (!done) { done = true; clearInterval(timer); s.destroy(); resolve({ ms: v, got }); } };
    const s = net.createConnection({ host: '127.0.0.1', port }, () => {
      s.write(first);
      let i = 0;
      timer = setInterval(() => { if (i < pieces.length) s.write(pieces[i++]); }, every);
    });
    s.on('data', (d) => { got += d; });
    s.on('close', () => finish(Date.now() - t0));
    s.on('error', () => {});
    setTimeout(() => finish(null), max);
  });
}

function errorShape(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'] || '', /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'details', 'hint', 'message']);
  assert.equal(r.json.code, code);
}

describe('routing and content types', () => {
  let gw;
  before(async () => { gw = await startGateway(); });
  after(async () => { await stopClean(gw); });

  test('an unknown path is a 404 with a JSON body', async () => {
    for (const [m, p] of [['GET', '/nope'], ['POST', '/v4/collector'], ['POST', '/v2/collector/'],
      ['GET', '/../../etc/passwd'], ['GET', '/%2e%2e/%2e%2e/etc/passwd'], ['GET', '/api'], ['GET', '/V2/COLLECTOR']]) {
      const r = await request(gw.port, m, p);
      errorShape(r, 404, 'GW201');
    }
  });

  test('a path holding %00 matches no route (libmicrohttpd would hand it over cut at the NUL)', async () => {
    const f = fields();
    const series = (route) => `telemetrics_gateway_http_requests_total{route="${route}",method="POST",status="404"}`;
    const m0 = await metricsText(gw.port);
    for (const target of ['/%00', '/v2/collector%00', '/v2/collector%00.json', '/%00/v3/collector']) {
      const r = await postV2(gw.port, f, 'hello\n', { target });
      errorShape(r, 404, 'GW201');
      assert.equal(r.json.details, 'the path holds %00 (a NUL byte), which no route has');
    }
    errorShape(await request(gw.port, 'GET', '/healthz%00x'), 404, 'GW201');
    errorShape(await request(gw.port, 'GET', '/api/records%00?limit=1'), 404, 'GW201');
    assert.deepEqual(storedRecords(f.machine_id), []);
    // counted as matching nothing, not as the route the cut path names
    const m1 = await metricsText(gw.port);
    assert.equal(metric(m1, series('unmatched')) - metric(m0, series('unmatched')), 4);
    assert.equal(metric(m1, series('/')) - metric(m0, series('/')), 0);
    assert.equal(metric(m1, series('/v2/collector')) - metric(m0, series('/v2/collector')), 0);
    // an encoded "%" followed by "00" is no NUL; %00 in a query is the query's business
    const enc = await request(gw.port, 'GET', '/%2500');
    errorShape(enc, 404, 'GW201');
    assert.notEqual(enc.json.details, 'the path holds %00 (a NUL byte), which no route has');
    const q = await request(gw.port, 'GET', '/healthz?x=%00');
    assert.equal(q.status, 200, q.text);
    const ok = await postV2(gw.port, f, 'hello\n', { target: '/v2/collector?x=%00' });
    assert.equal(ok.status, 201, ok.text);
  });

  test('a known path with a wrong method is a 405 with Allow', async () => {
    for (const [m, p, allow] of [['GET', '/v2/collector', 'POST'], ['PUT', '/v3/collector', 'POST'],
      ['DELETE', '/', 'GET, HEAD, POST'], ['POST', '/api/records', 'GET, HEAD'], ['POST', '/healthz', 'GET, HEAD'],
      ['PATCH', '/metrics', 'GET, HEAD'], ['OPTIONS', '/v2/collector', 'POST']]) {
      const r = await request(gw.port, m, p, [], m === 'GET' || m === 'OPTIONS' ? null : 'x');
      errorShape(r, 405, 'GW202');
      assert.equal(r.headers.allow, allow, `${m} ${p}`);
    }
  });

  test('a content type a route cannot take is a 415', async () => {
    const f = fields();
    for (const [target, ct] of [['/v3/collector', 'application/text'], ['/v3/collector', 'text/plain'],
      ['/v3/collector', null], ['/v2/collector', 'multipart/form-data; boundary=x'], ['/', 'application/xml'],
      ['/v3/collector', 'application/jsonx']]) {
      const headers = [['X-Telemetry-TID', TID]];
      if (ct) headers.push(['Content-Type', ct]);
      const r = await request(gw.port, 'POST', target, headers, JSON.stringify({ ...f, payload: 'x' }));
      errorShape(r, 415, 'GW102');
      assert.ok(r.json.message.includes(ct ?? '(none)'), r.json.message);
    }
    assert.equal(storedRecords(f.machine_id).length, 0);
  });

  test('application/json on / and /v2/collector is v3, with parameters and in any case', async () => {
    for (const [target, ct] of [['/', 'application/json'], ['/v2/collector', 'Application/JSON; charset=utf-8']]) {
      const f = fields();
      const r = await postV3(gw.port, f, 'hello\n', { target, contentType: ct });
      assert.equal(r.status, 201, r.text);
      assert.equal(storedRecords(f.machine_id).length, 1);
    }
  });

  test('HEAD /healthz answers headers only', async () => {
    const r = await request(gw.port, 'HEAD', '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
  });

  test('every response says nosniff; API responses are not cached', async () => {
    for (const r of [await request(gw.port, 'GET', '/healthz'), await request(gw.port, 'GET', '/nope')]) {
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['cache-control'], 'no-store');
    }
  });
});

describe('body limits', () => {
  let gw;
  const MAX = 4096;
  before(async () => { gw = await startGateway(['--max-body', String(MAX)]); });
  after(async () => { await stopClean(gw); });

  test('413 from Content-Length, before the body is sent', async () => {
    const f = fields();
    const head = buildRequest('POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json'],
      ['Content-Length', String(MAX + 1)]], null, { contentLength: false });
    const t0 = Date.now();
    const r = await raw(gw.port, head, { timeout: 5000 });
    errorShape(r, 413, 'GW101');
    assert.ok(Date.now() - t0 < 3000, 'answered without waiting for the body');
    assert.equal(r.json.message, `request body of ${MAX + 1} bytes exceeds the limit of ${MAX} bytes`);
    assert.equal(storedRecords(f.machine_id).length, 0);
  });

  test('413 with Expect: 100-continue: no 100, the 413 at once', async () => {
    const head = buildRequest('POST', '/v2/collector', [['Expect', '100-continue'], ['Content-Length', String(MAX * 10)]],
      null, { contentLength: false });
    const r = await raw(gw.port, head, { timeout: 5000 });
    errorShape(r, 413, 'GW101');
  });

  test('413 while reading a chunked body that has no Content-Length', async () => {
    const f = fields();
    const body = JSON.stringify({ ...f, payload: 'x'.repeat(MAX) });
    const chunks = [];
    for (let i = 0; i < body.length; i += 1000) {
      const c = body.slice(i, i + 1000);
      chunks.push(`${c.length.toString(16)}\r\n${c}\r\n`);
    }
    chunks.push('0\r\n\r\n');
    const head = buildRequest('POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json'],
      ['Transfer-Encoding', 'chunked']], null, { contentLength: false });
    const r = await raw(gw.port, Buffer.concat([head, Buffer.from(chunks.join(''))]));
    errorShape(r, 413, 'GW101');
    assert.equal(r.json.message, `request body exceeds the limit of ${MAX} bytes`);
    assert.equal(storedRecords(f.machine_id).length, 0);
  });

  test('a chunked body under the limit is stored', async () => {
    const f = fields();
    const body = JSON.stringify({ ...f, payload: 'chunked\n' });
    const half = Math.floor(body.length / 2);
    const chunked = `${half.toString(16)}\r\n${body.slice(0, half)}\r\n${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`;
    const head = buildRequest('POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json'],
      ['Transfer-Encoding', 'chunked']], null, { contentLength: false });
    const r = await raw(gw.port, Buffer.concat([head, Buffer.from(chunked)]));
    assert.equal(r.status, 201, r.text);
    assert.equal(storedRecords(f.machine_id)[0].payload, 'chunked\n');
  });

  test('a body of exactly the limit is taken', async () => {
    const f = fields();
    const probe = JSON.stringify({ ...f, payload: '' });
    const r = await postV3(gw.port, f, 'y'.repeat(MAX - probe.length));
    assert.equal(r.status, 201, r.text);
  });

  test('a client that keeps streaming far past the limit is disconnected', async () => {
    const head = buildRequest('POST', '/v2/collector', [['Transfer-Encoding', 'chunked']], null, { contentLength: false });
    const r = await raw(gw.port, null, {
      timeout: 20000,
      onConnect: (sock) => {
        sock.write(head);
        const chunk = Buffer.from(`10000\r\n${'z'.repeat(0x10000)}\r\n`);
        let sent = 0;
        const pump = () => {
          while (sent < 400 && !sock.destroyed) {
            sent++;
            if (!sock.write(chunk)) { sock.once('drain', pump); return; }
          }
        };
        sock.on('error', () => {});
        pump();
      },
    });
    assert.equal(r.status, 0, 'no answer, the connection is closed');
  });
});

describe('GET /api/records', () => {
  let gw;
  let machine;
  const ids = [];
  before(async () => {
    gw = await startGateway();
    const f = fields();
    machine = f.machine_id;
    for (let i = 0; i < 3; i++) {
      const r = await postV2(gw.port, { ...f, event_id: fields().event_id, severity: String(i + 1) }, `p${i}\n`);
      ids.push(r.json.id);
    }
  });
  after(async () => { await stopClean(gw); });

  test('filters by the reference\'s parameters, newest first', async () => {
    const r = await request(gw.port, 'GET', `/api/records?machine_id=${machine}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.records.map((x) => x.id), [...ids].reverse());
    const s = await request(gw.port, 'GET', `/api/records?machine_id=${machine}&severity=2&limit=50`);
    assert.deepEqual(s.json.records.map((x) => x.payload), ['p1\n']);
    const c = await request(gw.port, 'GET', `/api/records?machine_id=${machine}&classification=org.clearlinux%2Fhello%2Fworld&build=12&from_id=${ids[1]}`);
    assert.deepEqual(c.json.records.map((x) => x.id), [ids[2], ids[1]]);
  });

  test('invalid parameters are 400 with the reference\'s messages', async () => {
    for (const [q, message] of [['severity=9', 'Severity should be a numeric value'],
      ['limit=abc', 'Record limit value is invalid'], ['classification=a', 'Classification value is invalid'],
      ['created_in_days=x', 'Created (in days) value is invalid'], ['from_id=-1', 'Provided record id value is invalid'],
      ['machine_id=' + 'x'.repeat(33), 'Machine id value is invalid'], ['limit', 'Record limit value is invalid'],
      ['ts_capture=now', 'Time stamp from record capture']]) {
      const r = await request(gw.port, 'GET', `/api/records?${q}`);
      errorShape(r, 400, '22023');
      assert.equal(r.json.message, message, q);
    }
  });

  test('a query value that is not UTF-8 is a 400, not a 500', async () => {
    const r = await request(gw.port, 'GET', '/api/records?build=%ff%fe');
    errorShape(r, 400, '22021');
    const n = await request(gw.port, 'GET', '/api/records?machine_id=a%00b');
    errorShape(n, 400, '22021');
  });
});

describe('the UI\'s files', () => {
  let gw;
  let dir;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-ui-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1);');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'not listed');
    fs.mkdirSync(path.join(dir, 'node_modules/chart.js/dist'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules/chart.js/dist/chart.umd.js'), '/* chart */');
    gw = await startGateway(['--ui-dir', dir]);
  });
  after(async () => { await stopClean(gw); fs.rmSync(dir, { recursive: true, force: true }); });

  test('listed files are served with their type; others are 404', async () => {
    const r = await request(gw.port, 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.text, '<!doctype html><title>t</title>');
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.headers['content-security-policy'], /default-src 'self'/);
    const js = await request(gw.port, 'GET', '/app.js');
    assert.match(js.headers['content-type'], /^text\/javascript/);
    const chart = await request(gw.port, 'GET', '/vendor/chart.umd.js');
    assert.equal(chart.text, '/* chart */');
    for (const p of ['/secret.txt', '/node_modules/chart.js/dist/chart.umd.js', '/index.html/../secret.txt', '/./secret.txt']) {
      errorShape(await request(gw.port, 'GET', p), 404, 'GW201');
    }
    errorShape(await request(gw.port, 'GET', '/style.css'), 404, 'GW201');
  });

  test('ETag and If-None-Match give a 304', async () => {
    const r = await request(gw.port, 'GET', '/app.js');
    assert.ok(r.headers.etag);
    const again = await request(gw.port, 'GET', '/app.js', [['If-None-Match', r.headers.etag]]);
    assert.equal(again.status, 304);
  });
});

describe('connection limits', () => {
  test('a header block over --max-header-bytes is a JSON 431, logged and counted; nothing is stored', async () => {
    const gw = await startGateway(['--max-header-bytes', '4k']);
    try {
      const want = { code: 'GW108', message: 'the request line and headers exceed the limit of 4096 bytes', details: null, hint: null };
      let r = await request(gw.port, 'GET', '/healthz', [['X-Big', 'a'.repeat(5000)]]);
      assert.equal(r.status, 431, r.text);
      assert.deepEqual(r.json, want);
      r = await request(gw.port, 'GET', '/api/records?machine_id=' + 'm'.repeat(5000));
      assert.equal(r.status, 431, r.text);
      const f = fields();
      r = await postV2(gw.port, f, 'p\n', { extra: [['X-Padding', 'p'.repeat(5000)]] });
      assert.equal(r.status, 431, r.text);
      assert.deepEqual(r.json, want);
      assert.equal(storedRecords(f.machine_id).length, 0);
      assert.equal((await request(gw.port, 'GET', '/healthz', [['X-Fits', 'a'.repeat(3000)]])).status, 200);
      assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_http_requests_total{route="/healthz",method="GET",status="431"}'), 1);
      await sleep(100);
      assert.match(gw.logText(), /info: GET \/healthz 431 [0-9.]+ ms\n/);
    } finally { await stopClean(gw); }
  });

  test('a header block beyond the connection memory is refused by libmicrohttpd itself (431)', async () => {
    const gw = await startGateway(['--connection-memory-limit', '16k']);
    try {
      const r = await request(gw.port, 'GET', '/healthz', [['X-Big', 'a'.repeat(20000)]]);
      assert.equal(r.status, 431);
      assert.equal((await request(gw.port, 'GET', '/healthz')).status, 200, 'the gateway carries on');
    } finally { await stopClean(gw); }
  });

  test('an idle connection is closed after --connection-timeout (slowloris)', async () => {
    const gw = await startGateway(['--connection-timeout', '1']);
    try {
      const t0 = Date.now();
      const closed = await new Promise((resolve) => {
        const s = net.createConnection({ host: '127.0.0.1', port: gw.port }, () => s.write('GET /healthz HTTP/1.1\r\nHo'));
        s.on('close', () => resolve(Date.now() - t0));
        s.on('error', () => {});
        setTimeout(() => { s.destroy(); resolve(null); }, 8000);
      });
      assert.ok(closed !== null && closed >= 900 && closed < 5000, `closed after ${closed} ms`);
    } finally { await stopClean(gw); }
  });

  test('--request-timeout closes a connection that trickles its headers (slowloris)', async () => {
    const gw = await startGateway(['--request-timeout', '2', '--connection-timeout', '30']);
    try {
      const r = await trickle(gw.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n',
        Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: ${i}\r\n`), 400);
      assert.ok(r.ms !== null && r.ms >= 1900 && r.ms < 5000, `closed after ${r.ms} ms`);
      assert.equal(r.got, '', 'no answer to a request that never arrived');
      assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_request_timeouts_total'), 1);
      assert.equal((await request(gw.port, 'GET', '/healthz')).status, 200, 'the gateway carries on');
    } finally { await stopClean(gw); }
  });

  test('--request-timeout closes a connection that trickles its body; nothing is stored', async () => {
    const gw = await startGateway(['--request-timeout', '2', '--connection-timeout', '30']);
    try {
      const f = fields();
      const head = buildRequest('POST', '/v2/collector',
        [...Object.entries(f), ['X-Telemetry-TID', TID], ['Content-Type', 'application/text'], ['Content-Length', '40']],
        null, { contentLength: false }).toString('latin1');
      assert.equal((head.match(/content-length/gi) || []).length, 1);
      const r = await trickle(gw.port, head, Array.from({ length: 40 }, () => 'x'), 300);
      assert.ok(r.ms !== null && r.ms >= 1900 && r.ms < 5000, `closed after ${r.ms} ms`);
      assert.equal(r.got, '', 'no answer to a request that never arrived whole');
      assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_request_timeouts_total'), 1);
      assert.equal(storedRecords(f.machine_id).length, 0);
    } finally { await stopClean(gw); }
  });

  test('--request-timeout: neither a wait for the database nor an idle kept-alive connection counts; a trickled second request does', async () => {
    const gw = await startGateway(['--request-timeout', '2', '--connection-timeout', '30']);
    const lockerDone = holdLocks('BEGIN; LOCK TABLE telemetrics.record_keys IN EXCLUSIVE MODE; SELECT pg_sleep(3.5); COMMIT;');
    try {
      assert.ok(await until(() => psqlJson("SELECT count(*) FROM pg_locks WHERE relation = 'telemetrics.record_keys'::regclass AND mode = 'ExclusiveLock' AND granted") === 1),
        'the lock is held');
      const t0 = Date.now();
      const r = await postV2(gw.port, fields());
      assert.equal(r.status, 201, r.text);
      assert.ok(Date.now() - t0 > 2000, `the record waited for the lock past the deadline (${Date.now() - t0} ms)`);

      // one connection: a request, 3 s idle (past --request-timeout), a request, then one trickled
      const s = net.createConnection({ host: '127.0.0.1', port: gw.port });
      let got = '';
      let closedAt = null;
      s.on('data', (d) => { got += d; });
      s.on('close', () => { closedAt = Date.now(); });
      s.on('error', () => {});
      const answers = () => (got.match(/HTTP\/1\.1 200/g) || []).length;
      await new Promise((resolve) => s.on('connect', resolve));
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(await until(() => answers() === 1, 5000), 'first answer');
      await sleep(3000);
      assert.equal(closedAt, null, 'an idle kept-alive connection is left to --connection-timeout');
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(await until(() => answers() === 2, 5000), 'second answer after 3 s idle');
      const t1 = Date.now();
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => { if (closedAt === null) s.write('X-Slow: 1\r\n'); }, 400);
      await until(() => closedAt !== null, 10000);
      clearInterval(drip);
      s.destroy();
      assert.ok(closedAt !== null && closedAt - t1 >= 1900 && closedAt - t1 < 5000, `closed ${closedAt - t1} ms after the third request line`);
      assert.equal(answers(), 2, 'no answer to the trickled request');
      assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_request_timeouts_total'), 1);
    } finally { await lockerDone; await stopClean(gw); }
  });

  test('no more than --max-connections are served at once', async () => {
    const gw = await startGateway(['--max-connections', '2', '--threads', '1']);
    const idle = [];
    try {
      for (let i = 0; i < 2; i++) {
        idle.push(await new Promise((resolve) => { const s = net.createConnection({ host: '127.0.0.1', port: gw.port }, () => resolve(s)); s.on('error', () => {}); }));
      }
      await sleep(200);
      const third = request(gw.port, 'GET', '/healthz', [], null, { timeout: 10000 });
      const early = await Promise.race([third.then(() => 'answered'), sleep(1000).then(() => 'waiting')]);
      assert.equal(early, 'waiting', 'a third connection is not served while two are open');
      idle.forEach((s) => s.destroy());
      const r = await third;
      assert.ok(r.status === 200 || r.status === 0, `after the others closed: ${r.status}`);
      assert.equal((await request(gw.port, 'GET', '/healthz')).status, 200);
    } finally { idle.forEach((s) => s.destroy()); await stopClean(gw); }
  });
});
