// Operating the gateway: /healthz, /metrics, the request log, SIGTERM
// draining, flags and their environment variables, start-up checks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  EXT_VERSION, TID, buildRequest, conninfo, env, fields, freePort, hex32, holdLocks, metric, metricsText,
  postV2, postV3, psqlJson, raw, request, runGateway, sleep, startGateway, stopClean, storedRecords, until,
} from './lib.mjs';

describe('healthz and metrics', () => {
  let gw;
  before(async () => { gw = await startGateway(); });
  after(async () => { await stopClean(gw); });

  test('/healthz: the database answers and the extension version is the gateway\'s', async () => {
    const r = await request(gw.port, 'GET', '/healthz');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { status: 'ok', version: EXT_VERSION, extension_version: EXT_VERSION });
  });

  test('/metrics: Prometheus text with the required series, counting what happened', async () => {
    const f = fields();
    assert.equal((await postV3(gw.port, f)).status, 201);
    assert.equal((await postV2(gw.port, f)).status, 200);
    assert.equal((await postV2(gw.port, fields({ arch: 'vax' }))).status, 400);
    assert.equal((await postV2(gw.port, fields({ severity: '0' }))).status, 400);
    assert.equal((await request(gw.port, 'GET', '/nope')).status, 404);

    const r = await request(gw.port, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const m = r.text;
    for (const series of ['telemetrics_gateway_http_requests_total', 'telemetrics_gateway_http_request_duration_seconds',
      'telemetrics_gateway_records_total', 'telemetrics_gateway_rejections_total', 'telemetrics_gateway_db_errors_total',
      'telemetrics_gateway_db_reconnects_total', 'telemetrics_gateway_http_connections', 'telemetrics_gateway_batch_size',
      'telemetrics_gateway_queue_depth', 'telemetrics_gateway_build_info']) {
      assert.match(m, new RegExp(`^# TYPE ${series} `, 'm'), series);
    }
    assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v3/collector",method="POST",status="201"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v2/collector",method="POST",status="200"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v2/collector",method="POST",status="400"}'), 2);
    assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="unmatched",method="GET",status="404"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_records_total{outcome="stored"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_records_total{outcome="duplicate"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_records_total{outcome="rejected"}'), 2);
    assert.equal(metric(m, 'telemetrics_gateway_rejections_total{sqlstate="22023"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_rejections_total{sqlstate="22003"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_http_request_duration_seconds_count{route="/v3/collector"}'), 1);
    assert.equal(metric(m, 'telemetrics_gateway_http_request_duration_seconds_bucket{route="/v3/collector",le="+Inf"}'), 1);
    assert.ok(metric(m, 'telemetrics_gateway_http_connections') >= 1, 'this connection is open');
    assert.ok(metric(m, 'telemetrics_gateway_db_connections') >= 1);
    assert.match(m, new RegExp(`^telemetrics_gateway_build_info\\{version="${EXT_VERSION}",extension_version="${EXT_VERSION}"\\} 1$`, 'm'));
    // every sample line is "name{labels} number" or "name number"
    for (const line of m.split('\n').filter((l) => l && !l.startsWith('#'))) {
      assert.match(line, /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$/, line);
    }
  });
});

describe('the request log', () => {
  test('one line per request: method, path, status, latency, record id; never the payload', async () => {
    const gw = await startGateway();
    try {
      const secret = `payload-${hex32()}`;
      const f = fields();
      const r = await postV2(gw.port, f, `${secret}\n`);
      assert.equal(r.status, 201);
      const bad = await postV3(gw.port, fields({ arch: 'vax' }), `${secret}\n`);
      assert.equal(bad.status, 400);
      await request(gw.port, 'GET', '/api/records?machine_id=x%0Aforged%20line');
      await sleep(100);
      const log = gw.logText();
      assert.ok(!log.includes(secret), 'the payload is never logged');
      assert.match(log, new RegExp(`info: POST /v2/collector 201 [0-9.]+ ms id=${r.json.id}\\n`));
      assert.match(log, /info: POST \/v3\/collector 400 [0-9.]+ ms\n/);
      assert.match(log, /info: GET \/api\/records 200 [0-9.]+ ms\n/, 'the query string is not logged');
      assert.ok(!/^forged/m.test(log), 'no forged lines');
    } finally { await stopClean(gw); }
  });

  test('--log-level warn keeps the request lines out', async () => {
    const gw = await startGateway(['--log-level', 'warn']);
    try {
      assert.equal((await request(gw.port, 'GET', '/healthz')).status, 200);
      await sleep(100);
      assert.ok(!/GET \/healthz 200/.test(gw.logText()));
    } finally { await stopClean(gw); }
  });
});

describe('SIGTERM and SIGINT', () => {
  test('a request in flight is finished, then the gateway exits 0', async () => {
    const gw = await startGateway();
    const f = fields();
    const body = JSON.stringify({ ...f, payload: 'drained\n' });
    const head = buildRequest('POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json'],
      ['Content-Length', String(Buffer.byteLength(body))]], null, { contentLength: false });
    let sock;
    const answer = raw(gw.port, null, { onConnect: (s) => { sock = s; s.write(head); s.write(body.slice(0, 100)); } });
    await sleep(300);
    gw.proc.kill('SIGTERM');
    await sleep(300);
    // new connections are closed at once now
    const refused = await request(gw.port, 'GET', '/healthz', [], null, { timeout: 3000 }).catch((e) => ({ status: -1, error: e.message }));
    assert.equal(refused.status, 0, `a new connection after SIGTERM: ${JSON.stringify(refused)}`);
    assert.equal(gw.exited(), null, 'still running: a request is in flight');
    sock.write(body.slice(100));
    const r = await answer;
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.connection, 'close');
    const exit = await gw.exit;
    assert.deepEqual(exit, { code: 0, signal: null }, gw.logText());
    assert.equal(storedRecords(f.machine_id).length, 1);
    assert.match(gw.logText(), /received SIGTERM/);
  });

  test('a record waiting for the database is committed and answered before the exit', async () => {
    const gw = await startGateway();
    const f = fields();
    // hold the lock ingest needs, so the record waits in the database
    const lockerDone = holdLocks('BEGIN; LOCK TABLE telemetrics.record_keys IN EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT;');
    await sleep(300);
    const answer = postV2(gw.port, f, 'waited\n');
    await sleep(300);
    gw.proc.kill('SIGINT');
    const r = await answer;
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await gw.exit, { code: 0, signal: null }, gw.logText());
    await lockerDone;
    assert.equal(storedRecords(f.machine_id).length, 1);
    assert.match(gw.logText(), /received SIGINT/);
  });

  test('SIGTERM under load: every answer is a commit or a clean refusal, exit 0', async (t) => {
    for (let round = 0; round < 3; round++) {
      const gw = await startGateway();
      let stop = false;
      const sent = [];
      const clients = Array.from({ length: 50 }, (_, c) => (async () => {
        while (!stop) {
          const f = fields();
          const r = await (c % 2 ? postV2 : postV3)(gw.port, f).catch((e) => ({ status: -1, error: e.message }));
          sent.push({ f, r });
          if (r.status !== 201) break;
        }
      })());
      await sleep(300 + round * 200);
      gw.proc.kill('SIGTERM');
      const exit = await gw.exit;
      stop = true;
      await Promise.all(clients);
      assert.deepEqual(exit, { code: 0, signal: null }, gw.logText().slice(-2000));
      const counts = {};
      for (const { r } of sent) counts[r.status] = (counts[r.status] || 0) + 1;
      t.diagnostic(`round ${round}: ${JSON.stringify(counts)}`);
      for (const { f, r } of sent) {
        assert.ok([201, 503, 0].includes(r.status), `status ${r.status}: ${r.text ?? r.error}`);
        if (r.status === 201) assert.equal(storedRecords(f.machine_id).length, 1, 'a 201 is committed');
        if (r.status === 503) assert.equal(r.json.code, 'GW004');
      }
      assert.ok(counts[201] > 0);
    }
  });

  test('an idle gateway stops at once', async () => {
    const gw = await startGateway();
    const t0 = Date.now();
    await stopClean(gw);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });
});

