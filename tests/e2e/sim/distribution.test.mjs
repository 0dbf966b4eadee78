// What the fleet sends: every kind, both formats, the rates asked for,
// realistic spreads (OSes, builds, time), a skewed crash distribution with
// regressions new in the newest build, and bursts.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { NOW, fleetLib, sim, mkTmp, rmTmp, readManifest } from './lib.mjs';

const N = 8000;
const MACHINES = 300;
const DAY = 86400;

describe('the fleet\'s records', () => {
  let dir;
  let man;
  let fresh; // records that are not re-sends

  before(async () => {
    dir = mkTmp();
    const file = path.join(dir, 'manifest.tsv');
    const r = await sim(['--dry-run', '--records', String(N), '--machines', String(MACHINES), '--seed', 'dist',
      '--now', String(NOW), '--invalid-rate', '0.1', '--dup-rate', '0.05', '--manifest', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /generated 8000 records/);
    man = readManifest(file);
    fresh = man.filter((m) => !m.dup_of);
  });
  after(() => rmTmp(dir));

  test('one manifest line per record, numbered 1..N', () => {
    assert.equal(man.length, N);
    man.forEach((m, i) => assert.equal(Number(m.seq), i + 1));
  });

  test('every kind of record is present', () => {
    const kinds = new Set(man.map((m) => m.kind));
    assert.deepEqual([...kinds].sort(), Object.keys(fleetLib.KINDS).sort());
    const classes = new Set(man.filter((m) => !m.invalid).map((m) => m.classification));
    for (const c of ['org.clearlinux/heartbeat/ping', 'org.clearlinux/hello/world', 'org.clearlinux/crash/clr',
      'org.clearlinux/crash/error', 'org.clearlinux/crash/unknown', 'org.clearlinux/crash/clr-build',
      'org.clearlinux/kernel/bug', 'org.clearlinux/kernel/warning', 'org.clearlinux/mce/corrected',
      'org.clearlinux/mce/thermal']) {
      assert.ok(classes.has(c), c);
    }
  });

  test('both wire formats, about half each', () => {
    const v3 = man.filter((m) => m.format === 'v3').length / N;
    assert.ok(v3 > 0.3 && v3 < 0.7, `v3 share ${v3}`);
  });

  test('the invalid rate is honoured, with every kind of invalid record and its SQLSTATE', () => {
    const inv = man.filter((m) => m.expect === 'rejected');
    const share = inv.length / N;
    assert.ok(Math.abs(share - 0.1) < 0.015, `invalid share ${share}`);
    const kinds = new Set(inv.map((m) => m.invalid));
    assert.deepEqual([...kinds].sort(), fleetLib.DEFAULT_INVALID_KINDS.slice().sort());
    for (const m of inv) {
      assert.equal(m.sqlstate, fleetLib.INVALID[m.invalid].sqlstate);
      assert.equal(m.status, '400');
    }
    for (const m of man.filter((x) => x.expect !== 'rejected')) assert.equal(m.sqlstate, '');
  });

  test('re-sends: the dup rate is honoured and each repeats an earlier record exactly', () => {
    const dups = man.filter((m) => m.dup_of);
    const share = dups.length / N;
    assert.ok(Math.abs(share - 0.05) < 0.012, `re-send share ${share}`);
    for (const d of dups) {
      const o = man[Number(d.dup_of) - 1];
      assert.ok(Number(d.dup_of) < Number(d.seq));
      for (const c of ['kind', 'format', 'machine_id', 'event_id', 'created', 'invalid']) assert.equal(d[c], o[c], c);
      // only record format 4 has an event id to recognise a re-send by
      const want = o.expect === 'rejected' ? ['rejected', o.status] : o.rfv === '4' ? ['duplicate', '200'] : ['stored', '201'];
      assert.deepEqual([d.expect, d.status], want);
    }
  });

  test('operating systems, builds and external machines are spread realistically', () => {
    const os = new Map();
    const clearBuilds = new Set();
    const ext = new Map();
    for (const m of fresh.filter((x) => !x.invalid)) {
      os.set(m.system_name, (os.get(m.system_name) || 0) + 1);
      if (m.system_name === 'clear-linux-os') clearBuilds.add(Number(m.build));
      ext.set(m.machine_id, m.external);
    }
    assert.ok(os.size >= 6, [...os.keys()].join(', '));
    assert.ok(os.get('clear-linux-os') > fresh.length * 0.35, 'mostly Clear Linux');
    assert.ok(clearBuilds.size >= 8, [...clearBuilds].join(', '));
    for (const b of clearBuilds) assert.ok(b >= 31800 && b <= 32100, b);
    const extShare = [...ext.values()].filter((e) => e === '1').length / ext.size;
    assert.ok(extShare > 0.15 && extShare < 0.45, `external share ${extShare}`);
  });

  test('creation times cover the window, with history every day', () => {
    const days = new Set();
    for (const m of man) {
      const t = Number(m.created);
      assert.ok(t <= NOW && t >= NOW - 30 * DAY, `created ${t}`);
      days.add(Math.floor(t / DAY));
    }
    assert.ok(days.size >= 30, `${days.size} distinct days`);
  });

  test('heartbeats come from nearly every machine', () => {
    const hb = new Set(fresh.filter((m) => m.kind === 'heartbeat').map((m) => m.machine_id));
    assert.ok(hb.size >= MACHINES * 0.9, `${hb.size} machines sent heartbeats`);
  });

  test('crashes are skewed: a few very common, many rare', () => {
    const counts = new Map();
    const crashes = fresh.filter((m) => m.kind === 'crash' && !m.invalid);
    for (const m of crashes) counts.set(m.signature, (counts.get(m.signature) || 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    assert.ok(sorted[0] / crashes.length > 0.1, `top crash share ${sorted[0] / crashes.length}`);
    assert.ok(counts.size >= 100, `${counts.size} distinct crashes`);
    const rare = sorted.filter((c) => c <= 2).length / counts.size;
    assert.ok(rare > 0.4, `rare share ${rare}`);
  });

  test('regressions appear only in the newest builds, a fixed crash only before its fix', () => {
    const only = (sig) => fresh.filter((m) => m.signature === sig && !m.invalid);
    const reg = only('mutter-wayland-regression');
    assert.ok(reg.length >= 5, `${reg.length} records of the regression`);
    for (const m of reg) assert.equal(m.build, '32100');
    for (const m of only('systemd-networkd-regression')) assert.ok(['32090', '32100'].includes(m.build), m.build);
    const fixed = only('tracker-seccomp');
    assert.ok(fixed.length > 0);
    for (const m of fixed) assert.ok(m.system_name !== 'clear-linux-os' || Number(m.build) < 32080, m.build);
    const kreg = only('i915-null-regression').concat(only('amdgpu-fence-regression'));
    assert.ok(kreg.length > 0);
    for (const m of kreg) assert.equal(m.build, '32100');
  });

  test('bursts: crash loops on one machine, and a one-day storm of one warning', () => {
    let loops = 0;
    for (let i = 0; i + 4 < fresh.length; i++) {
      const w = fresh.slice(i, i + 5);
      if (w.every((m) => m.kind === w[0].kind && m.machine_id === w[0].machine_id && m.signature === w[0].signature) &&
          Number(w[4].created) - Number(w[0].created) < 600) {
        loops++;
        i += 4;
      }
    }
    assert.ok(loops >= 3, `${loops} crash loops`);
    const storm = fresh.filter((m) => m.signature === 'nvme-timeout');
    const byDay = new Map();
    for (const m of storm) byDay.set(Math.floor(Number(m.created) / DAY), (byDay.get(Math.floor(Number(m.created) / DAY)) || 0) + 1);
    const peak = Math.max(...byDay.values());
    assert.ok(peak > storm.length / 3, `storm peak ${peak} of ${storm.length}`);
  });

  test('MCEs come mostly from a few failing machines', () => {
    const mce = fresh.filter((m) => m.kind === 'mce' && !m.invalid);
    const by = new Map();
    for (const m of mce) by.set(m.machine_id, (by.get(m.machine_id) || 0) + 1);
    const top = [...by.values()].sort((a, b) => b - a);
    assert.ok(top[0] >= mce.length * 0.05, `top machine ${top[0]} of ${mce.length}`);
    assert.ok(top.slice(0, 10).reduce((a, b) => a + b, 0) > mce.length * 0.5);
  });
});

describe('options shape the fleet', () => {
  test('--format v2 and v3 force the format; --kinds limits the kinds; --external-rate 0', async () => {
    const dir = mkTmp();
    try {
      for (const fmt of ['v2', 'v3']) {
        const file = path.join(dir, `${fmt}.tsv`);
        const r = await sim(['--dry-run', '--records', '500', '--format', fmt, '--kinds', 'crash,mce',
          '--external-rate', '0', '--seed', 'opts', '--now', String(NOW), '--manifest', file, '--quiet']);
        assert.equal(r.code, 0, r.stderr);
        const man = readManifest(file);
        assert.ok(man.every((m) => m.format === fmt));
        assert.deepEqual([...new Set(man.map((m) => m.kind))].sort(), ['crash', 'mce']);
        assert.ok(man.every((m) => m.external === '0'));
      }
    } finally {
      rmTmp(dir);
    }
  });

  test('--demo: 200 machines, 4000 records, re-sends and a few invalid records', async () => {
    const dir = mkTmp();
    try {
      const file = path.join(dir, 'demo.tsv');
      const r = await sim(['--demo', '--dry-run', '--seed', 'demo', '--now', String(NOW), '--manifest', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /seed demo: 200 machines, 4000 records/);
      const man = readManifest(file);
      assert.equal(man.length, 4000);
      assert.ok(man.some((m) => m.dup_of) && man.some((m) => m.invalid));
      assert.equal(new Set(man.map((m) => m.kind)).size, Object.keys(fleetLib.KINDS).length);
    } finally {
      rmTmp(dir);
    }
  });
});
