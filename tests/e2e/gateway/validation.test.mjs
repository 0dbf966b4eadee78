// Every validation rule of the extension, through both wire formats: the
// exact status, SQLSTATE and message (the reference backend's text), that
// nothing was stored, and that the record was quarantined.  Then the
// gateway's own 400s for requests it cannot turn into a record (GW103 to
// GW106), which are quarantined too, with the code, message and body.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  TID, fields, lit, machineId, postV2, postV3, psql, psqlJson, quarantined, request, startGateway, stopClean, storedRecords,
} from './lib.mjs';

const OMIT = Symbol('omit');

// [what, field changes (OMIT removes), payload, status, sqlstate, message, {tid}]
const cases = [
  ['wrong telemetry id', {}, 'p\n', 400, '28000', 'Telemetry ID mismatch', { tid: 'aaaaaaaa-0000-0000-0000-000000000000' }],
  ['no telemetry id', {}, 'p\n', 400, '28000', 'Telemetry ID mismatch', { tid: null }],
  ['record format version 5', { record_format_version: '5' }, 'p\n', 400, '22023', 'Record-Format-Version is invalid'],
  ['record format version missing', { record_format_version: OMIT }, 'p\n', 400, '22023', 'Record-Format-Version is invalid'],
  ['arch missing', { arch: OMIT }, 'p\n', 400, '23502', 'Record-Format-Version headers are invalid, Arch missing'],
  ['event id missing (v4)', { event_id: OMIT }, 'p\n', 400, '23502', 'Record-Format-Version headers are invalid, Event-Id missing'],
  ['board name missing (v3)', { record_format_version: '3', board_name: OMIT }, 'p\n', 400, '23502', 'Record-Format-Version headers are invalid, Board-Name missing'],
  ['system name missing (v2)', { record_format_version: '2', system_name: OMIT }, 'p\n', 400, '23502', 'Record-Format-Version headers are invalid, System-Name missing'],
  ['severity 5', { severity: '5' }, 'p\n', 400, '22003', 'severity value is out of range'],
  ['severity x', { severity: 'x' }, 'p\n', 400, '22003', 'severity value is out of range'],
  ['classification with one slash', { classification: 'org.clearlinux/crash' }, 'p\n', 400, '22023', 'Classification value is invalid'],
  ['machine id of 33 characters', { machine_id: () => machineId('long').padEnd(33, 'M') }, 'p\n', 400, '22001', 'Machine id value is invalid'],
  ['creation timestamp not a number', { creation_timestamp: '17957x' }, 'p\n', 400, '22007', 'timestamp is invalid'],
  ['arch mips', { arch: 'mips' }, 'p\n', 400, '22023', 'architecture is invalid'],
  ['host type of 250 characters', { host_type: 'h'.repeat(250) }, 'p\n', 400, '22001', 'host type is invalid'],
  ['kernel version without a second dot', { kernel_version: '6.18' }, 'p\n', 400, '22023', 'kernel version is invalid'],
  ['board name of 200 characters', { board_name: 'b'.repeat(200) }, 'p\n', 400, '22023', 'board name is invalid'],
  ['cpu model of 200 characters', { cpu_model: 'c'.repeat(200) }, 'p\n', 400, '22023', 'cpu model is invalid'],
  ['bios version of 200 characters', { bios_version: 'v'.repeat(200) }, 'p\n', 400, '22023', 'BIOS version is invalid'],
  ['event id in upper case', { event_id: 'ABCDEF0123456789ABCDEF0123456789' }, 'p\n', 400, '22023', 'Event id is invalid'],
  ['build with a space', { build: '1 2' }, 'p\n', 400, '22023', 'Build version has invalid characters'],
  ['Clear Linux build with letters', { system_name: 'clear-linux-os', build: '31960a' }, 'p\n', 400, '22023', 'Clear Linux OS build version has invalid characters'],
  ['classification of 251 bytes', { classification: 'a/b/' + 'c'.repeat(247) }, 'p\n', 400, '22001', 'Classification value is too long (over 250 bytes)'],
  ['system name of 251 bytes', { system_name: 's'.repeat(251) }, 'p\n', 400, '22001', 'System name is too long (over 250 bytes)'],
  ['build of 251 characters', { build: '1'.repeat(251) }, 'p\n', 400, '22001', 'Build version is too long (over 250 bytes)'],
  ['payload format version x', { payload_format_version: 'x' }, 'p\n', 400, '22P02', "Error parsing payload_format_version, invalid literal for int() with base 10: 'x'"],
  ['payload format version 2147483647', { payload_format_version: '2147483647' }, 'p\n', 400, '22003', 'Payload format version outside of range supported'],
  ['payload with a NUL byte', {}, 'a\0b\n', 400, '22021', 'payload contains a NUL byte at offset 1'],
  ['payload over telemetrics.max_payload_bytes', {}, 'x'.repeat(300 * 1024 + 1), 413, '54000', 'payload of 307201 bytes exceeds the limit of 307200 bytes'],
];

