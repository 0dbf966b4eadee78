// Serialization failures and deadlocks (40001, 40P01) roll a transaction
// back through no fault of its statement: the gateway runs an ingest batch
// or an API statement that hit one again, at most three more times, so a
// passing conflict never reaches the client, and answers one that persists
// with 503 and the database's error.  The conflicts are raised by triggers
// on chosen rows, a chosen number of times: the count of attempts is kept
// in a sequence, which the rollback of a failed attempt does not undo.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  fields, lit, postV3, psql, quarantined, request, startGateway, stopClean, storedRecords,
} from './lib.mjs';

/**
 * A sequence counting the attempts of one test, and the marker that makes
 * the triggers raise sqlstate on the first `times` attempts of the row
 * carrying it: "conflict:<sequence>:<sqlstate>:<times>".
 */
let nextCounter = 0;
function conflict(sqlstate, times) {
  const seq = `public.local_conflict_${process.pid}_${++nextCounter}`;
  psql(`CREATE SEQUENCE ${seq}`);
  return { seq, marker: `conflict:${seq}:${sqlstate}:${times}`, attempts: () => Number(psql(`SELECT last_value FROM ${seq}`)) };
}

describe('conflicts', () => {
  let gw;
  before(async () => {
    psql(`CREATE FUNCTION public.local_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_marker text := coalesce(to_jsonb(NEW)->>'cpu_model', to_jsonb(NEW)->>'comment');
        v_parts  text[] := string_to_array(v_marker, ':');
      BEGIN
        IF v_parts[1] = 'conflict' AND nextval(v_parts[2]) <= v_parts[4]::int THEN
          RAISE EXCEPTION 'injected conflict' USING ERRCODE = v_parts[3];
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER local_conflict BEFORE INSERT ON telemetrics.records
        FOR EACH ROW EXECUTE FUNCTION public.local_conflict();
      CREATE TRIGGER local_conflict BEFORE INSERT ON telemetrics.guilty_blacklist
        FOR EACH ROW EXECUTE FUNCTION public.local_conflict();`);
    gw = await startGateway();
  });
  after(async () => {
    await stopClean(gw);
    psql(`DROP TRIGGER local_conflict ON telemetrics.records;
      DROP TRIGGER local_conflict ON telemetrics.guilty_blacklist;
      DROP FUNCTION public.local_conflict();`);
  });

  for (const [sqlstate, times] of [['40001', 1], ['40P01', 3]]) {
    test(`a record whose batch hits ${sqlstate} ${times} time(s) is stored once and answered 201`, async () => {
      const c = conflict(sqlstate, times);
      const f = fields({ cpu_model: c.marker });
      const r = await postV3(gw.port, f);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.machine_id, f.machine_id);
      assert.equal(c.attempts(), times + 1, 'the failed attempts, then the one that stored it');
      const rows = storedRecords(f.machine_id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, r.json.id);
      assert.deepEqual(quarantined(f.machine_id), [], 'a conflict is not the record\'s fault');
      const tries = gw.logText().match(new RegExp(`batch of 1 records hit ${sqlstate} \\(injected conflict\\); running it again`, 'g'));
      assert.equal(tries?.length, times, gw.logText());
    });
  }

  test('a record whose batch keeps hitting 40001 is answered 503 with the error after four attempts, and not stored', async () => {
    const c = conflict('40001', 100);
    const f = fields({ cpu_model: c.marker });
    const r = await postV3(gw.port, f);
    assert.equal(r.status, 503, r.text);
    assert.deepEqual(r.json, { code: '40001', message: 'injected conflict', details: null, hint: null });
    assert.ok(Number(r.headers['retry-after']) > 0, 'a 503 says when to come back');
    assert.equal(c.attempts(), 4);
    assert.deepEqual(storedRecords(f.machine_id), []);
    assert.deepEqual(quarantined(f.machine_id), [], 'the client sends it again; the database keeps nothing');
    // the client's re-send, once the conflict is over, is stored
    psql(`ALTER SEQUENCE ${c.seq} RESTART WITH 1000`);
    const again = await postV3(gw.port, f);
    assert.equal(again.status, 201, again.text);
    assert.equal(storedRecords(f.machine_id).length, 1);
  });

  test('an API statement that hits 40P01 runs again and answers as if nothing happened', async () => {
    const c = conflict('40P01', 2);
    const fn = `conflict_fn_${process.pid}`;
    const body = JSON.stringify({ function: fn, comment: c.marker, reclassify: false });
    const r = await request(gw.port, 'POST', '/api/blacklist', [['Content-Type', 'application/json']], body);
    try {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.rule.function, fn, r.text);
      assert.equal(c.attempts(), 3);
      assert.equal(psql(`SELECT count(*) FROM telemetrics.guilty_blacklist WHERE function = ${lit(fn)}`), '1');
      const tries = gw.logText().match(/statement add_blacklist_rule hit 40P01; running it again/g);
      assert.equal(tries?.length, 2, gw.logText());
    } finally {
      psql(`DELETE FROM telemetrics.guilty_blacklist WHERE function = ${lit(fn)}`);
    }
  });

  test('an API statement that keeps hitting 40P01 is answered 503 with the error after four attempts', async () => {
    const c = conflict('40P01', 100);
    const fn = `conflict_fn2_${process.pid}`;
    const body = JSON.stringify({ function: fn, comment: c.marker, reclassify: false });
    const r = await request(gw.port, 'POST', '/api/blacklist', [['Content-Type', 'application/json']], body);
    assert.equal(r.status, 503, r.text);
    assert.deepEqual(r.json, { code: '40P01', message: 'injected conflict', details: null, hint: null });
    assert.equal(c.attempts(), 4);
    assert.equal(psql(`SELECT count(*) FROM telemetrics.guilty_blacklist WHERE function = ${lit(fn)}`), '0');
  });
});
