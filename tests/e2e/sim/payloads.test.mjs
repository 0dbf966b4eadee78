// Payload formats: each kind of record carries exactly the text its probe
// produces (client-protocol.md section 7, reference-backend.md 3.2).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, fleetLib, payloads } from './lib.mjs';

const FRAME_RE = /^(#\d+ )(.+)( - \[(.*)\](.*))$/; // the reference backend's FRAME_PATTERN
const CRASH_FRAME = /^#(\d+) (\?\?\? - \[[^\]]+\]|\(no symbols\)|\S+\(\) - \[[^\]]+\]( - \S+:\d+)?)$/;
const MCE_RE = /STATUS.*([A-Fa-f0-9]{8}) MCGSTATUS/; // the reference's MCE status regex

/* Generate n records in-process, grouped by kind. */
function generate(n, seed, extra = {}) {
  const fleet = new fleetLib.Fleet({
    seed, machines: 400, days: 30, now: NOW, format: 'mix', externalRate: 0.3, v3Share: 0.5,
  });
  const gen = new fleetLib.Generator(fleet, { seed, tid: 'x', invalidRate: 0, dupRate: 0, ...extra });
  const byKind = {};
  for (let i = 0; i < n; i++) {
    const r = gen.next();
    (byKind[r.kind] ||= []).push(r);
  }
  return byKind;
}

/* Split a crashprobe payload into {header: [lines], blocks: [{tid, frames}]}. */
function parseCrash(p) {
  assert.ok(p.endsWith('\n\n'), 'ends with the probe\'s newline plus telemprobd\'s');
  const lines = p.slice(0, -1).split('\n');
  lines.pop(); // the text ends in \n
  const header = [];
  let i = 0;
  while (i < lines.length && lines[i] !== '') header.push(lines[i++]);
  const blocks = [];
  while (i < lines.length) {
    assert.equal(lines[i], '', `blank line before a block, got ${JSON.stringify(lines[i])}`);
    const m = /^Backtrace \(TID (\d+)\):$/.exec(lines[i + 1]);
    assert.ok(m, `a Backtrace (TID n): line, got ${JSON.stringify(lines[i + 1])}`);
    i += 2;
    const frames = [];
    while (i < lines.length && lines[i] !== '') frames.push(lines[i++]);
    blocks.push({ tid: Number(m[1]), frames });
  }
  return { header, blocks };
}

describe('probe payloads', () => {
  let k;
  before(() => {
    k = generate(30000, 'payloads');
  });

  test('crash/clr: crashprobe layout, frame numbering, the 64-frame limit', () => {
    let truncated = 0;
    let multi = 0;
    for (const r of k.crash) {
      const { header, blocks } = parseCrash(r.payload);
      assert.match(header[0], /^Process: \S+$/);
      assert.match(header[1], /^PID: \d+$/);
      assert.match(header[2], /^Signal: (4|5|6|7|8|11|31)$/);
      const trunc = header[3] === 'Too many frames. Backtrace truncated.';
      assert.equal(header.length, trunc ? 4 : 3, header.join('|'));
      assert.ok(blocks.length >= 1);
      for (const b of blocks) {
        b.frames.forEach((f, n) => {
          const m = CRASH_FRAME.exec(f);
          assert.ok(m, `frame line ${JSON.stringify(f)}`);
          assert.equal(Number(m[1]), n, 'frames are numbered from #0 in every thread');
          if (f.includes(' - [')) assert.ok(FRAME_RE.test(f), `the reference regex parses ${f}`);
        });
        assert.ok(b.frames.length <= 64);
      }
      if (trunc) {
        truncated++;
        assert.equal(blocks.length, 1, 'unwinding stops for all threads at frame 64');
        assert.equal(blocks[0].frames.length, 64);
      } else {
        assert.ok(blocks.some((b) => String(b.tid) === header[1].slice(5)), 'the main thread is there');
      }
      if (blocks.length > 1) multi++;
    }
    assert.ok(truncated > 0, 'some deep recursions hit 64 frames');
    assert.ok(multi > k.crash.length / 10, 'many crashes are multi-threaded');
  });

  test('crash/clr: many programs and guilty frames; abort, stripped, C++ and JIT frames', () => {
    const procs = new Set();
    const tops = new Set();
    let abortAbove = 0;
    let stripped = 0;
    let mangled = 0;
    let nosym = 0;
    let workerCrash = 0;
    for (const r of k.crash) {
      const { header, blocks } = parseCrash(r.payload);
      procs.add(header[0]);
      const first = blocks[0].frames;
      // the first frame outside libc / libstdc++ / the glib abort helpers
      const own = first.find((f) => !/\[(libc\.so\.6|libstdc\+\+\.so\.6)\]/.test(f) && !/g_assertion_message|_g_log_abort|g_logv?\(\)|g_log_default/.test(f));
      if (own) tops.add(own.replace(/^#\d+ /, '').replace(/ - [^ ]+:\d+$/, ''));
      const raise = first.findIndex((f) => f.includes(' raise() - [libc.so.6]'));
      if (raise >= 0 && first[raise + 1].includes(' abort() - [libc.so.6]') &&
          first.slice(raise + 2).some((f) => !f.includes('[libc.so.6]'))) abortAbove++;
      if (first.some((f) => f.includes('??? - ['))) stripped++;
      if (first.some((f) => / _Z\S+\(\) - /.test(f))) mangled++;
      if (first.some((f) => f.endsWith('(no symbols)'))) nosym++;
      if (String(blocks[0].tid) !== header[1].slice(5)) workerCrash++;
    }
    assert.ok(procs.size >= 40, `${procs.size} programs`);
    assert.ok(tops.size >= 100, `${tops.size} distinct top frames`);
    for (const [name, n] of Object.entries({ abortAbove, stripped, mangled, nosym, workerCrash })) {
      assert.ok(n >= 20, `${name}: ${n}`);
    }
  });

  test('crash/error: the header, "Error: <message>", then the frames collected so far', () => {
    assert.ok(k['crash-error'].length > 50);
    for (const r of k['crash-error']) {
      const errLine = r.payload.split('\n')[3];
      assert.match(errLine, /^Error: (Error while iterating through frames for thread \d+: .+|Failed to .+)$/);
      const rest = r.payload.split('\n').slice(0, 3).join('\n') + '\n' + r.payload.split('\n').slice(4).join('\n');
      parseCrash(rest);
    }
  });

  test('crash/unknown and crash/clr-build: the privacy filters\' fixed texts', () => {
    for (const r of k['crash-unknown']) assert.equal(r.payload, 'Crash from third party\n\n');
    for (const r of k['crash-clr-build']) assert.equal(r.payload, 'Crash from Clear package build\n\n');
    for (const r of k['crash-clr-build']) assert.equal(r.machine.os.systemName, 'clear-linux-os');
  });

  test('kernel oopses: oops_parser layout, registers, "? " frames numbered from #1', () => {
    const ORDER = ['Kernel Version : ', 'Tainted : ', 'Modules : ', 'Backtrace :'];
    let unreliable = 0;
    let withRegs = 0;
    let bare = 0;
    const reasons = new Set();
    for (const kind of ['kernel-warning', 'kernel-bug', 'kernel-panic']) {
      assert.ok(k[kind].length > 10, kind);
      for (const r of k[kind]) {
        const cls = r.fields.find(([n]) => n === 'classification')[1];
        assert.equal(cls, `org.clearlinux/kernel/${kind.slice(7)}`);
        assert.ok(r.payload.endsWith('\n\n'));
        const lines = r.payload.slice(0, -2).split('\n');
        assert.equal(lines[0], 'Crash Report:');
        assert.match(lines[1], /^Reason: \S/);
        reasons.add(lines[1].replace(/\d+/g, 'N'));
        if (kind === 'kernel-warning' && /^Reason: (WARNING: |NETDEV WATCHDOG: |list_del corruption)/.test(lines[1]) === false) {
          assert.fail(`a warning reason: ${lines[1]}`);
        }
        let i = 2;
        let last = -1;
        for (; i < lines.length; i++) {
          const o = ORDER.findIndex((p) => lines[i].startsWith(p));
          if (o < 0) break;
          assert.ok(o > last, 'header lines in oops_parser order');
          last = o;
          if (o === 1) assert.ok(lines[i] === 'Tainted : Not tainted' || lines[i].length === 'Tainted : '.length + 16, lines[i]);
        }
        let regs = 0;
        for (; i < lines.length && lines[i].startsWith('Register '); i++) {
          assert.match(lines[i], /^Register (EFLAGS|RSP|R[A-D]X|R[SD]I|RBP|R0[89]|R1[0-5]|FS|CS|CR[234]|DR[0-367]): (Non-zero|Zero)$/);
          regs++;
        }
        if (regs) withRegs++;
        let n = 1;
        for (; i < lines.length; i++, n++) {
          const m = /^#(\d+) (\? )?(\S+) - \[kernel\]$/.exec(lines[i]);
          assert.ok(m, `kernel frame ${JSON.stringify(lines[i])}`);
          assert.equal(Number(m[1]), n);
          if (m[2]) unreliable++;
        }
        if (lines.length === 2) bare++;
      }
    }
    assert.ok(unreliable > 50 && withRegs > 20 && bare > 0, `${unreliable} ${withRegs} ${bare}`);
    assert.ok(reasons.size >= 12, `${reasons.size} distinct reasons`);
  });

  test('the CPU line parser is oops_parser\'s, quirks included', () => {
    assert.deepEqual(payloads.parseCpuLine('CPU: 2 PID: 6429 Comm: insmod Tainted: P           OE  3.19.0-18-generic #18-Ubuntu'),
      { kernelVersion: '3.19.0-18-generic #18-Ubuntu', tainted: 'P           OE  ' });
    assert.deepEqual(payloads.parseCpuLine('CPU: 2 PID: 0 Comm: swapper/2 Not tainted  3.10.4-100.fc18.x86_64 #1'),
      { kernelVersion: '3.10.4-100.fc18.x86_64 #1', tainted: 'Not tainted' });
    // the captured corpus record's "Tainted : PF          O 3."
    const line = payloads.cpuLine(1, 1234, 'Xorg', 'PFO', '3.7.9-201.fc18.x86_64', '#1');
    assert.equal(payloads.parseCpuLine(line).tainted, 'PF          O 3.');
  });

  test('MCE: an mcelog dump whose STATUS agrees with the class; many status codes and banks', () => {
    const mk = generate(6000, 'mce', { mix: { mce: 1, heartbeat: 0, hello: 0, crash: 0, 'crash-error': 0, 'crash-unknown': 0, 'crash-clr-build': 0, 'kernel-warning': 0, 'kernel-bug': 0, 'kernel-panic': 0, bert: 0, thermal: 0, journal: 0 } });
    const classes = new Map();
    const statuses = new Set();
    const banks = new Set();
    for (const r of mk.mce) {
      const cls = r.fields.find(([n]) => n === 'classification')[1].split('/')[2];
      classes.set(cls, (classes.get(cls) || 0) + 1);
      const m = /^STATUS ([0-9a-f]{16}) MCGSTATUS (\d+)$/m.exec(r.payload);
      assert.ok(m, r.payload);
      assert.equal(MCE_RE.exec(r.payload)[1], m[1].slice(8), 'the reference extracts the last 8 hex digits');
      const st = BigInt(`0x${m[1]}`);
      const bit = (n) => (st >> BigInt(n)) & 1n;
      assert.equal(bit(63), 1n, 'VAL');
      const want = { corrected: [0n], UCNA: [1n, 0n], SRAO: [1n, 1n, 0n], SRAR: [1n, 1n, 1n] }[cls];
      assert.deepEqual([bit(61), bit(56), bit(55)].slice(0, want.length), want, `${cls} ${m[1]}`);
      statuses.add(m[1]);
      banks.add(/^CPU \d+ BANK (\d+) $/m.exec(r.payload)[1]);
      assert.match(r.payload, /^Hardware event\. This is not a software error\.\nMCE 0\n/);
      assert.match(r.payload, /^TIME \d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/m);
    }
    assert.deepEqual([...classes.keys()].sort(), ['SRAO', 'SRAR', 'UCNA', 'corrected']);
    assert.ok(classes.get('corrected') > mk.mce.length / 2, 'corrected errors dominate');
    assert.ok(statuses.size >= 10 && banks.size >= 8, `${statuses.size} statuses, ${banks.size} banks`);
  });

  test('thermal, hello, heartbeat and journal payloads', () => {
    for (const r of k.thermal) {
      assert.match(r.payload, /^CPU \d+ THERMAL EVENT TSC [0-9a-f]+ $/m);
      assert.match(r.payload, /Throttling enabled\.\n/);
      assert.match(r.payload, /^STATUS [0-9a-f]{8} MCGSTATUS 0$/m);
    }
    for (const r of k.heartbeat) assert.equal(r.payload, 'hello\n\n');
    let bundles = 0;
    for (const r of k.hello) {
      assert.match(r.payload, /^hello\nLC_ALL: \S+\nuptime: \d+\n(\nBundles \((\d+)\):\n([a-z0-9-]+\n)+)?\n$/);
      if (r.payload.includes('Bundles')) bundles++;
    }
    assert.ok(bundles > 0);
    for (const r of k.journal) assert.match(r.payload, /^\S+\.service: Main process exited, code=exited, status=\S+\n\n$/);
  });

  test('classifications and severities are the probes\'', () => {
    const sev = {
      heartbeat: ['1'], hello: ['1'], crash: ['3'], 'crash-error': ['4'], 'crash-unknown': ['2'],
      'crash-clr-build': ['2'], 'kernel-warning': ['2'], 'kernel-bug': ['4'], 'kernel-panic': ['4'],
      bert: ['2'], mce: ['2', '3', '4'], thermal: ['2'], journal: ['2'],
    };
    for (const [kind, recs] of Object.entries(k)) {
      for (const r of recs) {
        const f = Object.fromEntries(r.fields);
        assert.ok(sev[kind].includes(f.severity), `${kind} severity ${f.severity}`);
        assert.match(f.classification, /^org\.clearlinux\/[a-z-]+\/[A-Za-z-]+$/);
      }
    }
  });
});