function apply(over) {
  const f = fields();
  for (const [k, v] of Object.entries(over)) {
    if (v === OMIT) delete f[k];
    else f[k] = typeof v === 'function' ? v() : v;
  }
  return f;
}

describe('validation errors, both formats', () => {
  let gw;
  before(async () => { gw = await startGateway(); });
  after(async () => { await stopClean(gw); });

  for (const [what, over, payload, status, sqlstate, message, opts = {}] of cases) {
    for (const format of ['v2', 'v3']) {
      test(`${format}: ${what} -> ${status} ${sqlstate}`, async () => {
        const f = apply(over);
        const tid = 'tid' in opts ? opts.tid : TID;
        const r = format === 'v2' ? await postV2(gw.port, f, payload, { tid }) : await postV3(gw.port, f, payload, { tid });
        assert.equal(r.status, status, r.text);
        assert.match(r.headers['content-type'], /^application\/json/);
        assert.deepEqual(r.json, { code: sqlstate, message, details: null, hint: null });

        const m = f.machine_id;
        if (m !== undefined) {
          assert.equal(storedRecords(m).length, 0, 'nothing was stored');
          const q = quarantined(m);
          assert.equal(q.length, 1, 'the record was quarantined');
          assert.equal(q[0].sqlstate, sqlstate);
          assert.equal(q[0].message, message);
        }
      });
    }
  }

  test('a rejected record sent again is counted in the quarantine, not added', async () => {
    const f = fields({ severity: '9' });
    for (let i = 0; i < 3; i++) assert.equal((await postV2(gw.port, f, 'same\n')).status, 400);
    const q = quarantined(f.machine_id);
    assert.equal(q.length, 1);
    assert.equal(q[0].repeat_count, 3);
  });

  test('a duplicate gets 200 with the stored record and leaves one row, across formats', async () => {
    const f = fields();
    const a = await postV2(gw.port, f, 'first\n');
    assert.equal(a.status, 201, a.text);
    const b = await postV3(gw.port, f, 'second\n');
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.id, a.json.id);
    assert.equal(b.json.payload, 'first\n', 'the stored original is returned');
    assert.equal(storedRecords(f.machine_id).length, 1);
  });

  test('twenty concurrent copies of one record: one 201, nineteen 200, one row', async () => {
    const f = fields();
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? postV2 : postV3)(gw.port, f, 'dup\n')));
    const statuses = rs.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(19).fill(200), 201].sort(), rs.map((r) => r.text).join('\n'));
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
    assert.equal(storedRecords(f.machine_id).length, 1);
  });

  test('one bad record in a batch costs the others nothing', async () => {
    const good = Array.from({ length: 30 }, () => fields());
    const bad = Array.from({ length: 10 }, () => fields({ arch: 'vax' }));
    const rs = await Promise.all([...good.map((f) => postV3(gw.port, f)), ...bad.map((f) => postV2(gw.port, f))]);
    rs.slice(0, 30).forEach((r) => assert.equal(r.status, 201, r.text));
    rs.slice(30).forEach((r) => assert.equal(r.status, 400, r.text));
    for (const f of good) assert.equal(storedRecords(f.machine_id).length, 1);
  });
});

