// 200 concurrent clients: no record lost or duplicated, every answer
// sent after its commit, and concurrent records share transactions
// (group commit).  On a fresh database, so that the first records of the
// day race to create its partition, as they do on a new installation.
// Then one record sent 40 times at once through two gateways: exactly one
// is stored, and every other copy is answered as its duplicate.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  conninfo, createDatabase, dropDatabase, fields, metric, metricsText, postV2, postV3, psql, startGateway, stopClean,
} from './lib.mjs';

const DB = `tm_gw_concurrency_${process.pid}`;

const CLIENTS = 200;
const PER_CLIENT = 5;

describe('concurrency', () => {
  let gw;
  before(async () => {
    createDatabase(DB);
    gw = await startGateway(['--max-connections', '512'], { db: conninfo(DB) });
  });
  after(async () => { await stopClean(gw); dropDatabase(DB); });

  test(`${CLIENTS} concurrent clients, ${PER_CLIENT} records each: none lost, none doubled`, async (t) => {
    const before = await metricsText(gw.port);
    const tag = `cc${Date.now().toString(36)}`;
    const clients = Array.from({ length: CLIENTS }, (_, c) => (async () => {
      const out = [];
      for (let i = 0; i < PER_CLIENT; i++) {
        const f = fields({ machine_id: `${tag}-${c}` });
        const r = await ((c + i) % 2 ? postV2 : postV3)(gw.port, f, `client ${c} record ${i}\n`);
        out.push({ r, f });
      }
      return out;
    })());
    const all = (await Promise.all(clients)).flat();
    const statuses = {};
    for (const { r } of all) statuses[r.status] = (statuses[r.status] || 0) + 1;
    assert.deepEqual(statuses, { 201: CLIENTS * PER_CLIENT }, JSON.stringify(statuses));

    const ids = all.map(({ r }) => r.json.id);
    assert.equal(new Set(ids).size, ids.length, 'every record got its own id');

    const rows = JSON.parse(psql(`SELECT json_agg(json_build_object('id', id, 'e', event_id))
      FROM telemetrics.records WHERE machine_id LIKE '${tag}-%'`, { db: DB }));
    assert.equal(rows.length, CLIENTS * PER_CLIENT, 'every answered record is stored');
    const byId = new Map(rows.map((x) => [x.id, x.e]));
    for (const { r, f } of all) assert.equal(byId.get(r.json.id), f.event_id, 'the id answered is the record stored');

    const after = await metricsText(gw.port);
    const batches = metric(after, 'telemetrics_gateway_batch_size_count') - metric(before, 'telemetrics_gateway_batch_size_count');
    const records = metric(after, 'telemetrics_gateway_batch_size_sum') - metric(before, 'telemetrics_gateway_batch_size_sum');
    t.diagnostic(`${records} records in ${batches} transactions (${(records / batches).toFixed(1)} per commit)`);
    assert.equal(records, CLIENTS * PER_CLIENT);
    assert.ok(batches < records / 2, 'concurrent records share commits (group commit)');
  });

  test('one record re-sent 40 times at once through two gateways: one 201, 39 duplicates naming it, one row', async () => {
    // two gateways, two workers each: the copies race on four backends,
    // in the same batch and in concurrent transactions
    const gw2 = await startGateway([], { db: conninfo(DB) });
    try {
      for (let round = 0; round < 5; round++) {
        const f = fields({ machine_id: `dup${round}-${Date.now().toString(36)}` });
        const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => ((i % 2 ? postV2 : postV3)(
          i % 4 < 2 ? gw.port : gw2.port, f, `the same record ${round}\n`))));
        const statuses = {};
        for (const r of rs) statuses[r.status] = (statuses[r.status] || 0) + 1;
        assert.deepEqual(statuses, { 200: 39, 201: 1 }, JSON.stringify(statuses));
        assert.equal(new Set(rs.map((r) => r.json.id)).size, 1, 'every answer names the one stored record');
        assert.ok(rs.every((r) => r.json.payload === `the same record ${round}\n`));
        assert.equal(psql(`SELECT count(*) FROM telemetrics.records WHERE machine_id = '${f.machine_id}'`, { db: DB }), '1');
      }
    } finally {
      await stopClean(gw2);
    }
  });
});
