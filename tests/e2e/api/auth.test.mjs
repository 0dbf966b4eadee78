// Access control: --auth-file with viewer and admin users (hashes made by
// --hash-password), Basic auth on the UI, the API and /metrics, ingest
// and /healthz left open, 401 and 403 with their bodies, SIGHUP reload,
// bad auth files, and the refusal of a public address without an auth
// file (checked without ever listening on one: 192.0.2.1 is TEST-NET-1,
// not an address of this machine, so a gateway let past the check fails
// to bind).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  GATEWAY_BIN, ROOT, TID, errorShape, fields, get, postV2, request, runGateway, seededGateway, send, sleep, until,
} from './lib.mjs';

const basic = (u, p) => ['Authorization', `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`];

/** --hash-password with the password on standard input. */
function hashPassword(pw) {
  return new Promise((resolve, reject) => {
    const p = spawn(GATEWAY_BIN, ['--hash-password'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`--hash-password: ${code} ${err}`))));
    p.stdin.end(`${pw}\n`);
  });
}

describe('access control', () => {
  let s;
  let port;
  let dir;
  let file;
  const V = basic('vera', 'viewer pass');
  const A = basic('adam', 'admin:pass');
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-auth-'));
    file = path.join(dir, 'users');
    const hv = await hashPassword('viewer pass');
    const ha = await hashPassword('admin:pass');
    assert.match(hv, /^\$6\$[^:]+$/);
    fs.writeFileSync(file, `# test users\nvera:${hv}:viewer\nadam:${ha}:admin\n`, { mode: 0o600 });
    s = await seededGateway('auth', ['--auth-file', file, '--ui-dir', path.join(ROOT, 'ui')]);
    port = s.gw.port;
  });
  after(async () => {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without credentials: 401 with WWW-Authenticate and the JSON error shape', async () => {
    for (const p of ['/api/whoami', '/api/records/search', '/api/records/export.csv', '/api/records?limit=1', '/metrics', '/', '/app.js', '/api/nope']) {
      const r = await get(port, p);
      errorShape(r, 401, 'GW301', /authentication required/);
      assert.equal(r.headers['www-authenticate'], 'Basic realm="telemetrics", charset="UTF-8"', p);
    }
    const r = await get(port, '/api/builds', [basic('vera', 'wrong')]);
    errorShape(r, 401, 'GW301');
    assert.equal(r.json.details, 'The user name or password is wrong.');
    errorShape(await get(port, '/api/builds', [basic('nobody', 'viewer pass')]), 401, 'GW301');
    errorShape(await get(port, '/api/builds', [['Authorization', 'Bearer x']]), 401, 'GW301');
    errorShape(await send(port, 'POST', '/api/reclassify', {}), 401, 'GW301');
  });

  test('ingest and /healthz stay open', async () => {
    const r = await postV2(port, fields());
    assert.equal(r.status, 201, r.text);
    assert.equal((await postV2(port, fields(), 'x', { tid: 'wrong' })).status, 400, 'the TID check still applies');
    assert.equal((await get(port, '/healthz')).status, 200);
    const m = await get(port, '/v2/collector');
    assert.equal(m.status, 405, 'a probe path with a wrong method is a 405, not a 401');
  });

  test('a viewer reads everything and may not manage: 403', async () => {
    let r = await get(port, '/api/whoami', [V]);
    assert.deepEqual(r.json, { auth: true, user: 'vera', role: 'viewer' });
    for (const p of ['/api/records/search', '/api/crashes', '/api/blacklist', '/metrics', '/', '/api/records/export.csv?limit=1'])
      assert.equal((await get(port, p, [V])).status, 200, p);
    for (const [m, p, body] of [['POST', `/api/guilties/${s.ids.alpha}`, { comment: 'x' }], ['POST', '/api/blacklist', { function: 'x' }],
      ['DELETE', '/api/blacklist/1', undefined], ['POST', '/api/reclassify', {}]]) {
      r = await send(port, m, p, body, [V]);
      errorShape(r, 403, 'GW302', /user "vera" \(role viewer\) may not/);
    }
    r = await get(port, `/api/guilties/${s.ids.alpha}`, [V]);
    assert.equal(r.json.guilty.comment, null, 'nothing was changed');
  });

  test('an admin manages', async () => {
    let r = await get(port, '/api/whoami', [A]);
    assert.deepEqual(r.json, { auth: true, user: 'adam', role: 'admin' });
    r = await send(port, 'POST', `/api/guilties/${s.ids.alpha}`, { comment: 'admin was here' }, [A]);
    assert.equal(r.status, 200, r.text);
    errorShape(await send(port, 'POST', '/api/guilties/999999999', { comment: 'x' }, [A]), 404, 'P0002');
    r = await send(port, 'POST', `/api/guilties/${s.ids.alpha}`, { comment: 'x' }, [A, ['Origin', 'http://evil.example']]);
    errorShape(r, 403, 'GW303', /cross-origin/);
    assert.match(s.gw.logText(), /POST \/api\/guilties\/\d+ 200 [0-9.]+ ms user=adam/);
  });

  test('SIGHUP reloads the auth file; a broken file keeps the users loaded before', async () => {
    const hz = await hashPassword('zed');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${before}zoe:${hz}:viewer\n`);
    s.gw.proc.kill('SIGHUP');
    assert.ok(await until(async () => (await get(port, '/api/whoami', [basic('zoe', 'zed')])).status === 200, 10000));
    fs.writeFileSync(file, 'zoe:nothash:viewer\n');
    s.gw.proc.kill('SIGHUP');
    assert.ok(await until(() => /SIGHUP: auth file .*line 1: the password hash is not a crypt/.test(s.gw.logText()), 10000), s.gw.logText().slice(-500));
    assert.equal((await get(port, '/api/whoami', [basic('zoe', 'zed')])).status, 200, 'still loaded');
    fs.writeFileSync(file, before);
    s.gw.proc.kill('SIGHUP');
    assert.ok(await until(async () => (await get(port, '/api/whoami', [basic('zoe', 'zed')])).status === 401, 10000));
    await sleep(50);
  });
});

describe('start-up checks', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-auth-start-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('a bad or missing auth file is exit status 2 with the line', async () => {
    const f = path.join(dir, 'bad');
    fs.writeFileSync(f, '# users\nalice:$6$abc$def:root\n');
    let r = await runGateway(['--auth-file', f, '--port', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /line 2: unknown role "root"/);
    r = await runGateway(['--auth-file', path.join(dir, 'missing'), '--port', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /could not open auth file/);
    r = await runGateway(['--port', '1'], { env: { TELEMETRICS_GATEWAY_AUTH_FILE: f } });
    assert.equal(r.code, 2, 'the environment variable works too');
  });

  test('--hash-password refuses an empty password', async () => {
    const r = await new Promise((resolve) => {
      const p = spawn(GATEWAY_BIN, ['--hash-password'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => resolve({ code, err }));
      p.stdin.end('\n');
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /no password/);
  });

  test('a non-loopback address without an auth file is refused; --insecure-public or an auth file lets it past', async () => {
    let r = await runGateway(['--listen', '192.0.2.1', '--port', '18099', '--db', 'host=127.0.0.1 port=1 connect_timeout=1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing to listen on "192\.0\.2\.1", which is not a loopback address, without --auth-file/);
    r = await runGateway(['--listen', '0.0.0.0', '--port', '18099']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to listen on "0\.0\.0\.0"/);
    // past the check, the bind itself fails (192.0.2.1 is not ours): exit 1, not 2
    r = await runGateway(['--listen', '192.0.2.1', '--port', '18099', '--insecure-public', '--db', 'host=127.0.0.1 port=1 connect_timeout=1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /without access control \(--insecure-public\)/);
    assert.match(r.stderr, /could not listen on 192\.0\.2\.1/);
    r = await runGateway(['--listen', '192.0.2.1', '--port', '18099', '--db', 'host=127.0.0.1 port=1 connect_timeout=1'],
      { env: { TELEMETRICS_GATEWAY_INSECURE_PUBLIC: 'true' } });
    assert.equal(r.code, 1, 'TELEMETRICS_GATEWAY_INSECURE_PUBLIC works too');
    const f = path.join(dir, 'ok');
    fs.writeFileSync(f, `adam:${await hashPassword('pw')}:admin\n`, { mode: 0o600 });
    r = await runGateway(['--listen', '192.0.2.1', '--port', '18099', '--auth-file', f, '--db', 'host=127.0.0.1 port=1 connect_timeout=1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /put TLS in front/);
    r = await runGateway(['--listen', '127.0.0.2', '--port', '1', '--insecure-public=1']);
    assert.equal(r.code, 2, '--insecure-public takes no value');
  });
});
