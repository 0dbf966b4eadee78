// 200 concurrent clients: no record lost or duplicated, every answer
// sent after its commit, and concurrent records share transactions
// (group commit).  On a fresh database, so that the first records of the
// day race to create its partition, as they do on a new installation.

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
});