describe('requests that are not records (the gateway\'s own 400s), quarantined', () => {
  let gw;
  before(async () => { gw = await startGateway(); });
  after(async () => { await stopClean(gw); });

  const v3 = (body, target = '/v3/collector', tid = TID) => request(gw.port, 'POST', target,
    [['X-Telemetry-TID', tid], ['Content-Type', 'application/json']], body);
  // the quarantine rows holding this body (as text), by code
  const keptBody = (text) => psqlJson(`SELECT coalesce(json_agg(json_build_object('sqlstate', sqlstate,
      'message', message, 'fields', fields, 'tid', tid, 'classification', classification,
      'machine_id', machine_id, 'payload_excerpt', payload_excerpt, 'payload_bytes', payload_bytes,
      'repeat_count', repeat_count) ORDER BY id), '[]')
    FROM telemetrics.quarantine WHERE payload_excerpt = ${lit(text)}`);
  const rejections = async (code) => {
    const r = await request(gw.port, 'GET', '/metrics');
    const m = new RegExp(`^telemetrics_gateway_rejections_total\\{sqlstate="${code}"\\} (\\d+)$`, 'm').exec(r.text);
    return m ? Number(m[1]) : 0;
  };

  test('malformed JSON: 400 GW103 saying where; kept with its body, counted per sending', async () => {
    const counted = await rejections('GW103');
    const bodies = [
      ['{"severity": "1",}', 'line 1, column 18'],
      ['{\n  "severity": "1"\n  "payload": "x"\n}', 'line 3, column 11'],
      ['', 'line 1, column 0'],
      ['"x"', 'line 1, column 3'],
      ['{"payload": "x"} trailing', 'line 1, column 25'],
      ['{"payload": "x", "payload": "y"}', 'line 1, column 26'],
    ];
    for (const [body, where] of bodies) {
      let message;
      for (const target of ['/v3/collector', '/', '/v2/collector']) {
        const r = await v3(body, target);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json.code, 'GW103');
        assert.ok(r.json.message.startsWith(`malformed JSON at ${where}:`), `${JSON.stringify(body)}: ${r.json.message}`);
        assert.match(r.json.details, /byte offset \d+/);
        message = r.json.message;
      }
      // the same body three times: one row, counted three times
      const kept = keptBody(body).filter((q) => q.sqlstate === 'GW103');
      assert.deepEqual(kept, [{
        sqlstate: 'GW103', message, fields: null, tid: TID, classification: null, machine_id: null,
        payload_excerpt: body, payload_bytes: Buffer.byteLength(body), repeat_count: 3,
      }], JSON.stringify(body));
    }
    assert.equal(await rejections('GW103'), counted + 3 * bodies.length, 'counted in /metrics by code');
  });

  test('invalid UTF-8 in a JSON body is malformed JSON; the body is kept as Latin-1', async () => {
    const r = await v3(Buffer.from('{"payload":"\xff"}', 'latin1'), '/v3/collector', Buffer.from('tid-\xe9', 'latin1'));
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'GW103');
    const kept = keptBody('{"payload":"\u00ff"}');
    assert.equal(kept.length, 1);
    assert.equal(kept[0].message, r.json.message);
    assert.equal(kept[0].tid, 'tid-\u00e9', 'the telemetry id as UTF-8 (read as Latin-1)');
    assert.equal(kept[0].payload_bytes, 15);
  });

  test('not an object, payload missing or not a string, U+0000 in a field: kept, nothing stored', async () => {
    const f = fields();
    for (const [body, code, message] of [
      ['[1, 2]', 'GW104', 'the request body must be a JSON object'],
      ['{}', 'GW105', 'JSON member "payload" is missing'],
      [JSON.stringify(f), 'GW105', 'JSON member "payload" is missing'],
      [JSON.stringify({ ...f, payload: null }), 'GW105', 'JSON member "payload" must be a string'],
      [JSON.stringify({ ...f, payload: 42 }), 'GW105', 'JSON member "payload" must be a string'],
      [JSON.stringify({ ...f, payload: ['a'] }), 'GW105', 'JSON member "payload" must be a string'],
      [JSON.stringify({ ...f, cpu_model: 'A\u0000B', payload: 'x' }), 'GW106', 'JSON member "cpu_model" contains a NUL character (\\u0000)'],
    ]) {
      const r = await v3(body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.code, code);
      assert.equal(r.json.message, message);
      const kept = keptBody(body);
      assert.equal(kept.length, 1, body);
      assert.equal(kept[0].sqlstate, code);
      assert.equal(kept[0].message, message);
      assert.equal(kept[0].fields, null, 'a v3 body that is not a record has no fields');
      assert.equal(kept[0].repeat_count, 1);
    }
    assert.equal(storedRecords(f.machine_id).length, 0);
  });

  test('when the quarantine cannot be written for another reason than an outage: still the 400, and an error logged', async () => {
    const body = `{"broken": "installation", "sent": ${Date.now()}`;
    psql('REVOKE EXECUTE ON FUNCTION telemetrics_api.quarantine_request(text, text, jsonb, bytea, text) FROM telemetrics_gateway');
    let r;
    try {
      r = await v3(body);
    } finally {
      psql('GRANT EXECUTE ON FUNCTION telemetrics_api.quarantine_request(text, text, jsonb, bytea, text) TO telemetrics_gateway');
    }
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'GW103');
    assert.deepEqual(keptBody(body), []);
    assert.match(gw.logText(), /could not keep a refused request \(GW103\) in telemetrics\.quarantine: 403 .*42501/);
    // granted again: kept
    assert.equal((await v3(body)).status, 400);
    assert.equal(keptBody(body).length, 1);
  });

  test('a raw NUL byte in a v2 header value: libmicrohttpd cuts the value there (a known limitation)', async () => {
    // Not HTTP (nginx refuses it with a 400).  libmicrohttpd 0.9.75 hands
    // the gateway only what precedes the NUL, so the gateway's own check
    // (GW106, unit-tested in test_ingest.c) never sees one; docs/gateway.md
    // lists this under "Known limitations".  If this starts failing, the
    // library changed: update the docs and test GW106 here instead.
    const f = fields();
    const headers = Object.entries(f).map(([n, v]) => [n, n === 'cpu_model' ? Buffer.from('A\0B', 'latin1') : v]);
    const r = await request(gw.port, 'POST', '/v2/collector',
      [...headers, ['X-Telemetry-TID', TID], ['Content-Type', 'application/text']], 'the payload\n');
    assert.equal(r.status, 201, r.text);
    const stored = storedRecords(f.machine_id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].cpu_model, 'A');
  });

  test('a v3 field that is an object fails that field\'s validation in the database', async () => {
    const f = fields({ arch: { a: 1 } });
    const r = await postV3(gw.port, f);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json, { code: '22023', message: 'architecture is invalid', details: null, hint: null });
    assert.equal(quarantined(f.machine_id).length, 1);
  });
});
