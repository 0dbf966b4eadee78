// --sql against the real extension on the test cluster (scripts/test.sh):
// every record gets the outcome the simulator expected for it (stored,
// duplicate, or rejected with its SQLSTATE), and what is stored is what
// was sent, as the gateway would pass it on.  Skipped outside the harness
// (no TM_PG_PORT).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  NOW, sim, run, mkTmp, rmTmp, readManifest, cluster, psql, lit, parseRequest, header,
} from './lib.mjs';

const c = cluster();
const skip = c ? false : 'no test cluster (run through scripts/test.sh, which sets TM_PG_PORT, TM_DB, ...)';

/* The fields and payload a request carries, as the gateway reads them. */
function sent(buf) {
  const req = parseRequest(buf);
  const v3 = header(req, 'Content-Type') === 'application/json';
  let fields;
  let payload;
  if (v3) {
    const obj = JSON.parse(req.body.toString('utf8'));
    payload = obj.payload;
    delete obj.payload;
    fields = obj;
  } else {
    fields = Object.fromEntries(req.headers.filter(([n]) => /^[a-z_]+$/.test(n)));
    payload = req.body.toString('utf8');
  }
  return { fields, payload, external: header(req, 'X-CLR-External') === 'true' };
}

describe('--sql into the extension', { skip, timeout: 300000 }, () => {
  let dir;
  let man;
  let outcomes;
  let loadNote = '';
  // a seed of its own, so that a rerun against the same database sends new records
  const seed = `sql-${process.pid}-${Date.now()}`;
  const args = ['--records', '3000', '--machines', '150', '--seed', seed, '--now', String(NOW),
    '--invalid-rate', '0.1', '--dup-rate', '0.05', '--batch', '400',
    '--invalid-kinds', 'bad_tid,no_tid,bad_record_version,missing_field,bad_severity,bad_classification,' +
      'long_machine_id,bad_timestamp,bad_arch,long_host_type,bad_kernel_version,bad_board_name,bad_cpu_model,' +
      'bad_bios_version,bad_event_id,bad_build,bad_payload_version,payload_version_range,nul_payload,too_large'];

  before(async () => {
    dir = mkTmp();
    const sqlFile = path.join(dir, 'load.sql');
    const r = await sim(['--sql', '--sql-outcomes', '--manifest', path.join(dir, 'manifest.tsv'), ...args],
      { stdoutFile: sqlFile });
    assert.equal(r.code, 0, r.stderr);
    man = readManifest(path.join(dir, 'manifest.tsv'));
    const t0 = Date.now();
    const p = await run(c.psqlBin, [...c.args, '-tA', '-F', '\t', '-f', sqlFile],
      { timeoutMs: 240000, env: { PGPASSFILE: c.passfile } });
    assert.equal(p.code, 0, p.stderr);
    const secs = (Date.now() - t0) / 1000;
    loadNote = `loaded ${man.length} records in ${secs.toFixed(2)} s (${(man.length / secs).toFixed(0)} records/s)`;
    outcomes = p.stdout.toString('utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  });
  after(() => rmTmp(dir));

  test('every record has the outcome the simulator expected', (t) => {
    t.diagnostic(loadNote);
    assert.equal(outcomes.length, man.length);
    const wrong = [];
    const tally = {};
    for (const [seq, outcome, sqlstate] of outcomes) {
      const m = man[Number(seq) - 1];
      tally[`${m.expect}/${outcome}`] = (tally[`${m.expect}/${outcome}`] || 0) + 1;
      if (outcome !== m.expect || sqlstate !== m.sqlstate) {
        wrong.push(`${seq} ${m.kind} ${m.format} ${m.invalid || '-'}: expected ${m.expect} ${m.sqlstate}, got ${outcome} ${sqlstate}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(tally['stored/stored'] > 2000 && tally['duplicate/duplicate'] > 50 && tally['rejected/rejected'] > 200,
      JSON.stringify(tally));
    const kinds = new Set(man.filter((m) => m.invalid).map((m) => m.invalid));
    assert.equal(kinds.size, 20, 'every kind of invalid record was tried');
  });

  test('rejected records are in the quarantine', async () => {
    const ids = man.filter((m) => m.expect === 'rejected' && /^[0-9a-f]{32}$/.test(m.event_id)).map((m) => m.event_id);
    assert.ok(ids.length > 100);
    const n = Number(await psql(c, `SELECT count(DISTINCT fields->>'event_id') FROM telemetrics.quarantine
      WHERE fields->>'event_id' = ANY (ARRAY[${ids.map(lit).join(',')}])`));
    // the quarantine keeps what it could parse; records with a broken field set may lack the key
    assert.ok(n >= ids.length * 0.8, `${n} of ${ids.length} rejected records found in the quarantine`);
  });

  test('stored rows are what was sent: build and system name unquoted, v3 values cut, payload intact', async () => {
    // the same seed in --dump mode gives the same records as raw requests
    const d = path.join(dir, 'dump');
    const r = await sim(['--dump', d, '--quiet', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const want = new Map();
    for (const m of man) {
      if (m.expect !== 'stored' || m.rfv !== '4') continue;
      want.set(`${m.machine_id} ${m.event_id}`, { m, ...sent(fs.readFileSync(path.join(d, `${m.seq.padStart(8, '0')}.http`))) });
    }
    const machines = [...new Set([...want.values()].map((w) => w.m.machine_id))];
    const rows = await psql(c, `SELECT machine_id, event_id, classification, severity, build, kernel_version, host_type,
        board_name, cpu_model, bios_version, external, encode(convert_to(payload, 'UTF8'), 'hex'),
        extract(epoch FROM created_at)::bigint, arch, system_name, record_version, payload_version
      FROM telemetrics.records WHERE machine_id = ANY (ARRAY[${machines.map(lit).join(',')}])`);
    const got = new Map();
    for (const line of rows.split('\n').filter(Boolean)) {
      const v = line.split('\t');
      assert.ok(!got.has(`${v[0]} ${v[1]}`), `one row per (machine, event): ${v[0]} ${v[1]}`);
      got.set(`${v[0]} ${v[1]}`, v);
    }
    let checked = 0;
    let cut = 0;
    for (const [key, w] of want) {
      const v = got.get(key);
      assert.ok(v, `record ${w.m.seq} was stored`);
      const f = w.fields;
      const unq = (s) => s.replace(/["']/g, '');
      const expectRow = [f.machine_id, f.event_id, f.classification, f.severity, unq(f.build), f.kernel_version,
        f.host_type, f.board_name, f.cpu_model, f.bios_version, w.external ? 't' : 'f',
        Buffer.from(w.payload, 'utf8').toString('hex'), f.creation_timestamp, f.arch, unq(f.system_name),
        f.record_format_version, f.payload_format_version];
      assert.deepEqual(v, expectRow, `record ${w.m.seq} (${w.m.format})`);
      if (w.m.format === 'v3' && !f.host_type.includes('|')) cut++;
      checked++;
    }
    assert.ok(checked > 2000, `${checked} records compared`);
    assert.ok(cut > 50, 'some v3 host types were cut at their first space');
  });
});
