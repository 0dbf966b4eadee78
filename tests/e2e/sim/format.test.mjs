// Wire-format fidelity: the simulator's requests are byte for byte what
// the real telemetrics-client sends (tests/corpus/requests, captured
// from the real v2.3.5 and 2.4.x clients), and every generated request
// has the same layout.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CORPUS, NOW, wire, sim, mkTmp, rmTmp, readManifest, parseRequest, header,
} from './lib.mjs';

const V2_ORDER = ['Host', 'Accept', 'record_format_version', 'classification', 'severity', 'machine_id',
  'creation_timestamp', 'arch', 'host_type', 'build', 'kernel_version', 'payload_format_version',
  'system_name', 'board_name', 'cpu_model', 'bios_version', 'event_id', 'X-Telemetry-TID',
  'Content-Type', 'Content-Length'];
const V3_ORDER = ['Host', 'Accept', 'X-Telemetry-TID', 'Content-Type', 'Content-Length'];
const JSON_KEYS = V2_ORDER.slice(2, 17).concat(['payload']);

/* A simulator record equivalent to a captured request. */
function recordFromCapture(req) {
  const v3 = header(req, 'Content-Type') === 'application/json';
  let fields;
  let payload;
  if (v3) {
    const obj = JSON.parse(req.body.toString('utf8'));
    fields = Object.entries(obj).filter(([k]) => k !== 'payload');
    payload = obj.payload;
  } else {
    fields = req.headers.filter(([n]) => JSON_KEYS.includes(n));
    payload = req.body.toString('utf8');
  }
  return {
    format: v3 ? 'v3' : 'v2',
    path: req.path === '/' ? 'root' : v3 ? 'v3' : 'v2',
    fields, payload, tid: header(req, 'X-Telemetry-TID'), external: false,
  };
}

describe('the captured corpus', () => {
  const files = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).filter((f) => f.endsWith('.http')).sort() : [];

  test('the corpus is there', () => {
    assert.ok(files.length >= 5, `expected the captured requests in ${CORPUS} (set TM_CORPUS_DIR)`);
    assert.ok(files.some((f) => f.startsWith('v2-')) && files.some((f) => f.startsWith('v3-')));
  });

  for (const f of files) {
    test(`${f} is reproduced byte for byte`, () => {
      const raw = fs.readFileSync(path.join(CORPUS, f));
      const req = parseRequest(raw);
      assert.ok(req, 'a complete request');
      assert.equal(req.length, raw.length, 'nothing after the body');
      const rec = recordFromCapture(req);
      const target = { hostHeader: header(req, 'Host'), basePath: '/' };
      const out = wire.httpRequest(rec, target);
      assert.equal(out.toString('latin1'), raw.toString('latin1'));
      assert.ok(out.equals(raw));
    });
  }
});

describe('v3 quirks', () => {
  test('values are cut at the first space; build keeps its quotes; payload is not cut', () => {
    // client-protocol.md 3.3: the same machine through v2 and v3
    const fields = [
      ['record_format_version', '4'], ['classification', 'org.clearlinux/hello/world'], ['severity', '1'],
      ['machine_id', '02c280330a9aabe1ad920304aa25140e'], ['creation_timestamp', '1795754744'], ['arch', 'x86_64'],
      ['host_type', 'Intel(R) Client Systems|NUC7i5BNH|J31169-307'], ['build', '"12"'],
      ['kernel_version', '6.18.44-fc-v669'], ['payload_format_version', '1'], ['system_name', 'debian'],
      ['board_name', 'NUC7i5BNB|Intel Corporation'], ['cpu_model', 'AMD EPYC'],
      ['bios_version', 'BNKBL357.86A.0088.2022.0125.1102'], ['event_id', '6cf1909d23c401ea8c78b9690b699fa2'],
    ];
    const captured = '{"record_format_version":"4","classification":"org.clearlinux/hello/world","severity":"1",' +
      '"machine_id":"02c280330a9aabe1ad920304aa25140e","creation_timestamp":"1795754744","arch":"x86_64",' +
      '"host_type":"Intel(R)","build":"\\"12\\"","kernel_version":"6.18.44-fc-v669","payload_format_version":"1",' +
      '"system_name":"debian","board_name":"NUC7i5BNB|Intel","cpu_model":"AMD",' +
      '"bios_version":"BNKBL357.86A.0088.2022.0125.1102","event_id":"6cf1909d23c401ea8c78b9690b699fa2","payload":"hello\\n"}';
    assert.equal(wire.v3Body({ fields, payload: 'hello\n' }), captured);
    assert.equal(wire.v3Cut('AMD EPYC 7763 64-Core Processor'), 'AMD');
    assert.equal(wire.v3Cut('N32ET86W (1.62 )'), 'N32ET86W');
    assert.equal(wire.v3Body({ fields: [['x', 'a b']], payload: 'p q\n' }), '{"x":"a","payload":"p q\\n"}');
  });

  test('the SQL form passes what the gateway would: v3 values cut, v2 values whole, external flag', () => {
    const rec = {
      format: 'v3', external: true,
      fields: [['host_type', 'Dell Inc.|XPS 13 9310|blank'], ['build', '"22.04"']],
    };
    assert.deepEqual(wire.sqlFields(rec), { host_type: 'Dell', build: '"22.04"', x_clr_external: 'true' });
    rec.format = 'v2';
    rec.external = false;
    assert.deepEqual(wire.sqlFields(rec), { host_type: 'Dell Inc.|XPS 13 9310|blank', build: '"22.04"' });
  });
});

