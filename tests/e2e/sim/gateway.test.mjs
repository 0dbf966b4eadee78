// End to end: the simulator against the real gateway and the real
// extension.  Runs when gateway/telemetrics-gateway exists (or
// TM_GATEWAY_BIN names one) and the test cluster is there; the gateway is
// started on a free port and stopped by PID.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, NOW, sim, mkTmp, rmTmp, readManifest, cluster, psql, lit, freePort } from './lib.mjs';

const BIN = process.env.TM_GATEWAY_BIN || path.join(ROOT, 'gateway', 'telemetrics-gateway');
const c = cluster();
const skip = !fs.existsSync(BIN) ? `no gateway binary (${BIN})` : !c ? 'no test cluster (run through scripts/test.sh)' : false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* GET url; resolves the status, or 0 if nothing answers. */
async function status(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

describe('simulator -> gateway -> extension', { skip, timeout: 300000 }, () => {
  let gw;
  let url;
  let dir;
  let log = '';

  before(async () => {
    dir = mkTmp();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    const conninfo = `host=127.0.0.1 port=${c.port} dbname=${c.db} user=telemetrics_gateway passfile=${c.passfile}`;
    gw = spawn(BIN, ['--listen', '127.0.0.1', '--port', String(port), '--db', conninfo], { stdio: ['ignore', 'ignore', 'pipe'] });
    gw.stderr.on('data', (d) => { log = (log + d).slice(-20000); });
    for (let i = 0; i < 200; i++) {
      if (await status(`${url}healthz`) === 200) return;
      if (gw.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error(`the gateway did not become healthy:\n${log}`);
  });

  after(async () => {
    if (gw && gw.exitCode === null) {
      gw.kill('SIGTERM');
      for (let i = 0; i < 100 && gw.exitCode === null; i++) await sleep(100);
      if (gw.exitCode === null) gw.kill('SIGKILL');
    }
    if (dir) rmTmp(dir);
  });

  test('every record gets its expected status, and the stored rows match', async () => {
    const file = path.join(dir, 'manifest.tsv');
    const seed = `gw-${process.pid}-${Date.now()}`;
    const r = await sim(['--url', url, '--records', '3000', '--machines', '200', '--concurrency', '16',
      '--invalid-rate', '0.05', '--dup-rate', '0.05', '--seed', seed, '--now', String(NOW),
      '--invalid-kinds', 'bad_tid,no_tid,missing_field,bad_arch,bad_event_id,bad_build,nul_payload,too_large,bad_board_name',
      '--manifest', file], { timeoutMs: 240000 });
    assert.equal(r.code, 0, `${r.stderr}\n--- gateway log\n${log.slice(-3000)}`);
    assert.match(r.stderr, /unexpected +0\n/);
    const man = readManifest(file);
    const stored = man.filter((m) => m.expect !== 'rejected' && m.rfv === '4');
    const keys = new Set(stored.map((m) => `${m.machine_id} ${m.event_id}`));
    const machines = [...new Set(stored.map((m) => m.machine_id))];
    const rows = await psql(c, `SELECT machine_id || ' ' || event_id FROM telemetrics.records
      WHERE machine_id = ANY (ARRAY[${machines.map(lit).join(',')}])`);
    const got = rows.split('\n').filter(Boolean);
    assert.equal(new Set(got).size, got.length, 'no record stored twice');
    for (const k of keys) assert.ok(got.includes(k), `stored: ${k}`);
  });

  test('--demo loads its data set in under a minute', async () => {
    const t0 = Date.now();
    const r = await sim(['--url', url, '--demo', '--seed', `demo-${process.pid}-${Date.now()}`], { timeoutMs: 120000 });
    const secs = (Date.now() - t0) / 1000;
    assert.equal(r.code, 0, `${r.stderr}\n--- gateway log\n${log.slice(-3000)}`);
    assert.match(r.stderr, /sent 4000 records/);
    assert.ok(secs < 60, `${secs} s`);
  });
});
