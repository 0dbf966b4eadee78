// Replay every captured real-client request byte for byte, and check what
// was stored: build without its quotes, the payload exactly as sent, the
// fields in the right columns.  Then the same records through the other
// routes and header spellings.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  CORPUS_DIR, ROOT, TID, fields, hex32, postV2, raw, request, startGateway, stopClean, storedRecords, titleCase,
} from './lib.mjs';

/** Split a captured request into its header fields and payload. */
function parseCapture(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target] = lines[0].split(' ');
  const headers = lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
  const body = bytes.subarray(end + 4);
  const ct = headers.find(([n]) => n.toLowerCase() === 'content-type')[1];
  let f;
  let payload;
  if (ct === 'application/json') {
    const o = JSON.parse(body.toString('utf8'));
    payload = o.payload;
    delete o.payload;
    f = o;
  } else {
    payload = body.toString('utf8');
    f = Object.fromEntries(headers.filter(([n]) => !/^(host|accept|x-telemetry-tid|content-type|content-length)$/i.test(n)));
  }
  return { method, target, headers, body, f, payload, v3: ct === 'application/json' };
}

/*
 * The repo's copy of the corpus, and the shared reference material it was
 * copied from when that is next to the repo: a capture added there is
 * replayed too, and the copies must not drift apart.
 */
const SHARED_DIR = [path.join(ROOT, '..', 'shared', 'corpus', 'requests')].find((d) => fs.existsSync(d)) ?? null;
const listHttp = (d) => fs.readdirSync(d).filter((n) => n.endsWith('.http'));
const dirOf = new Map();
if (SHARED_DIR) for (const n of listHttp(SHARED_DIR)) dirOf.set(n, SHARED_DIR);
for (const n of listHttp(CORPUS_DIR)) dirOf.set(n, CORPUS_DIR);
const captures = [...dirOf.keys()].sort();

