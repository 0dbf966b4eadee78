// GET /api/records/export.csv: streamed (chunked) CSV with the
// reference's header, RFC 4180 quoting, the search filters, a limit; its
// errors are JSON before the first byte; a client that goes away cancels
// the export and frees its slot.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { TID, errorShape, fields, get, request, seededGateway, sleep, until } from './lib.mjs';

/** Split RFC 4180 text into rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\n') { row.push(f); rows.push(row); row = []; f = ''; } else f += c;
  }
  if (f || row.length) { row.push(f); rows.push(row); }
  return rows;
}

describe('CSV export', () => {
  let s;
  let port;
  before(async () => { s = await seededGateway('csv', ['--db-connections', '2']); port = s.gw.port; });
  after(async () => { await s.close(); });

  test('the records as CSV, streamed, as an attachment', async () => {
    const r = await get(port, '/api/records/export.csv');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(r.headers['content-disposition'], 'attachment; filename="records.csv"');
    assert.match(r.headers['transfer-encoding'] || '', /chunked/);
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], ['id', 'external', 'server_timestamp', 'severity', 'classification', 'build', 'machine_id', 'payload']);
    assert.equal(rows.length, 9);
    const hb2 = rows.find((x) => x[0] === String(s.ids.hb2));
    assert.equal(hb2[7], 'hello "quoted", comma\nsecond line\n', 'quotes doubled, line breaks kept');
    assert.equal(hb2[1], 'false');
    assert.match(hb2[2], /^\d+\.\d+$/);
  });

  test('filters and a limit', async () => {
    let r = await get(port, '/api/records/export.csv?classification=org.clearlinux/crash/*&build=41010');
    let rows = parseCsv(r.text);
    assert.deepEqual(rows.slice(1).map((x) => Number(x[0])).sort(), [s.ids.a2, s.ids.a3, s.ids.g1].sort());
    r = await get(port, '/api/records/export.csv?limit=2');
    rows = parseCsv(r.text);
    assert.equal(rows.length, 3);
    r = await get(port, '/api/records/export.csv?machine_id=nobody');
    assert.equal(r.status, 200);
    assert.equal(parseCsv(r.text).length, 1, 'only the header');
  });

  test('bad parameters are JSON errors, before any CSV', async () => {
    for (const q of ['severity=7', 'limit=0', 'limit=100001', 'from_date=2026-02-31', 'page_size=10', 'cursor=abc'])
      errorShape(await get(port, `/api/records/export.csv?${q}`), 400, '22023');
  });

  test('a large export streams in chunks, and a client that goes away frees the export slot', async () => {
    // 300 records of 8 KiB payloads: about 2.4 MB of CSV, over the stream's 256 KiB buffer
    const big = 'x'.repeat(8000);
    for (let i = 0; i < 300; i += 30) {
      await Promise.all(Array.from({ length: 30 }, () => request(port, 'POST', '/v3/collector',
        [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']],
        JSON.stringify({ ...fields({ classification: 'org.clearlinux/bulk/csv' }), payload: big }))));
    }
    const r = await get(port, '/api/records/export.csv?classification=org.clearlinux/bulk/csv&limit=1000', [], { timeout: 60000 });
    assert.equal(r.status, 200);
    assert.equal(parseCsv(r.text).length, 301);
    // read the first bytes, then hang up
    await new Promise((resolve) => {
      const sock = net.createConnection({ host: '127.0.0.1', port }, () => {
        sock.write('GET /api/records/export.csv?classification=org.clearlinux/bulk/csv&limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      sock.once('data', () => { sock.destroy(); resolve(); });
      sock.on('error', resolve);
    });
    // the slot comes back: a new export works (within a few seconds)
    const ok = await until(async () => (await get(port, '/api/records/export.csv?limit=1')).status === 200, 15000, 200);
    assert.ok(ok, 'the export slot was given back');
    await sleep(100);
  });
});
