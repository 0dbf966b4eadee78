// Helpers of the API tests: a fresh database seeded with known records
// through the gateway, JSON requests, and the error-shape check.

import assert from 'node:assert/strict';

import { TID, conninfo, createDatabase, dropDatabase, fields, psql, request, startGateway, stopClean } from '../gateway/lib.mjs';

export * from '../gateway/lib.mjs';

/** A crash payload whose first non-blacklisted frame is fn in mod. */
export function crashPayload(fn, mod, { program = '/usr/bin/tmapi-test', extra = [] } = {}) {
  return ['Process: ' + program, 'PID: 4242', 'Signal: 11', '', 'Backtrace (TID 4242):',
    '#0 raise() - [/usr/lib64/libc.so.6]',
    `#1 ${fn} - [${mod}]`,
    ...extra.map((f, i) => `#${i + 2} ${f}`),
    `#${extra.length + 2} main() - [${program}]`, ''].join('\n');
}

/**
 * Start a gateway on a new database seeded through it: crashes of two
 * groups on two numeric builds, heartbeats, an MCE and a thermal record.
 * Returns {gw, db, ids, machine}.
 */
export async function seededGateway(name, args = []) {
  const db = `tm_api_${name}_${process.pid}`;
  createDatabase(db);
  const gw = await startGateway(args, { db: conninfo(db) });
  const machine = 'apitest0000000000000000000000001';
  const other = 'apitest0000000000000000000000002';
  const ids = {};
  const post = async (f, payload) => {
    const r = await request(gw.port, 'POST', '/v3/collector', [['X-Telemetry-TID', TID], ['Content-Type', 'application/json']],
      JSON.stringify({ ...fields(f), payload }));
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  const crash = { classification: 'org.clearlinux/crash/clr', severity: '3', system_name: 'clear-linux-os' };
  ids.a1 = await post({ ...crash, build: '41000', machine_id: machine }, crashPayload('tm_alpha()', '/usr/lib64/libtmapi.so', { extra: ['tm_beta() - [/usr/lib64/libtmapi.so]'] }));
  ids.a2 = await post({ ...crash, build: '41010', machine_id: machine }, crashPayload('tm_alpha()', '/usr/lib64/libtmapi.so', { extra: ['tm_beta() - [/usr/lib64/libtmapi.so]'] }));
  ids.a3 = await post({ ...crash, build: '41010', machine_id: other }, crashPayload('tm_alpha()', '/usr/lib64/libtmapi.so', { extra: ['tm_beta() - [/usr/lib64/libtmapi.so]'] }));
  ids.g1 = await post({ ...crash, build: '41010', machine_id: other }, crashPayload('tm_gamma()', '/usr/lib64/libother.so'));
  ids.hb1 = await post({ classification: 'org.clearlinux/heartbeat/ping', severity: '1', build: '41010', machine_id: machine, system_name: 'clear-linux-os' }, 'hello\n\n');
  ids.hb2 = await post({ classification: 'org.clearlinux/heartbeat/ping', severity: '1', build: '41000', machine_id: other, system_name: 'clear-linux-os' }, 'hello "quoted", comma\nsecond line\n');
  ids.mce = await post({ classification: 'org.clearlinux/mce/corrected', severity: '2', build: '41010', machine_id: machine, system_name: 'clear-linux-os' },
    'Hardware event. This is not a software error.\nMCE 0\nCPU 1 BANK 7\nSTATUS 9c00004000010091 MCGSTATUS 0\n');
  ids.thermal = await post({ classification: 'org.clearlinux/mce/thermal', severity: '2', build: '41010', machine_id: other, system_name: 'clear-linux-os' }, 'CPU 1 temperature above threshold\n');
  const guilty = (id) => JSON.parse(psql(`SELECT telemetrics_api.get_record(jsonb_build_object('id', '${id}'))`, { db })).guilty;
  ids.alpha = guilty(ids.a1).id;
  ids.gamma = guilty(ids.g1).id;
  return {
    gw, db, ids, machine, other,
    async close() {
      await stopClean(gw);
      dropDatabase(db);
    },
  };
}

/** GET path (with a query string) as JSON. */
export const get = (port, path, headers = [], opts = {}) => request(port, 'GET', path, headers, null, opts);

/** A JSON request with a body. */
export const send = (port, method, path, body, headers = []) => request(port, method, path,
  [['Content-Type', 'application/json'], ...headers], body === undefined ? null : (typeof body === 'string' ? body : JSON.stringify(body)));

/** Assert the gateway's error shape with status and code (and a message matching re). */
export function errorShape(r, status, code, re = null) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'] || '', /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ['code', 'details', 'hint', 'message']);
  if (code) assert.equal(r.json.code, code, r.text);
  if (re) assert.match(r.json.message, re);
}
