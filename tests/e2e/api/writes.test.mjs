// The management routes: comment, hide and unhide a group; add and
// remove blacklist rules (which reclassify the affected crashes);
// reclassify; their errors (404, 409, 400, malformed bodies, content
// types) and the same-origin check that keeps other sites' pages from
// using a browser's credentials.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { errorShape, get, request, seededGateway, send } from './lib.mjs';

describe('management routes', () => {
  let s;
  let port;
  before(async () => { s = await seededGateway('writes'); port = s.gw.port; });
  after(async () => { await s.close(); });

  test('POST /api/guilties/{id}: comment, hide, unhide, and the top crashes follow', async () => {
    let r = await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { comment: 'known: <b>bug</b> "1234"' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.comment, 'known: <b>bug</b> "1234"');
    r = await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { hidden: true });
    assert.equal(r.json.hidden, true);
    r = await get(port, '/api/crashes');
    assert.deepEqual(r.json.guilties.map((g) => g.guilty_id), [s.ids.alpha], 'hidden groups are left out');
    r = await get(port, '/api/guilties/hidden');
    assert.deepEqual(r.json.guilties.map((g) => g.id), [s.ids.gamma]);
    r = await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { hidden: 'false', comment: null });
    assert.equal(r.json.hidden, false);
    assert.equal(r.json.comment, null);
    r = await get(port, '/api/crashes');
    assert.equal(r.json.guilties.length, 2);
  });

  test('POST /api/guilties/{id}: errors', async () => {
    errorShape(await send(port, 'POST', '/api/guilties/999999999', { comment: 'x' }), 404, 'P0002');
    errorShape(await send(port, 'POST', '/api/guilties/abc', { comment: 'x' }), 400, '22023');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, {}), 400, '22023', /nothing to update/);
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { hidden: 'maybe' }), 400, '22023');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { colour: 'red' }), 400, '22023', /unknown parameter/);
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, { comment: 'x'.repeat(1001) }), 400, '22023');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, '{"comment": '), 400, 'GW103', /malformed JSON at line 1/);
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, '{"comment": "a", "comment": "b"}'), 400, 'GW103');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, '["comment"]'), 400, 'GW104');
    errorShape(await request(port, 'POST', `/api/guilties/${s.ids.gamma}`, [['Content-Type', 'application/x-www-form-urlencoded']], 'comment=x'), 415, 'GW102');
    errorShape(await request(port, 'POST', `/api/guilties/${s.ids.gamma}`, [['Content-Type', 'text/plain']], '{"comment":"x"}'), 415, 'GW102');
    errorShape(await request(port, 'POST', `/api/guilties/${s.ids.gamma}`, [], '{"comment":"x"}'), 415, 'GW102');
  });

  test('a write from another origin is refused; from the same origin or without Origin it goes through', async () => {
    const body = { comment: 'origin test' };
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, body, [['Origin', 'http://evil.example']]), 403, 'GW303');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, body, [['Origin', 'null']]), 403, 'GW303');
    errorShape(await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, body, [['Sec-Fetch-Site', 'cross-site']]), 403, 'GW303');
    errorShape(await request(port, 'DELETE', '/api/blacklist/1', [['Origin', 'https://evil.example']]), 403, 'GW303');
    let r = await send(port, 'POST', `/api/guilties/${s.ids.gamma}`, body, [['Origin', 'http://127.0.0.1'], ['Sec-Fetch-Site', 'same-origin']]);
    assert.equal(r.status, 200, r.text);
    r = await get(port, `/api/guilties/${s.ids.gamma}`, [['Origin', 'http://evil.example']]);
    assert.equal(r.status, 200, 'reads are not refused');
  });

  // wait (at most 60 s) for a background reclassification job to finish
  async function finished(job) {
    assert.ok(job && job.id > 0, `a job: ${JSON.stringify(job)}`);
    assert.ok(['queued', 'running', 'done'].includes(job.state), job.state);
    for (let i = 0; i < 600; i++) {
      const r = await get(port, `/api/reclassify/${job.id}`);
      assert.equal(r.status, 200, r.text);
      if (r.json.state === 'done' || r.json.state === 'failed') return r.json;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.fail(`job ${job.id} did not finish`);
  }

  test('POST /api/blacklist reclassifies the affected crashes in the background; DELETE /api/blacklist/{id} undoes it', async () => {
    let r = await send(port, 'POST', '/api/blacklist', { function: 'tm_alpha()', module: '/usr/lib64/libtmapi.so', comment: 'test rule' });
    assert.equal(r.status, 200, r.text);
    assert.ok(!('reclassified' in r.json), 'nothing is reclassified inside the request');
    let job = await finished(r.json.job);
    assert.equal(job.state, 'done');
    assert.equal(job.updated, 3);
    assert.equal(job.progress, 1);
    const rule = r.json.rule;
    assert.equal(rule.function, 'tm_alpha');
    r = await get(port, `/api/records/${s.ids.a1}`);
    assert.equal(r.json.guilty.function, 'tm_beta()', 'the next frame is the guilty one now');
    errorShape(await send(port, 'POST', '/api/blacklist', { function: 'tm_alpha()', module: '/usr/lib64/libtmapi.so' }), 409, '23505');
    r = await get(port, '/api/blacklist');
    assert.ok(r.json.rules.some((x) => x.id === rule.id));
    r = await request(port, 'DELETE', `/api/blacklist/${rule.id}`);
    assert.equal(r.status, 200, r.text);
    job = await finished(r.json.job);
    assert.equal(job.updated, 3);
    r = await get(port, `/api/records/${s.ids.a1}`);
    assert.equal(r.json.guilty.function, 'tm_alpha()');
    errorShape(await request(port, 'DELETE', `/api/blacklist/${rule.id}`), 404, 'P0002');
    errorShape(await request(port, 'DELETE', '/api/blacklist/abc'), 400, '22023');
    errorShape(await request(port, 'DELETE', '/api/blacklist/99999999999'), 404, 'P0002');
  });

  test('rules without reclassifying, then POST /api/reclassify applies them', async () => {
    let r = await send(port, 'POST', '/api/blacklist', { function: 'tm_gamma', match: 'prefix', reclassify: false });
    assert.equal(r.status, 200, r.text);
    assert.ok(!('reclassified' in r.json));
    assert.equal(r.json.job, undefined, 'no job when reclassify is false');
    assert.equal(r.json.pending_changes, 1);
    const id = r.json.rule.id;
    r = await get(port, '/api/reclassify');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.pending_changes, 1);
    assert.ok(Array.isArray(r.json.jobs));
    r = await send(port, 'POST', '/api/reclassify', {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.scope, 'affected');
    let job = await finished(r.json);
    assert.equal(job.state, 'done');
    assert.equal(job.changes, 1);
    r = await get(port, '/api/reclassify');
    assert.equal(r.json.pending_changes, 0);
    assert.equal(r.json.jobs[0].id, job.id, 'newest job first');
    r = await send(port, 'POST', '/api/reclassify', { scope: 'all' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await finished(r.json)).state, 'done');
    r = await request(port, 'POST', '/api/reclassify', [], null);
    assert.equal(r.status, 200, 'no body is {}');
    await finished(r.json);
    errorShape(await send(port, 'POST', '/api/reclassify', { scope: 'some' }), 400, '22023');
    errorShape(await get(port, '/api/reclassify/999999999'), 404, 'P0002');
    errorShape(await get(port, '/api/reclassify/abc'), 400, '22023');
    r = await request(port, 'DELETE', `/api/blacklist/${id}?reclassify=true`);
    assert.equal(r.status, 200, r.text);
    await finished(r.json.job);
  });

  test('POST /api/blacklist: invalid rules are 400', async () => {
    for (const body of [{}, { function: '' }, { function: 'x', match: 'regex' }, { function: 'x'.repeat(1025) }, { function: 'x', reclassify: 'perhaps' }, { function: 'x', extra: 1 }])
      errorShape(await send(port, 'POST', '/api/blacklist', body), 400, '22023');
  });
});