describe('captured client requests', () => {
  let gw;
  before(async () => { gw = await startGateway(); });
  after(async () => { await stopClean(gw); });

  test('the corpus is there', () => {
    assert.ok(captures.length >= 5, `expected the captured requests in ${CORPUS_DIR}`);
    assert.ok(captures.some((n) => n.startsWith('v2-')) && captures.some((n) => n.startsWith('v3-')));
  });

  test('the repo\'s copy is byte for byte the shared corpus next to it (when there is one)', (t) => {
    if (!SHARED_DIR) { t.skip('no ../shared/corpus/requests next to the repo'); return; }
    for (const n of listHttp(SHARED_DIR)) {
      if (!fs.existsSync(path.join(CORPUS_DIR, n))) continue;	// a new capture: replayed from there
      assert.ok(fs.readFileSync(path.join(SHARED_DIR, n)).equals(fs.readFileSync(path.join(CORPUS_DIR, n))), `${n} differs`);
    }
  });

  for (const name of captures) {
    test(`${name}: stored as sent, and a re-send is a duplicate`, async () => {
      const bytes = fs.readFileSync(path.join(dirOf.get(name), name));
      const c = parseCapture(bytes);

      const r = await raw(gw.port, bytes);
      assert.equal(r.status, 201, r.text);
      assert.match(r.headers['content-type'], /^application\/json/);
      const rec = r.json;
      assert.equal(rec.build, '12', 'build is stored without its quotes');
      assert.equal(rec.payload, c.payload, 'the payload is intact');
      assert.equal(rec.machine_id, c.f.machine_id);
      assert.equal(rec.event_id, c.f.event_id);
      assert.equal(rec.classification, c.f.classification);
      assert.equal(rec.cpu_model, c.f.cpu_model, 'values keep their spaces (v2) or arrive cut (v3)');
      assert.equal(rec.machine_type, c.f.host_type);
      assert.equal(rec.system_name, 'debian');
      assert.equal(rec.record_format_version, 4);
      assert.equal(rec.external, false);

      const rows = storedRecords(c.f.machine_id).filter((x) => x.event_id === c.f.event_id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, rec.id);
      assert.equal(rows[0].build, '12');
      assert.equal(rows[0].payload, c.payload);
      assert.equal(rows[0].host_type, c.f.host_type);
      assert.equal(rows[0].severity, Number(c.f.severity));

      // the real client re-sends a record whose answer it lost
      const again = await raw(gw.port, bytes);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.id, rec.id, 'a duplicate answers with the stored record');
      assert.equal(storedRecords(c.f.machine_id).filter((x) => x.event_id === c.f.event_id).length, 1);

      // the same bytes on the other ingest routes: still one record
      const others = c.v3 ? ['/', '/v2/collector'] : ['/'];
      for (const target of others) {
        const b = Buffer.from(bytes.toString('latin1').replace(/^POST \S+ /, `POST ${target} `), 'latin1');
        const o = await raw(gw.port, b);
        assert.equal(o.status, 200, `${target}: ${o.text}`);
        assert.equal(o.json.id, rec.id);
      }
    });
  }

  test('v2 with the reference tests\' Title-Case names, UPPER case and a mix', async () => {
    const spellings = [
      titleCase,
      (n) => n.toUpperCase(),
      (n) => n.replace(/_/g, '-'),
      (n) => (n.length % 2 ? titleCase(n) : n.toUpperCase().replace(/_/g, '-')),
    ];
    for (const nameOf of spellings) {
      const f = fields();
      const r = await postV2(gw.port, f, 'hello\n', { nameOf });
      assert.equal(r.status, 201, `${nameOf('machine_id')}: ${r.text}`);
      const rows = storedRecords(f.machine_id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].cpu_model, 'AMD EPYC');
      assert.equal(rows[0].board_name, 'NUC7i5BNB|Intel Corporation');
      assert.equal(rows[0].build, '12');
      assert.equal(rows[0].event_id, f.event_id);
    }
  });

  test('v2 on POST / and with other Content-Types a v2 body may have', async () => {
    for (const [target, contentType] of [['/', 'application/text'], ['/v2/collector', 'text/plain; charset=us-ascii'],
      ['/', null], ['/v2/collector', 'application/octet-stream'], ['/', 'application/x-www-form-urlencoded']]) {
      const f = fields();
      const r = await postV2(gw.port, f, 'x=1&y=2\n', { target, contentType });
      assert.equal(r.status, 201, `${target} ${contentType}: ${r.text}`);
      assert.equal(storedRecords(f.machine_id)[0].payload, 'x=1&y=2\n', 'the body is never form-parsed');
    }
  });

  test('X-CLR-External: only exactly "true" sets the flag, in both formats', async () => {
    for (const [value, expected] of [['true', true], ['True', false], ['1', false]]) {
      const f = fields();
      const r = await postV2(gw.port, f, 'p\n', { extra: [['X-CLR-External', value]] });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.external, expected, `v2 X-CLR-External: ${value}`);
      const g = fields();
      const body = JSON.stringify({ ...g, payload: 'p\n' });
      const r3 = await request(gw.port, 'POST', '/v3/collector',
        [['X-Telemetry-TID', TID], ['Content-Type', 'application/json'], ['x_clr_external', value]], body);
      assert.equal(r3.status, 201, r3.text);
      assert.equal(r3.json.external, expected, `v3 header x_clr_external: ${value}`);
    }
    const f = fields();
    const r = await request(gw.port, 'POST', '/v3/collector',
      [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']],
      JSON.stringify({ ...f, x_clr_external: 'true', payload: '' }));
    assert.equal(r.json.external, true, 'v3 member x_clr_external');
  });

  test('a v2 header value that is not UTF-8 is read as Latin-1', async () => {
    const f = fields({ host_type: Buffer.from('Soci\xe9t\xe9 G\xe9n\xe9rale|X|1', 'latin1') });
    const r = await postV2(gw.port, f, 'hello\n');
    assert.equal(r.status, 201, r.text);
    assert.equal(storedRecords(f.machine_id)[0].host_type, 'Société Générale|X|1');
  });

  test('a payload that is not UTF-8 is stored as Latin-1, one that is, as UTF-8', async () => {
    const f = fields();
    const r = await postV2(gw.port, f, Buffer.from('caf\xe9\n', 'latin1'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.payload, 'café\n');
    const g = fields();
    const r2 = await postV2(gw.port, g, Buffer.from('naïve ☃\n', 'utf8'));
    assert.equal(r2.json.payload, 'naïve ☃\n');
  });

  test('a v3 member that is a number is read as its text (documented leniency)', async () => {
    const f = fields({ severity: 2 });
    const body = JSON.stringify({ ...f, payload: 'hello\n' });
    const r = await request(gw.port, 'POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']], body);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.severity, 2);
  });

  test('v3 fields arrive cut at the first space (client bug) and are stored as sent', async () => {
    const f = fields({ host_type: 'Intel(R)', board_name: 'NUC7i5BNB|Intel', cpu_model: 'AMD', event_id: hex32() });
    const body = JSON.stringify({ ...f, payload: 'hello\n' });
    const r = await request(gw.port, 'POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']], body);
    assert.equal(r.status, 201, r.text);
    const row = storedRecords(f.machine_id)[0];
    assert.equal(row.host_type, 'Intel(R)');
    assert.equal(row.cpu_model, 'AMD');
  });
});