describe('flags and environment', () => {
  test('--help lists every option, its variable and the routes', async () => {
    const r = await runGateway(['--help']);
    assert.equal(r.code, 0);
    for (const o of ['--listen', '--port', '--db', '--threads', '--max-body', '--ui-dir', '--connection-timeout',
      '--max-connections', '--log-level', '--db-connections', '--ingest-batches', '--max-batch', '--queue-timeout']) {
      assert.ok(r.stdout.includes(`${o}=`), o);
    }
    assert.match(r.stdout, /\[TELEMETRICS_GATEWAY_MAX_BODY\]/);
    assert.match(r.stdout, /\/v3\/collector/);
  });

  test('--version names the extension version it was built for', async () => {
    const r = await runGateway(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^telemetrics-gateway ${EXT_VERSION} \\(extension ${EXT_VERSION},`));
  });

  test('bad flags and values: a clear error and exit status 2', async () => {
    for (const [args, envv, re] of [
      [['--bogus'], {}, /unrecognized option "--bogus"/],
      [['--port', 'http'], {}, /invalid value "http" for --port/],
      [['--port', '70000'], {}, /invalid value "70000" for --port: expected a whole number from 1 to 65535/],
      [['--port'], {}, /option "--port" needs a value/],
      [['--max-body', '1X'], {}, /invalid value "1X" for --max-body/],
      [['--log-level', 'loud'], {}, /invalid value "loud" for --log-level/],
      [['--threads', '0'], {}, /invalid value "0" for --threads/],
      [['--ingest-batches', '0'], {}, /invalid value "0" for --ingest-batches: expected a whole number from 1 to 64/],
      [['--ui-dir', '/nonexistent/ui'], {}, /--ui-dir: not a directory/],
      [['--listen', 'not an address'], {}, /invalid value "not an address" for --listen/],
      [['extra'], {}, /unexpected argument "extra"/],
      [[], { TELEMETRICS_GATEWAY_PORT: 'x' }, /environment variable TELEMETRICS_GATEWAY_PORT/],
      [[], { TELEMETRICS_GATEWAY_CONNECTION_TIMEOUT: '-5' }, /TELEMETRICS_GATEWAY_CONNECTION_TIMEOUT/],
    ]) {
      const r = await runGateway(args, { env: envv });
      assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(envv)}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });

  test('environment variables stand in for flags; a flag beats its variable', async () => {
    const port = await freePort();
    const gw = await startGateway([], { env: { TELEMETRICS_GATEWAY_PORT: String(port), TELEMETRICS_GATEWAY_MAX_BODY: '100' } });
    try {
      assert.equal(gw.port, port);
      assert.equal((await postV2(gw.port, fields(), 'x'.repeat(200))).status, 413);
    } finally { await stopClean(gw); }
    const gw2 = await startGateway(['--max-body', '1k'], { env: { TELEMETRICS_GATEWAY_MAX_BODY: '100' } });
    try {
      assert.equal((await postV2(gw2.port, fields(), 'x'.repeat(200))).status, 201);
    } finally { await stopClean(gw2); }
    // a flag also beats a variable whose value is bad: the variable is not read
    const gw3 = await startGateway(['--max-body', '1k'], { env: { TELEMETRICS_GATEWAY_MAX_BODY: 'lots' } });
    try {
      assert.equal((await postV2(gw3.port, fields(), 'x'.repeat(200))).status, 201);
      assert.equal((await postV2(gw3.port, fields(), 'x'.repeat(2000))).status, 413);
    } finally { await stopClean(gw3); }
  });

  test('a port in use: exit status 1 with a message', async () => {
    const gw = await startGateway();
    try {
      const r = await runGateway(['--port', String(gw.port), '--db', conninfo()]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /could not listen on 127\.0\.0\.1 port \d+/);
    } finally { await stopClean(gw); }
  });

  test('a database without the extension: exit status 1 at start-up', async () => {
    const r = await runGateway(['--port', String(await freePort()), '--db', conninfo('postgres')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /could not check the extension version/);
    assert.match(r.stderr, /is the telemetrics extension installed, and may the gateway's role use schema telemetrics_api\?/);
    assert.doesNotMatch(r.stderr, /ran out of time/);
  });

  test('a wrong password is reported and the gateway starts (503 until fixed)', async () => {
    const gw = await startGateway([], { db: `host=127.0.0.1 port=${env.TM_PG_PORT} dbname=${env.TM_DB} user=telemetrics_gateway password=wrong passfile=/dev/null` });
    try {
      const r = await request(gw.port, 'GET', '/healthz');
      assert.equal(r.status, 503);
      assert.match(gw.logText(), /password authentication failed/);
      assert.ok(!gw.logText().includes('password=wrong'), 'the conninfo is never logged');
    } finally { await stopClean(gw); }
  });

  test('--db-connections 1 and --max-batch 1 still answer every request', async () => {
    const gw = await startGateway(['--db-connections', '1', '--max-batch', '1', '--threads', '1']);
    try {
      const rs = await Promise.all(Array.from({ length: 20 }, () => postV3(gw.port, fields())));
      rs.forEach((r) => assert.equal(r.status, 201, r.text));
      const m = await metricsText(gw.port);
      assert.equal(metric(m, 'telemetrics_gateway_batch_size_bucket{le="1"}'), 20);
    } finally { await stopClean(gw); }
  });

  test('--queue-timeout: a request no worker takes in time is a 503', async () => {
    const gw = await startGateway(['--db-connections', '1', '--queue-timeout', '300']);
    const lockerDone = holdLocks('BEGIN; LOCK TABLE telemetrics.record_keys IN EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;');
    try {
      await sleep(300);
      const first = postV2(gw.port, fields());		// takes the only worker, waits for the lock
      await sleep(200);
      const second = await postV2(gw.port, fields());	// waits in the queue
      assert.equal(second.status, 503, second.text);
      assert.equal(second.json.code, 'GW002');
      assert.ok(second.headers['retry-after']);
      assert.equal((await first).status, 201);
      const m = await metricsText(gw.port);
      assert.equal(metric(m, 'telemetrics_gateway_queue_timeouts_total'), 1);
    } finally { await lockerDone; await stopClean(gw); }
  });
  test('--ingest-batches: one ingest transaction at a time by default, the next waits and the query API stays free; 2 lets a second run beside it', async () => {
    for (const [args, queued] of [[[], 1], [['--ingest-batches', '2'], 0]]) {
      const gw = await startGateway(['--db-connections', '2', ...args]);
      const lockerDone = holdLocks('BEGIN; LOCK TABLE telemetrics.record_keys IN EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;');
      try {
        await sleep(300);
        const f1 = fields();
        const f2 = fields();
        const first = postV2(gw.port, f1);		// a batch that waits for the lock
        await sleep(200);
        const second = postV2(gw.port, f2);		// queued (1), or a second batch (2)
        await sleep(200);
        const m = await metricsText(gw.port);
        assert.equal(metric(m, 'telemetrics_gateway_queue_depth'), queued, args.join(' '));
        if (queued) {
          // the other worker answers a query meanwhile (with two batches
          // running, both workers wait for the lock, and so would the query)
          const q = await request(gw.port, 'GET', `/api/records?machine_id=${f1.machine_id}`);
          assert.equal(q.status, 200, q.text);
          assert.deepEqual(q.json.records, []);
        }
        assert.equal((await first).status, 201);
        assert.equal((await second).status, 201);
        assert.equal(storedRecords(f1.machine_id).length, 1);
        assert.equal(storedRecords(f2.machine_id).length, 1);
        assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_batch_size_count'), 2);
      } finally { await lockerDone; await stopClean(gw); }
    }
  });

  test('--statement-timeout: a statement that runs out of time is a 503 with Retry-After and a JSON body; nothing is stored until it is re-sent; not the client\'s mistakes count as database errors', async () => {
    const gw = await startGateway(['--statement-timeout', '300']);
    const lockerDone = holdLocks('BEGIN; LOCK TABLE telemetrics.record_keys, telemetrics.records IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;');
    const f = fields();
    try {
      assert.ok(await until(async () => psqlJson("SELECT count(*) FROM pg_locks WHERE relation = 'telemetrics.records'::regclass AND mode = 'AccessExclusiveLock' AND granted") === 1), 'the lock is held');
      for (const r of [await postV2(gw.port, f), await postV3(gw.port, f), await request(gw.port, 'GET', '/api/records?classification=org.clearlinux/hello/world')]) {
        assert.equal(r.status, 503, r.text);
        assert.equal(r.headers['retry-after'], '5');
        assert.equal(r.json.code, '57014');
        assert.equal(r.json.message, 'canceling statement due to statement timeout');
      }
      await lockerDone;
      assert.equal((await storedRecords(f.machine_id)).length, 0, 'nothing stored');
      assert.equal((await postV2(gw.port, f)).status, 201, 're-sent');
      assert.equal((await storedRecords(f.machine_id)).length, 1);
      const m = await metricsText(gw.port);
      assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v2/collector",method="POST",status="503"}'), 1);
      assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v3/collector",method="POST",status="503"}'), 1);
      const dbErrors = metric(m, 'telemetrics_gateway_db_errors_total{kind="query"}');
      assert.ok(dbErrors >= 3, `the timed-out statements are database errors (${dbErrors})`);
      // a client's mistakes (404, 400) are not
      assert.equal((await request(gw.port, 'GET', '/api/records/99999999')).status, 404);
      assert.equal((await request(gw.port, 'GET', '/api/records?limit=abc')).status, 400);
      assert.equal(metric(await metricsText(gw.port), 'telemetrics_gateway_db_errors_total{kind="query"}'), dbErrors);
    } finally { await lockerDone; await stopClean(gw); }
  });
});

describe('HEAD and keep-alive', () => {
  test('several requests on one connection', async () => {
    const gw = await startGateway();
    try {
      const f = fields();
      const a = buildRequest('GET', '/healthz');
      const body = JSON.stringify({ ...f, payload: 'ka\n' });
      const b = buildRequest('POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']], body);
      const both = Buffer.concat([a, b]);
      const text = await new Promise((resolve, reject) => {
        let out = '';
        const net = import('node:net');
        net.then(({ default: n }) => {
          const s = n.createConnection({ host: '127.0.0.1', port: gw.port }, () => s.write(both));
          s.on('data', (d) => { out += d; if ((out.match(/HTTP\/1\.1 /g) || []).length >= 2 && /\}\s*$/.test(out)) { s.destroy(); resolve(out); } });
          s.on('error', reject);
          setTimeout(() => { s.destroy(); resolve(out); }, 5000);
        });
      });
      assert.match(text, /HTTP\/1\.1 200 OK[\s\S]*HTTP\/1\.1 201 Created/);
      await until(() => storedRecords(f.machine_id).length === 1, 3000);
      assert.equal(storedRecords(f.machine_id).length, 1);
    } finally { await stopClean(gw); }
  });
});