describe('generated requests', () => {
  let dir;
  let reqs;
  let man;

  before(async () => {
    dir = mkTmp();
    const r = await sim(['--dump', dir, '--records', '1500', '--seed', 'format', '--now', String(NOW),
      '--external-rate', '0.3', '--url', 'http://127.0.0.1:8765/', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    man = readManifest(path.join(dir, 'manifest.tsv'));
    reqs = man.map((m) => {
      const raw = fs.readFileSync(path.join(dir, `${m.seq.padStart(8, '0')}.http`));
      const req = parseRequest(raw);
      assert.ok(req && req.length === raw.length, `request ${m.seq} is complete and alone in its file`);
      return { m, raw, req };
    });
  });
  after(() => rmTmp(dir));

  test('both formats, and both v2 paths, are present', () => {
    const paths = new Set(reqs.map(({ req }) => req.path));
    assert.deepEqual([...paths].sort(), ['/', '/v2/collector', '/v3/collector']);
  });

  test('header names and order are the client\'s; CRLF; Content-Length is the body length', () => {
    for (const { m, raw, req } of reqs) {
      const names = req.headers.map(([n]) => n).filter((n) => n !== 'X-CLR-External');
      const v3 = m.format === 'v3';
      assert.deepEqual(names, v3 ? V3_ORDER : V2_ORDER, `request ${m.seq}`);
      assert.equal(req.requestLine, `POST ${v3 ? '/v3/collector' : m.path === 'root' ? '/' : '/v2/collector'} HTTP/1.1`);
      assert.equal(header(req, 'Host'), '127.0.0.1:8765');
      assert.equal(header(req, 'Accept'), '*/*');
      assert.equal(header(req, 'Content-Type'), v3 ? 'application/json' : 'application/text');
      assert.equal(Number(header(req, 'Content-Length')), req.body.length);
      assert.equal(header(req, 'X-Telemetry-TID'), '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
      assert.equal(header(req, 'X-CLR-External'), m.external === '1' ? 'true' : undefined);
      if (m.external === '1') {
        // placed right after the TID header
        const i = req.headers.findIndex(([n]) => n === 'X-CLR-External');
        assert.equal(req.headers[i - 1][0], 'X-Telemetry-TID');
      }
      const head = raw.subarray(0, raw.indexOf('\r\n\r\n') + 4).toString('latin1');
      assert.equal(head.split('\r\n').length, req.headers.length + 3, 'every head line ends in CRLF');
      assert.ok(!/[^\r]\n/.test(head), 'no bare LF in the head');
    }
  });

  test('v2 values are whole; v3 bodies are compact JSON of strings in the client\'s key order', () => {
    let sawSpace = false;
    for (const { m, req } of reqs) {
      if (m.format === 'v2') {
        for (const [n, v] of req.headers) if (JSON_KEYS.includes(n) && v.includes(' ')) sawSpace = true;
        continue;
      }
      const text = req.body.toString('utf8');
      const obj = JSON.parse(text);
      assert.deepEqual(Object.keys(obj), JSON_KEYS, `request ${m.seq}`);
      assert.equal(JSON.stringify(obj), text, 'no whitespace outside strings');
      assert.ok(!text.includes('\\/'), '"/" is not escaped');
      for (const [k, v] of Object.entries(obj)) {
        assert.equal(typeof v, 'string', `${k} is a string`);
        if (k !== 'payload') assert.ok(!v.includes(' '), `${k} is cut at the first space: ${JSON.stringify(v)}`);
      }
    }
    assert.ok(sawSpace, 'some v2 header values contain spaces (host_type, cpu_model, ...)');
  });

  test('build and system_name keep os-release quotes; machine ids and event ids are 32 lowercase hex', () => {
    const builds = new Set();
    for (const { m, req } of reqs) {
      const fields = m.format === 'v3' ? JSON.parse(req.body.toString('utf8')) : Object.fromEntries(req.headers);
      builds.add(`${fields.system_name} ${fields.build}`);
      assert.match(fields.machine_id, /^[0-9a-f]{32}$/);
      assert.match(fields.event_id, /^[0-9a-f]{32}$/);
      assert.equal(fields.record_format_version, '4');
      assert.match(fields.creation_timestamp, /^\d+$/);
    }
    assert.ok(builds.has('debian "12"'), [...builds].join(', '));
    assert.ok([...builds].some((b) => b.startsWith('ubuntu "2')));
    assert.ok([...builds].some((b) => /^clear-linux-os 3\d{4}$/.test(b)));
    assert.ok([...builds].some((b) => b.startsWith('"opensuse-tumbleweed" "2')));
  });

  test('every payload is printable ASCII text ending in the extra newline, at most 8187 bytes', () => {
    for (const { m, req } of reqs) {
      const p = m.format === 'v3' ? JSON.parse(req.body.toString('utf8')).payload : req.body.toString('latin1');
      assert.ok(p.endsWith('\n'), `record ${m.seq} ends in \\n`);
      assert.ok(Buffer.byteLength(p) <= 8187, `record ${m.seq} is ${Buffer.byteLength(p)} bytes`);
      assert.ok(/^[\x20-\x7e\t\n\r\v\f]*$/.test(p), `record ${m.seq} is ASCII text`);
    }
  });
});
