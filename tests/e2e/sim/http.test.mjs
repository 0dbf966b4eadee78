// The HTTP mode against a raw local receiver: the bytes on the wire, one
// connection per record, how answers are judged (exit status), 503
// retries, transport errors, keep-alive, pacing and progress.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  NOW, sim, mkTmp, rmTmp, readManifest, startReceiver, freePort, parseRequest,
} from './lib.mjs';

const BASE = ['--now', String(NOW), '--machines', '40'];

/* Run the simulator in --dump mode with these args; returns {dir, man, files}. */
async function dump(dir, args) {
  const r = await sim(['--dump', dir, ...args, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const man = readManifest(path.join(dir, 'manifest.tsv'));
  const files = man.map((m) => fs.readFileSync(path.join(dir, `${m.seq.padStart(8, '0')}.http`)));
  return { man, files };
}

describe('HTTP mode', { timeout: 120000 }, () => {
  test('sends exactly the requests --dump writes, one connection per record', async () => {
    const rx = await startReceiver();
    const dir = mkTmp();
    try {
      const args = ['--url', rx.url, '--records', '300', '--seed', 'http1', '--dup-rate', '0.05', ...BASE];
      const r = await sim([...args, '--concurrency', '6']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /sent 300 records in [\d.]+ s \(\d+ records\/s\)/);
      assert.match(r.stderr, /201 stored +300\n/);
      assert.match(r.stderr, /unexpected +0\n/);
      assert.match(r.stderr, /latency ms +p50 [\d.]+, p90 [\d.]+, p99 [\d.]+, max [\d.]+/);
      assert.equal(rx.requests.length, 300);
      assert.equal(rx.connections, 300, 'like the real client, one TCP connection per record');
      const { files } = await dump(path.join(dir, 'd'), args);
      const want = files.map((b) => b.toString('base64')).sort();
      const got = rx.requests.map((b) => b.toString('base64')).sort();
      assert.deepEqual(got, want);
    } finally {
      await rx.close();
      rmTmp(dir);
    }
  });

  test('deliberately invalid records must get their status; anything else fails the run', async () => {
    const dir = mkTmp();
    const args = ['--records', '200', '--seed', 'http2', '--invalid-rate', '0.2',
      '--invalid-kinds', 'bad_tid,bad_arch,too_large,nul_payload', ...BASE];
    // a receiver that answers what the gateway would: the expected status
    // of each request, looked up by its bytes in the same run's dump
    const expected = new Map();
    let rx = await startReceiver((req, n) => {
      const raw = rx.requests[n].toString('base64');
      return { status: expected.has(raw) ? expected.get(raw) : 500 };
    });
    try {
      const { man, files } = await dump(path.join(dir, 'd'), ['--url', rx.url, ...args]);
      files.forEach((b, i) => expected.set(b.toString('base64'), Number(man[i].status)));
      const nInvalid = man.filter((m) => m.expect === 'rejected').length;
      assert.ok(nInvalid > 20);
      assert.ok(man.some((m) => m.status === '413'));
      let r = await sim(['--url', rx.url, ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`4xx expected +${nInvalid} `));
      assert.match(r.stderr, /\n {2}413 +\d+\n/);
      await rx.close();

      // a receiver that stores everything: the invalid records were not refused
      rx = await startReceiver(() => ({ status: 201, body: '{}' }));
      r = await sim(['--url', rx.url, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`unexpected +${nInvalid}\n`));
      assert.match(r.stderr, /e\.g\. record \d+ \(\S+, invalid: \w+, v[23]\) expected 4\d\d, got 201/);
    } finally {
      if (rx) await rx.close();
      rmTmp(dir);
    }
  });

  test('503 is retried after Retry-After; a 503 that persists fails the run', async () => {
    const seen = new Set();
    let rx = await startReceiver((req, n) => {
      const key = rx.requests[n].toString('base64');
      if (seen.has(key)) return { status: 201 };
      seen.add(key);
      return { status: 503, headers: { 'Retry-After': '0' } };
    });
    try {
      let r = await sim(['--url', rx.url, '--records', '40', '--seed', 'http3', ...BASE]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /201 stored +40\n/);
      assert.match(r.stderr, /\(and 40 503s retried\)/);
      assert.equal(rx.requests.length, 80);
      await rx.close();
      rx = await startReceiver(() => ({ status: 503, headers: { 'Retry-After': '0' } }));
      r = await sim(['--url', rx.url, '--records', '10', '--retries', '1', '--seed', 'http3', ...BASE]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\n {2}503 +10\n/);
      assert.equal(rx.requests.length, 20);
    } finally {
      await rx.close();
    }
  });

  test('transport errors fail the run; --max-errors stops early', async () => {
    const port = await freePort();
    const r = await sim(['--url', `http://127.0.0.1:${port}/`, '--records', '1000', '--max-errors', '5',
      '--concurrency', '2', '--seed', 'http4', ...BASE]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /errors +\d+ \(ECONNREFUSED \d+\)/);
    assert.match(r.stderr, /stopping after 5 failures/);
    const sent = Number(/sent (\d+) records/.exec(r.stderr)[1]);
    assert.ok(sent >= 5 && sent <= 7, `sent ${sent}`);
  });

  test('a server that drops the connection, or never answers (--timeout)', async () => {
    let rx = await startReceiver(() => ({ close: true }));
    try {
      let r = await sim(['--url', rx.url, '--records', '3', '--seed', 'http5', ...BASE]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /errors +3 \(ECONNRESET 3\)/);
      await rx.close();
      rx = await startReceiver(() => ({ hang: true }));
      r = await sim(['--url', rx.url, '--records', '2', '--timeout', '0.3', '--seed', 'http5', ...BASE]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /errors +2 \(ETIMEDOUT 2\)/);
    } finally {
      await rx.close();
    }
  });

  test('an early 413 followed by a closed connection counts as the 413', async () => {
    // like a server that checks Content-Length, answers, and closes without reading the body
    let conns = 0;
    const server = net.createServer((sock) => {
      conns++;
      let head = '';
      sock.on('data', (d) => {
        if (head.includes('\r\n\r\n')) return;
        head += d.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          sock.write('HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
            () => setTimeout(() => sock.destroy(), 5));
        }
      });
      sock.on('error', () => {});
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await sim(['--url', `http://127.0.0.1:${server.address().port}/`, '--records', '5',
        '--invalid-rate', '1', '--invalid-kinds', 'too_large', '--seed', 'http8', ...BASE]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\n {2}413 +5\n/);
      assert.equal(conns, 5);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('--keep-alive reuses connections; a URL path is a prefix for the collector paths', async () => {
    const rx = await startReceiver();
    try {
      const r = await sim(['--url', `${rx.url}telemetry/`, '--records', '60', '--keep-alive', '--concurrency', '2',
        '--seed', 'http6', ...BASE]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(rx.requests.length, 60);
      assert.ok(rx.connections <= 2, `${rx.connections} connections`);
      const paths = new Set(rx.requests.map((b) => parseRequest(b).path));
      for (const p of paths) assert.ok(['/telemetry/', '/telemetry/v2/collector', '/telemetry/v3/collector'].includes(p), p);
    } finally {
      await rx.close();
    }
  });

  test('--rate paces, --duration bounds the run, progress goes to stderr', async () => {
    const rx = await startReceiver();
    try {
      let t0 = Date.now();
      let r = await sim(['--url', rx.url, '--records', '30', '--rate', '20', '--progress-interval', '0.3',
        '--seed', 'http7', ...BASE]);
      let el = (Date.now() - t0) / 1000;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(el >= 1.3, `30 records at 20/s took ${el} s`);
      assert.match(r.stderr, /telemetrics-sim: \d+\/30 sent, 201 \d+, 200 \d+, 5xx 0, errors 0, \d+ records\/s, ETA \w+/);
      const before = rx.requests.length;
      t0 = Date.now();
      r = await sim(['--url', rx.url, '--duration', '1.5', '--rate', '20', '--seed', 'http7', ...BASE]);
      el = (Date.now() - t0) / 1000;
      assert.equal(r.code, 0, r.stderr);
      const n = rx.requests.length - before;
      assert.ok(n >= 20 && n <= 35, `${n} records in 1.5 s at 20/s`);
      assert.ok(el < 10);
    } finally {
      await rx.close();
    }
  });
});
