// Determinism with --seed, and the command line: --help, bad options.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NOW, SIM, run, sim, mkTmp, rmTmp } from './lib.mjs';

function readDir(dir) {
  const out = new Map();
  for (const f of fs.readdirSync(dir).sort()) out.set(f, fs.readFileSync(path.join(dir, f)));
  return out;
}

describe('determinism', () => {
  const args = ['--records', '600', '--machines', '50', '--invalid-rate', '0.05', '--dup-rate', '0.05',
    '--now', String(NOW), '--quiet'];

  test('the same seed gives byte-identical requests; another seed does not', async () => {
    const dir = mkTmp();
    try {
      for (const [sub, seed] of [['a', 's1'], ['b', 's1'], ['c', 's2']]) {
        const r = await sim(['--dump', path.join(dir, sub), '--seed', seed, ...args]);
        assert.equal(r.code, 0, r.stderr);
      }
      const a = readDir(path.join(dir, 'a'));
      const b = readDir(path.join(dir, 'b'));
      const c = readDir(path.join(dir, 'c'));
      assert.equal(a.size, 601); // 600 requests and the manifest
      assert.deepEqual([...a.keys()], [...b.keys()]);
      for (const [f, buf] of a) assert.ok(buf.equals(b.get(f)), `${f} differs between two runs with one seed`);
      let same = 0;
      for (const [f, buf] of a) if (c.has(f) && buf.equals(c.get(f))) same++;
      assert.equal(same, 0, 'another seed shares no request');
    } finally {
      rmTmp(dir);
    }
  });

  test('the same seed gives identical SQL', async () => {
    const r1 = await sim(['--sql', '--seed', 'sql', ...args]);
    const r2 = await sim(['--sql', '--seed', 'sql', ...args]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.ok(r1.stdout.length > 100000);
    assert.ok(r1.stdout.equals(r2.stdout));
  });

  test('the machines depend on the seed only, not on --records or --now', async () => {
    const dir = mkTmp();
    try {
      const ids = [];
      for (const [n, now] of [['100', NOW], ['300', NOW - 86400 * 7]]) {
        const file = path.join(dir, `${n}.tsv`);
        const r = await sim(['--dry-run', '--seed', 'm', '--machines', '20', '--records', n, '--now', String(now),
          '--manifest', file, '--quiet']);
        assert.equal(r.code, 0, r.stderr);
        const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
        ids.push(new Set(lines.map((l) => l.split('\t')[6])));
      }
      for (const id of ids[0]) assert.ok(ids[1].has(id));
    } finally {
      rmTmp(dir);
    }
  });
});

describe('command line', () => {
  test('--help describes every option and exits 0', async () => {
    const r = await sim(['--help']);
    assert.equal(r.code, 0);
    const text = r.stdout.toString();
    for (const o of ['--url', '--machines', '--records', '--duration', '--concurrency', '--format', '--days',
      '--seed', '--rate', '--tid', '--demo', '--dry-run', '--dump', '--sql', '--batch', '--invalid-rate',
      '--dup-rate', '--manifest', '--keep-alive']) {
      assert.ok(text.includes(o), o);
    }
  });

  test('--version', async () => {
    const r = await sim(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /^telemetrics-sim \d+\.\d+\n$/);
  });

  for (const [args, msg] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--records=-5'], /--records takes a number/],
    [['--records', '1.5'], /whole number/],
    [['--format', 'v4'], /--format must be v2, v3 or mix/],
    [['--invalid-rate', '2'], /--invalid-rate must be between 0 and 1/],
    [['--sql', '--duration', '5'], /need --records/],
    [['--sql', '--dry-run'], /exclusive/],
    [['--url', 'https://example.com/'], /--url must be http:\/\//],
    [['--url', 'not a url'], /invalid --url/],
    [['--kinds', 'crash,nope'], /unknown value "nope"/],
    [['--mix', 'crash'], /--mix: expected kind=weight/],
    [['--bursts'], /--bursts needs --rate/],
    [['--invalid-kinds', 'bad_tid,nope'], /unknown value "nope"/],
    [['extra'], /Unexpected argument|positional/i],
  ]) {
    test(`rejects ${args.join(' ')} with exit status 2`, async () => {
      const r = await sim(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, msg);
      assert.match(r.stderr, /Try "telemetrics-sim --help"/);
    });
  }
});

describe('progress on long runs without HTTP', () => {
  const args = ['--records', '30000', '--machines', '50', '--now', String(NOW), '--seed', 'progress',
    '--progress-interval', '0.1'];

  test('--dump writes a progress line as it goes', async () => {
    const dir = mkTmp();
    try {
      const r = await sim(['--dump', dir, ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /telemetrics-sim: \d+\/30000 requests written, \d+ records\/s, ETA \w+/);
    } finally { rmTmp(dir); }
  });

  test('--sql into /dev/null writes a progress line as it goes', async () => {
    const r = await run('/bin/sh', ['-c', `exec "${process.execPath}" "${SIM}" --sql ${args.join(' ')} >/dev/null`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /telemetrics-sim: \d+\/30000 records written, \d+ records\/s, ETA \w+/);
  });

  test('--dry-run writes a progress line as it goes; --quiet none', async () => {
    let r = await sim(['--dry-run', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /telemetrics-sim: \d+\/30000 records generated, \d+ records\/s, ETA \w+/);
    r = await sim(['--dry-run', '--quiet', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
