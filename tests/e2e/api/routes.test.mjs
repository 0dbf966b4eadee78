// Every read route of the API through the gateway (docs/ui.md): its
// answer on known data, and its error cases: unknown and malformed
// parameters, bad dates, bad page cursors, unknown ids (404), wrong
// methods (405 with Allow), HEAD.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { errorShape, get, request, seededGateway, send } from './lib.mjs';

describe('read routes', () => {
  let s;
  let port;
  before(async () => { s = await seededGateway('routes'); port = s.gw.port; });
  after(async () => { await s.close(); });

  test('GET /api/records/search: filters, total, pages', async () => {
    let r = await get(port, '/api/records/search');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 8);
    assert.equal(r.json.records.length, 8);
    assert.ok(r.json.records[0].id > r.json.records[7].id, 'newest first');
    r = await get(port, '/api/records/search?classification=org.clearlinux/crash/*&build=41010');
    assert.deepEqual(r.json.records.map((x) => x.id).sort(), [s.ids.a2, s.ids.a3, s.ids.g1].sort());
    r = await get(port, `/api/records/search?machine_id=${s.machine}&severity=3`);
    assert.deepEqual(r.json.records.map((x) => x.id).sort(), [s.ids.a1, s.ids.a2].sort());
    r = await get(port, '/api/records/search?payload=QUOTED%22%2C%20COMMA');
    assert.deepEqual(r.json.records.map((x) => x.id), [s.ids.hb2], 'payload text, case-insensitive, literal');
    r = await get(port, '/api/records/search?payload=.*');
    assert.equal(r.json.records.length, 0, 'no regular expression');
    const today = new Date().toISOString().slice(0, 10);
    r = await get(port, `/api/records/search?from_date=${today}&to_date=${today}&data_source=internal`);
    assert.equal(r.json.total, 8);
    // pages of 3: 3 + 3 + 2, then no cursor
    const seen = [];
    let cursor = '';
    for (let i = 0; i < 4; i++) {
      r = await get(port, `/api/records/search?page_size=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.json.records.map((x) => x.id));
      if (!r.json.next_cursor) break;
      cursor = r.json.next_cursor;
    }
    assert.equal(seen.length, 8);
    assert.equal(new Set(seen).size, 8);
    // a repeated parameter keeps its last value
    r = await get(port, '/api/records/search?severity=1&severity=3');
    assert.equal(r.json.total, 4);
  });

  test('GET /api/records/search: bad values, bad dates, bad cursor, unknown parameters are 400', async () => {
    for (const q of ['severity=5', 'classification=a*b', 'from_date=2024-13-01', 'from_date=2024-02-30', 'to_date=yesterday',
      'from_date=2026-05-02&to_date=2026-05-01', 'page_size=0', 'page_size=1001', 'cursor=xyz', 'cursor=',
      'data_source=both', 'machine_id=' + 'x'.repeat(33), 'regex=.*', 'payload=' + 'p'.repeat(201)]) {
      const r = await get(port, `/api/records/search?${q}`);
      if (q === 'cursor=') { assert.equal(r.status, 200, 'an empty value is absent'); continue; }
      errorShape(r, 400, '22023');
    }
    const r = await get(port, '/api/records/search?cursor=Yjo1NQ');
    errorShape(r, 400, '22023', /cursor/);
  });

  test('a query parameter that is not UTF-8 is a 400 GW107', async () => {
    errorShape(await get(port, '/api/records/search?build=%ff%fe'), 400, 'GW107', /build/);
    errorShape(await get(port, '/api/records/search?build=a%00b'), 400, 'GW107');
  });

  test('GET /api/records/{id}, /frames: a record, 400 for a bad id, 404 for an unknown one', async () => {
    let r = await get(port, `/api/records/${s.ids.a1}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.id, s.ids.a1);
    assert.deepEqual(r.json.guilty, { id: s.ids.alpha, function: 'tm_alpha()', module: '/usr/lib64/libtmapi.so' });
    r = await get(port, `/api/records/${s.ids.a1}/frames`);
    assert.equal(r.status, 200);
    assert.equal(r.json.frames.find((f) => f.decision === 'chosen').function, 'tm_alpha()');
    assert.equal(r.json.frames[0].decision, 'blacklisted');
    for (const p of ['/api/records/999999999', '/api/records/999999999/frames']) errorShape(await get(port, p), 404, 'P0002');
    for (const p of ['/api/records/abc', '/api/records/0', '/api/records/-1', '/api/records/1.5', '/api/records/abc/frames',
      `/api/records/${'9'.repeat(40)}`]) errorShape(await get(port, p), 400, '22023');
    errorShape(await get(port, `/api/records/${s.ids.a1}?x=1`), 400, '22023', /unknown parameter "x"/);
    errorShape(await get(port, '/api/records/1/2'), 404, 'GW201');
  });

  test('GET /api/records/filters', async () => {
    const r = await get(port, '/api/records/filters');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.systems, [{ system_name: 'clear-linux-os', builds: ['41010', '41000'] }]);
    assert.ok(r.json.classification_patterns.includes('org.clearlinux/crash/*'));
    errorShape(await get(port, '/api/records/filters?x=1'), 400, '22023');
  });

  test('GET /api/builds, /api/stats, /api/population', async () => {
    let r = await get(port, '/api/builds');
    assert.deepEqual(r.json.builds, [{ build: '41000', records: 2 }, { build: '41010', records: 6 }]);
    r = await get(port, '/api/stats?top=2&days=1');
    assert.equal(r.status, 200);
    assert.equal(r.json.total, 8);
    assert.equal(r.json.classification[0].value, 'org.clearlinux/crash/clr');
    r = await get(port, '/api/population?days=7');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.builds.map((b) => [b.build, b.internal.overall]), [['41000', 2], ['41010', 2]]);
    for (const p of ['/api/builds?days=0', '/api/builds?all=yes', '/api/stats?top=0', '/api/stats?days=x', '/api/population?days=367',
      '/api/population?bogus=1']) errorShape(await get(port, p), 400, '22023');
  });

  test('GET /api/crashes, /rate, /new', async () => {
    let r = await get(port, '/api/crashes');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.guilties.map((g) => [g.guilty_id, g.total]), [[s.ids.alpha, 3], [s.ids.gamma, 1]]);
    assert.deepEqual(r.json.builds.map((b) => b.build), ['41010', '41000']);
    r = await get(port, '/api/crashes?build=41000');
    assert.deepEqual(r.json.guilties.map((g) => g.guilty_id), [s.ids.alpha]);
    r = await get(port, '/api/crashes?page=2&page_size=1');
    assert.deepEqual(r.json.guilties.map((g) => g.guilty_id), [s.ids.gamma]);
    assert.equal(r.json.pages, 2);
    r = await get(port, '/api/crashes?page=9');
    assert.deepEqual(r.json.guilties, [], 'a page past the end is empty, not an error');
    r = await get(port, '/api/crashes/rate');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.builds.map((b) => [b.build, b.crashes, b.machines]), [['41010', 3, 2], ['41000', 1, 2]]);
    r = await get(port, '/api/crashes/new');
    assert.equal(r.json.build, '41010');
    assert.deepEqual(r.json.guilties.map((g) => g.guilty_id), [s.ids.gamma]);
    for (const p of ['/api/crashes?days=33', '/api/crashes?page=0', '/api/crashes?page_size=101', '/api/crashes?builds=0',
      '/api/crashes/rate?days=0', '/api/crashes/new?build=abc', '/api/crashes/new?page=x']) errorShape(await get(port, p), 400, '22023');
  });

  test('GET /api/guilties/{id}, /backtraces, /hidden', async () => {
    let r = await get(port, `/api/guilties/${s.ids.alpha}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.crashes, 3);
    assert.deepEqual(r.json.builds.map((b) => [b.build, b.crashes, b.machines]), [['41010', 2, 2], ['41000', 1, 1]]);
    r = await get(port, `/api/guilties/${s.ids.alpha}/backtraces?build=41010&page_size=1`);
    assert.equal(r.status, 200);
    assert.equal(r.json.records.length, 1);
    assert.ok(r.json.next_cursor);
    const r2 = await get(port, `/api/guilties/${s.ids.alpha}/backtraces?build=41010&page_size=1&cursor=${r.json.next_cursor}`);
    assert.equal(r2.json.records.length, 1);
    assert.notEqual(r2.json.records[0].id, r.json.records[0].id);
    r = await get(port, `/api/guilties/${s.ids.alpha}/backtraces?machine_id=${s.other}`);
    assert.deepEqual(r.json.records.map((x) => x.id), [s.ids.a3]);
    r = await get(port, '/api/guilties/hidden');
    assert.deepEqual(r.json, { guilties: [] });
    errorShape(await get(port, '/api/guilties/999999999'), 404, 'P0002');
    errorShape(await get(port, '/api/guilties/999999999/backtraces'), 404, 'P0002');
    errorShape(await get(port, '/api/guilties/x'), 400, '22023');
    errorShape(await get(port, `/api/guilties/${s.ids.alpha}/backtraces?cursor=xyz`), 400, '22023', /cursor/);
    errorShape(await get(port, `/api/guilties/${s.ids.alpha}?machines=501`), 400, '22023');
  });

  test('GET /api/blacklist, /api/mce, /api/thermal, /api/quarantine, /api/retention', async () => {
    let r = await get(port, '/api/blacklist');
    assert.ok(r.json.rules.some((x) => x.builtin && x.function === 'raise'));
    r = await get(port, '/api/mce?weeks=1');
    assert.equal(r.json.records, 1);
    assert.deepEqual(r.json.by_status, [{ status: '00010091', records: 1 }]);
    r = await get(port, '/api/thermal');
    assert.equal(r.json.machines, 1);
    r = await get(port, '/api/quarantine');
    assert.equal(r.status, 200);
    assert.equal(r.json.records, 0);
    r = await get(port, '/api/retention');
    assert.equal(r.json.default_days, 35);
    for (const p of ['/api/mce?weeks=105', '/api/thermal?top=0', '/api/quarantine?days=-1', '/api/retention?x=1', '/api/blacklist?x=1'])
      errorShape(await get(port, p), 400, '22023');
  });

  test('HEAD answers the headers of GET', async () => {
    const r = await request(port, 'HEAD', '/api/builds', [], null, { isHead: true });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.equal(r.body.length, 0);
  });

  test('a wrong method is a 405 with Allow, on every route', async () => {
    for (const [m, p, allow] of [
      ['POST', '/api/records/search', 'GET, HEAD'], ['DELETE', '/api/records/filters', 'GET, HEAD'],
      ['POST', '/api/records/export.csv', 'GET'], ['HEAD', '/api/records/export.csv', 'GET'],
      ['POST', '/api/records/1', 'GET, HEAD'], ['PUT', '/api/records/1/frames', 'GET, HEAD'],
      ['POST', '/api/builds', 'GET, HEAD'], ['PATCH', '/api/stats', 'GET, HEAD'], ['DELETE', '/api/population', 'GET, HEAD'],
      ['POST', '/api/crashes', 'GET, HEAD'], ['POST', '/api/crashes/rate', 'GET, HEAD'], ['POST', '/api/crashes/new', 'GET, HEAD'],
      ['POST', '/api/guilties/hidden', 'GET, HEAD'], ['DELETE', '/api/guilties/1', 'GET, HEAD, POST'],
      ['POST', '/api/guilties/1/backtraces', 'GET, HEAD'], ['PUT', '/api/blacklist', 'GET, HEAD, POST'],
      ['GET', '/api/blacklist/1', 'DELETE'], ['POST', '/api/blacklist/1', 'DELETE'], ['PUT', '/api/reclassify', 'GET, HEAD, POST'],
      ['POST', '/api/reclassify/1', 'GET, HEAD'],
      ['POST', '/api/mce', 'GET, HEAD'], ['POST', '/api/thermal', 'GET, HEAD'], ['POST', '/api/quarantine', 'GET, HEAD'],
      ['POST', '/api/retention', 'GET, HEAD'], ['POST', '/api/whoami', 'GET, HEAD']]) {
      const r = await send(port, m, p, m === 'GET' || m === 'HEAD' ? undefined : '{}');
      assert.equal(r.status, 405, `${m} ${p}: ${r.text}`);
      assert.equal(r.headers.allow, allow, `${m} ${p}`);
      if (m !== 'HEAD') errorShape(r, 405, 'GW202');
    }
  });

  test('unknown API paths are 404', async () => {
    for (const p of ['/api/nope', '/api/records/', '/api/guilties', '/api/records/search/x', '/api/crashes/1/rate'])
      errorShape(await get(port, p), 404, 'GW201');
  });

  test('/api/whoami without an auth file: everyone is an admin', async () => {
    const r = await get(port, '/api/whoami');
    assert.deepEqual(r.json, { auth: false, user: null, role: 'admin' });
  });
});
