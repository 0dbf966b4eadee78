// PostgreSQL goes away and comes back: the gateway answers 503 with
// Retry-After (never a 500, never a hang), sends a 2xx only for what was
// committed, reconnects by itself, and starts even when the database is
// down.  The test cluster is always started again, whatever happens.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  TID, fields, lit, metric, metricsText, pgRunning, pgStart, pgStop, postV2, postV3, psql, request, sleep,
  startGateway, stopClean, storedRecords, until,
} from './lib.mjs';

function is503(r) {
  assert.equal(r.status, 503, r.text);
  assert.match(r.headers['retry-after'] || '', /^\d+$/, 'Retry-After');
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.ok(['GW001', 'GW002'].includes(r.json.code), r.text);
}

describe('the database stops and starts again', () => {
  let gw;
  const notRecordBody = `{"not": "a record", "sent": ${Date.now()}`;
  const notRecord = () => request(gw.port, 'POST', '/v3/collector',
    [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']], notRecordBody);
  const keptNotRecord = () => psql(`SELECT sqlstate || '|' || message || '|' || repeat_count
    FROM telemetrics.quarantine WHERE payload_excerpt = ${lit(notRecordBody)}`);
  before(async () => { gw = await startGateway(); });
  after(async () => {
    if (!(await pgRunning())) await pgStart();
    await stopClean(gw);
  });

  test('503 with Retry-After while it is down, automatic recovery afterwards', async (t) => {
    const before = fields();
    assert.equal((await postV2(gw.port, before)).status, 201);

    // a burst of records in flight while the server shuts down
    const burst = Array.from({ length: 60 }, () => fields());
    const inflight = burst.map((f, i) => sleep(i * 5).then(() => (i % 2 ? postV2 : postV3)(gw.port, f, `burst ${i}\n`)));
    await sleep(40);
    let down;
    const outage = [];
    try {
      await pgStop();
      const results = await Promise.all(inflight);
      for (const r of results) assert.ok(r.status === 201 || r.status === 503, `burst: ${r.status} ${r.text}`);

      // while it is down: every route that needs it is a 503, quickly
      down = fields();
      const t0 = Date.now();
      is503(await postV2(gw.port, down));
      is503(await postV3(gw.port, down));
      is503(await request(gw.port, 'GET', '/healthz'));
      is503(await request(gw.port, 'GET', '/api/records'));
      // a body that is not a record cannot be kept: 503, so that the
      // client sends it again (below) instead of it being lost
      is503(await notRecord());
      assert.ok(Date.now() - t0 < 8000, `503s took ${Date.now() - t0} ms`);
      // /metrics does not need the database
      assert.equal((await request(gw.port, 'GET', '/metrics')).status, 200);

      // a gateway started now starts anyway and answers 503
      const late = await startGateway();
      outage.push(late);
      assert.match(late.logText(), /database unreachable at start-up/);
      is503(await request(late.port, 'GET', '/healthz'));
      is503(await postV2(late.port, fields()));

      // what was answered 201 is committed (checked after the restart)
      burst.forEach((f, i) => { f.status = results[i].status; });
      t.diagnostic(`burst during the shutdown: ${results.filter((r) => r.status === 201).length} x 201, `
        + `${results.filter((r) => r.status === 503).length} x 503`);
    } finally {
      await pgStart();
    }

    // recovery without a restart, for both gateways
    for (const g of [gw, ...outage]) {
      const ok = await until(async () => (await request(g.port, 'GET', '/healthz')).status === 200, 20000, 200);
      assert.ok(ok, 'healthz recovered');
      const f = fields();
      const r = await postV2(g.port, f);
      assert.equal(r.status, 201, r.text);
      assert.equal(storedRecords(f.machine_id).length, 1);
    }
    assert.equal(storedRecords(down.machine_id).length, 0, 'nothing was stored while it was down');
    assert.equal(keptNotRecord(), '', 'nothing was quarantined while it was down');
    const again = await notRecord();
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json.code, 'GW103');
    assert.equal(keptNotRecord(), `GW103|${again.json.message}|1`, 'sent again once it is up: kept');
    for (const f of burst) {
      const n = storedRecords(f.machine_id).length;
      if (f.status === 201) assert.equal(n, 1, 'a 201 means committed');
    }
    // the client re-sends what got 503: it is stored once
    for (const f of burst.filter((x) => x.status === 503)) {
      const r = await postV2(gw.port, f, 'again\n');
      assert.ok(r.status === 201 || r.status === 200, r.text);
      assert.equal(storedRecords(f.machine_id).length, 1);
    }

    const m = await metricsText(gw.port);
    assert.ok(metric(m, 'telemetrics_gateway_db_errors_total{kind="lost"}') >= 1, 'lost connections counted');
    // whether gw itself tried to connect while the server was down depends on
    // timing (it retries once a second); the gateway started during the
    // outage certainly did
    for (const g of outage) {
      assert.ok(metric(await metricsText(g.port), 'telemetrics_gateway_db_errors_total{kind="connect"}') >= 1,
        'failed connects counted');
    }
    assert.ok(metric(m, 'telemetrics_gateway_db_reconnects_total') >= 1, 'reconnects counted');
    assert.ok(metric(m, 'telemetrics_gateway_http_requests_total{route="/v2/collector",method="POST",status="503"}') >= 1);
    assert.equal(metric(m, 'telemetrics_gateway_http_requests_total{route="/v2/collector",method="POST",status="500"}'), 0);

    for (const g of outage) await stopClean(g);
  });
});
