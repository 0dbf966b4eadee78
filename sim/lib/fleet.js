'use strict';
/*
 * fleet.js: the simulated machines and the stream of records they send.
 *
 * Fleet: N machines, each with an OS, a hardware platform, a client
 * version (wire format v2 or v3, record format version), an update lag
 * (Clear Linux machines move through the build timeline), and traits
 * (crashy, failing memory, runs hot, external).
 *
 * Generator: next() returns the next record to send, deterministically:
 * the same seed and options give the same records in the same order.
 * A record carries what to send (fields in the client's order, payload,
 * TID, external flag, format) and what should happen to it (expect:
 * stored / duplicate / rejected, with the HTTP status and SQLSTATE).
 *
 * Invariants: every record the generator calls valid passes the
 * extension's validation (fields.c) in both formats; every invalid one
 * fails it with the SQLSTATE recorded in the record.
 */

const { Rng, Weighted, weighted } = require('./rng');
const C = require('./catalog');
const P = require('./payloads');

const DEFAULT_TID = '6907c830-eed9-4ce9-81ae-76daf8d88f0f';
const DAY = 86400;

/* Record kinds: classification, severity, default weight (percent). */
const KINDS = {
  heartbeat: { cls: 'org.clearlinux/heartbeat/ping', sev: 1, weight: 28 },
  hello: { cls: 'org.clearlinux/hello/world', sev: 1, weight: 6 },
  crash: { cls: 'org.clearlinux/crash/clr', sev: 3, weight: 33 },
  'crash-error': { cls: 'org.clearlinux/crash/error', sev: 4, weight: 2 },
  'crash-unknown': { cls: 'org.clearlinux/crash/unknown', sev: 2, weight: 3 },
  'crash-clr-build': { cls: 'org.clearlinux/crash/clr-build', sev: 2, weight: 1 },
  'kernel-warning': { cls: 'org.clearlinux/kernel/warning', sev: 2, weight: 9 },
  'kernel-bug': { cls: 'org.clearlinux/kernel/bug', sev: 4, weight: 4 },
  'kernel-panic': { cls: 'org.clearlinux/kernel/panic', sev: 4, weight: 0.6 },
  bert: { cls: 'org.clearlinux/bert/debug', sev: 2, weight: 0.4 },
  mce: { cls: 'org.clearlinux/mce/corrected', sev: 2, weight: 7 },
  thermal: { cls: 'org.clearlinux/mce/thermal', sev: 2, weight: 4 },
  journal: { cls: 'org.clearlinux/journal/error', sev: 2, weight: 2 },
};
const MCE_SEVERITY = { corrected: 2, UCNA: 3, SRAO: 3, SRAR: 4 };

/* The fields of each record format version, in the client's order. */
const FIELDS_V4 = ['record_format_version', 'classification', 'severity', 'machine_id',
  'creation_timestamp', 'arch', 'host_type', 'build', 'kernel_version',
  'payload_format_version', 'system_name', 'board_name', 'cpu_model', 'bios_version', 'event_id'];
const FIELD_COUNT = { 2: 11, 3: 14, 4: 15 };

/*
 * Deliberately invalid records: how each is made from a valid one, and
 * the SQLSTATE and HTTP status the extension and gateway give it.
 * too_large is not in the default set (it makes 300 KB payloads).
 */
const INVALID = {
  bad_tid: { sqlstate: '28000', status: 400 },
  no_tid: { sqlstate: '28000', status: 400 },
  bad_record_version: { sqlstate: '22023', status: 400 },
  missing_field: { sqlstate: '23502', status: 400 },
  bad_severity: { sqlstate: '22003', status: 400 },
  bad_classification: { sqlstate: '22023', status: 400 },
  long_machine_id: { sqlstate: '22001', status: 400 },
  bad_timestamp: { sqlstate: '22007', status: 400 },
  bad_arch: { sqlstate: '22023', status: 400 },
  long_host_type: { sqlstate: '22001', status: 400 },
  bad_kernel_version: { sqlstate: '22023', status: 400 },
  bad_board_name: { sqlstate: '22023', status: 400 },
  bad_cpu_model: { sqlstate: '22023', status: 400 },
  bad_bios_version: { sqlstate: '22023', status: 400 },
  bad_event_id: { sqlstate: '22023', status: 400 },
  bad_build: { sqlstate: '22023', status: 400 },
  bad_payload_version: { sqlstate: '22P02', status: 400 },
  payload_version_range: { sqlstate: '22003', status: 400 },
  nul_payload: { sqlstate: '22021', status: 400 },
  too_large: { sqlstate: '54000', status: 413 },
};
const DEFAULT_INVALID_KINDS = Object.keys(INVALID).filter((k) => k !== 'too_large');

/* ------------------------------------------------------------------ */

class Fleet {
  /*
   * opts: seed, machines, days, now (epoch seconds), format
   * ('v2'|'v3'|'mix'), externalRate (0..1), v3Share (for mix).
   */
  constructor(opts) {
    this.opts = opts;
    this.now = opts.now;
    this.span = Math.max(3600, Math.round(opts.days * DAY));
    this.start = this.now - this.span;
    const rng = new Rng(`${opts.seed}:fleet`);
    this.buildReleases();
    this.machines = [];
    const osW = weighted(C.OSES.map((o) => [o, o.weight]));
    for (let i = 0; i < opts.machines; i++) this.machines.push(this.makeMachine(i, rng, osW));
  }

  /* Clear Linux builds: the oldest before the window, the newest 1-2 days ago. */
  buildReleases() {
    const n = C.CLEAR_BUILDS.length;
    const first = this.start - Math.min(5 * DAY, this.span * 0.2);
    const last = this.now - Math.max(3 * 3600, Math.min(2 * DAY, this.span * 0.07));
    this.releases = C.CLEAR_BUILDS.map((b, i) => ({ ...b, at: Math.round(first + (last - first) * (i / (n - 1))) }));
  }

  makeMachine(idx, rng, osW) {
    const os = osW.pick(rng);
    const platforms = C.PLATFORMS.filter((p) => os.archs.includes(p.arch));
    const platform = weighted(platforms.map((p) => [p, p.weight])).pick(rng);
    const m = {
      idx,
      id: rng.hex(32),
      os,
      platform,
      arch: platform.arch,
      external: rng.chance(this.opts.externalRate),
      locale: rng.pick(['C.UTF-8', 'en_US.UTF-8', 'en_US.UTF-8', 'en_US.UTF-8', 'de_DE.UTF-8', 'zh_CN.UTF-8', 'es_MX.UTF-8']),
      cpus: platform.form === 'server' ? rng.pick([32, 40, 48, 64, 96]) : rng.pick([2, 4, 4, 8, 8, 12, 16]),
      sockets: platform.form === 'server' ? 2 : 1,
      mcgcap: platform.banks === 'skx' ? 'f000c14' : platform.banks === 'amd' ? '11c' : 'c0a',
      microcode: rng.pick(['2006e05', '5003604', 'f4', 'ea', '1f', 'b4']),
      kernelTag: os.systemName === 'ubuntu' ? `#${rng.int(88, 120)}-Ubuntu` : '#1',
      taint: '',
    };
    /* the client version: wire format and record format version */
    const f = this.opts.format;
    m.format = f === 'mix' ? (rng.chance(this.opts.v3Share) ? 'v3' : 'v2') : f;
    m.v2path = rng.chance(0.15) ? 'root' : 'v2';
    m.rfv = 4;
    if (m.format === 'v2' && f === 'mix') {
      const r = rng.float();
      if (r < 0.005) m.rfv = 2;
      else if (r < 0.02) m.rfv = 3;
    }
    /* OS release */
    if (os.clear) {
      const r = rng.float();
      if (r < 0.08) {
        m.pinned = rng.pick(C.CLEAR_OLD_BUILDS);
        m.lag = 0;
      } else {
        m.lag = r < 0.78 ? Math.round(rng.exp(0.6 * DAY, 3 * DAY)) : rng.int(DAY, 7 * DAY);
      }
      m.flavor = platform.form === 'vm' ? 'kvm' : platform.form === 'server' && rng.chance(0.3) ? 'lts2018' : 'native';
    } else {
      m.build = os.builds ? rng.pick(os.builds) : os.build;
      m.kernel = rng.pick(os.kernels[m.arch] || os.kernels.x86_64);
    }
    /* traits */
    m.activity = Math.exp(rng.float() * 3 - 1.5) * (rng.chance(0.05) ? 8 : 1);
    if (platform.banks !== 'none' && rng.chance(0.06)) {
      const err = weighted(C.MCE_ERRORS.map((e) => [e, e.weight])).pick(rng);
      const banks = err.banks[platform.banks];
      m.mceFault = {
        err,
        bank: rng.pick(banks),
        cpu: rng.int(0, m.cpus - 1),
        addr: (rng.u32() % 0x3ffff) * 0x100000 + rng.int(0, 255) * 4096,
        misc: rng.hex(8),
      };
    }
    m.hot = ['laptop', 'nuc', 'desktop'].includes(platform.form) && rng.chance(0.2);
    if (platform.id === 'x1c9' || platform.id === 'z690') m.taint = rng.chance(0.3) ? 'PO' : '';
    return m;
  }

  /*
   * The Clear Linux build a machine runs at time t: index into releases
   * (-1 for a machine pinned to an older build), build, kernel release.
   */
  clearAt(m, t) {
    if (m.pinned) return { idx: -1, b: m.pinned };
    let idx = 0;
    for (let i = this.releases.length - 1; i >= 0; i--) {
      if (this.releases[i].at + m.lag <= t) {
        idx = i;
        break;
      }
    }
    return { idx, b: this.releases[idx] };
  }

  /* {build, kernel, buildIdx} of machine m at time t. */
  osAt(m, t) {
    if (!m.os.clear) return { build: m.build, kernel: m.kernel, buildIdx: null };
    const { idx, b } = this.clearAt(m, t);
    let kernel;
    if (m.flavor === 'lts2018') kernel = `${b.lts}.lts2018`;
    else kernel = `${b.kernel}-${b.rel}.${m.flavor}`;
    return { build: String(b.build), kernel, buildIdx: idx };
  }
}

/* ------------------------------------------------------------------ */

/* Zipf-like weights by rank: a few signatures are very common. */
function rankWeights(n, scale, s) {
  const w = [];
  for (let i = 0; i < n; i++) w.push(scale / Math.pow(i + 1, s));
  return w;
}

class Generator {
  /*
   * opts: seed, tid, invalidRate, invalidKinds (array), dupRate,
   * dupMinGap, mix ({kind: weight}), crashLoops (bool, default true).
   */
  constructor(fleet, opts) {
    this.fleet = fleet;
    this.opts = opts;
    this.rng = new Rng(`${opts.seed}:records`);
    this.seq = 0;
    this.ring = [];
    this.ringPos = 0;
    this.loop = null;
    const mix = opts.mix || {};
    const kinds = Object.keys(KINDS).filter((k) => (mix[k] !== undefined ? mix[k] : KINDS[k].weight) > 0);
    if (kinds.length === 0) throw new Error('every record kind has weight 0');
    this.kinds = new Weighted(kinds, kinds.map((k) => (mix[k] !== undefined ? mix[k] : KINDS[k].weight)));
    this.invalidKinds = opts.invalidKinds || DEFAULT_INVALID_KINDS;

    const ms = fleet.machines;
    this.byActivity = new Weighted(ms, ms.map((m) => m.activity));
    this.uniform = new Weighted(ms, ms.map(() => 1));
    const v4 = ms.filter((m) => m.rfv === 4);
    this.v4 = v4.length ? new Weighted(v4, v4.map((m) => m.activity)) : null;
    const mceW = ms.map((m) => (m.platform.banks === 'none' ? 0 : m.mceFault ? 60 : 0.5));
    this.mceMachines = mceW.some((w) => w > 0) ? new Weighted(ms, mceW) : null;
    const hotW = ms.map((m) => (m.hot ? 30 : ['laptop', 'nuc'].includes(m.platform.form) ? 0.6 :
      m.platform.form === 'vm' ? 0 : 0.1));
    this.hotMachines = hotW.some((w) => w > 0) ? new Weighted(ms, hotW) : null;
    const clear = ms.filter((m) => m.os.clear);
    this.clearMachines = clear.length ? new Weighted(clear, clear.map((m) => m.activity)) : null;

    const sigs = C.CRASHES.concat(C.CRASH_TAIL);
    const w = rankWeights(C.CRASHES.length, 100, 1.1).concat(C.CRASH_TAIL.map(() => 0.35));
    this.crashSigs = new Weighted(sigs, w);
    this.regressions = C.CRASHES.filter((s) => s.newIn);
    this.oopsByClass = {};
    for (const cls of ['warning', 'bug', 'panic']) {
      const list = C.OOPSES.filter((o) => o.cls === cls);
      this.oopsByClass[cls] = new Weighted(list, rankWeights(list.length, 10, 1.0));
    }
    this.oopsRegressions = C.OOPSES.filter((o) => o.newIn);
    this.mceErrors = new Weighted(C.MCE_ERRORS, C.MCE_ERRORS.map((e) => e.weight));
    /* a one-day storm of one kernel warning across the fleet */
    const srng = new Rng(`${opts.seed}:storm`);
    const stormDay = Math.floor(fleet.span / DAY * (0.3 + 0.5 * srng.float()));
    this.storm = {
      sig: C.OOPSES.find((o) => o.id === 'nvme-timeout'),
      from: fleet.start + stormDay * DAY + srng.int(0, 12) * 3600,
      width: 6 * 3600,
    };
  }

  /* A creation time: more records lately (a growing fleet), by day more than by night. */
  pickTime(uniform) {
    const f = this.fleet;
    const rng = this.rng;
    for (let i = 0; i < 8; i++) {
      const u = rng.float();
      const t = Math.floor(uniform || rng.chance(0.5) ? f.start + f.span * u : f.start + f.span * Math.sqrt(u));
      if (uniform) return t;
      const hour = Math.floor((t % DAY) / 3600);
      const dow = Math.floor(t / DAY + 4) % 7; /* 0 = Sunday */
      let p = hour >= 7 && hour < 20 ? 1 : 0.45;
      if (dow === 0 || dow === 6) p *= 0.7;
      if (rng.chance(p)) return t;
    }
    return Math.floor(f.start + f.span * rng.float());
  }

  compatible(sig, m, bi) {
    if (sig.os && !sig.os.includes(m.os.id)) return false;
    if (sig.arch && sig.arch !== m.arch) return false;
    if (sig.forms && !sig.forms.includes(m.platform.form)) return false;
    const n = this.fleet.releases.length;
    if (sig.newIn && !(m.os.clear && bi !== null && bi >= n + sig.newIn)) return false;
    if (sig.fixedIn && m.os.clear && bi !== null && bi >= n + sig.fixedIn) return false;
    return true;
  }

  /* A crash signature for machine m on build index bi. */
  pickCrash(m, bi, noRecursion) {
    const rng = this.rng;
    if (m.os.clear && bi !== null && rng.chance(0.35)) {
      const regs = this.regressions.filter((s) => this.compatible(s, m, bi));
      if (regs.length) return rng.pick(regs);
    }
    for (let i = 0; i < 12; i++) {
      const s = this.crashSigs.pick(rng);
      if (noRecursion && s.recurse) continue;
      if (this.compatible(s, m, bi)) return s;
    }
    return C.CRASHES.find((s) => s.id === 'crashme');
  }

  pickOops(cls, m, bi) {
    const rng = this.rng;
    if (cls !== 'panic' && m.os.clear && bi !== null && rng.chance(0.35)) {
      const regs = this.oopsRegressions.filter((s) => s.cls === cls && this.compatible(s, m, bi));
      if (regs.length) return rng.pick(regs);
    }
    for (let i = 0; i < 12; i++) {
      const s = this.oopsByClass[cls].pick(rng);
      if (this.compatible(s, m, bi)) return s;
    }
    return this.oopsByClass[cls].items.find((s) => !s.newIn && !s.forms && !s.os);
  }

  /* Choose the machine for a record of this kind (null: none can send it). */
  pickMachine(kind, wantV4) {
    const rng = this.rng;
    if (wantV4) return this.v4 ? this.v4.pick(rng) : null;
    switch (kind) {
      case 'heartbeat':
      case 'hello':
        return this.uniform.pick(rng);
      case 'mce':
        return this.mceMachines ? this.mceMachines.pick(rng) : null;
      case 'thermal':
        return this.hotMachines ? this.hotMachines.pick(rng) : null;
      case 'crash-clr-build':
        return this.clearMachines ? this.clearMachines.pick(rng) : null;
      default:
        return this.byActivity.pick(rng);
    }
  }

  /* The classification, severity and probe text of one record. */
  content(kind, m, t, osi, forced) {
    const rng = this.rng;
    const k = KINDS[kind];
    switch (kind) {
      case 'heartbeat':
        return { cls: k.cls, sev: k.sev, text: P.heartbeat() };
      case 'hello':
        return { cls: k.cls, sev: k.sev, text: P.hello(m, rng, rng.int(25, 40 * DAY)) };
      case 'crash': {
        const sig = forced || this.pickCrash(m, osi.buildIdx, false);
        return { cls: k.cls, sev: k.sev, text: P.crashClr(sig, m, rng), sig: sig.id, sigObj: sig };
      }
      case 'crash-error': {
        const sig = this.pickCrash(m, osi.buildIdx, true);
        return { cls: k.cls, sev: k.sev, text: P.crashError(sig, m, rng), sig: sig.id };
      }
      case 'crash-unknown':
        return { cls: k.cls, sev: k.sev, text: P.crashUnknown(), sig: rng.pick(C.THIRD_PARTY) };
      case 'crash-clr-build':
        return { cls: k.cls, sev: k.sev, text: P.crashClrBuild() };
      case 'kernel-warning':
      case 'kernel-bug':
      case 'kernel-panic': {
        const cls = kind.slice('kernel-'.length);
        const sig = forced || this.pickOops(cls, m, osi.buildIdx);
        const modern = cls !== 'panic' && !sig.bare && rng.chance(0.08);
        return {
          cls: `org.clearlinux/kernel/${cls}`,
          sev: k.sev,
          text: P.oops(sig, m, rng, osi.kernel, { modern }),
          sig: sig.id,
        };
      }
      case 'bert':
        return { cls: k.cls, sev: k.sev, text: P.bert(rng) };
      case 'mce': {
        let fault = m.mceFault;
        if (!fault || rng.chance(0.25)) {
          const err = this.mceErrors.pick(rng);
          fault = {
            err,
            bank: rng.pick(err.banks[m.platform.banks] || err.banks.client),
            cpu: rng.int(0, m.cpus - 1),
            addr: (rng.u32() % 0x3ffff) * 0x100000,
            misc: rng.hex(8),
          };
        }
        return {
          cls: `org.clearlinux/mce/${fault.err.cls}`,
          sev: MCE_SEVERITY[fault.err.cls],
          text: P.mce(fault, m, rng, t),
          sig: fault.err.status,
        };
      }
      case 'thermal':
        return { cls: k.cls, sev: k.sev, text: P.thermal(m, rng, t) };
      case 'journal':
        return { cls: k.cls, sev: k.sev, text: P.journal(rng) };
      default:
        throw new Error(`unknown record kind ${kind}`);
    }
  }

  /* Assemble a record: fields in the client's order, payload, TID. */
  makeRecord(kind, m, t, forced) {
    const osi = this.fleet.osAt(m, t);
    const c = this.content(kind, m, t, osi, forced);
    const p = m.platform;
    const values = {
      record_format_version: String(m.rfv),
      classification: c.cls,
      severity: String(c.sev),
      machine_id: m.id,
      creation_timestamp: String(t),
      arch: m.arch,
      host_type: p.host,
      build: osi.build,
      kernel_version: osi.kernel,
      payload_format_version: '1',
      system_name: m.os.systemName,
      board_name: p.board,
      cpu_model: p.cpu,
      bios_version: p.bios,
      event_id: this.rng.hex(32),
    };
    const fields = [];
    for (let i = 0; i < FIELD_COUNT[m.rfv]; i++) fields.push([FIELDS_V4[i], values[FIELDS_V4[i]]]);
    this.seq++;
    return {
      seq: this.seq,
      kind,
      cls: c.cls,
      machine: m,
      format: m.format,
      path: m.format === 'v3' ? 'v3' : m.v2path,
      fields,
      payload: c.text + '\n', /* telemprobd appends one newline */
      tid: this.opts.tid,
      external: m.external,
      created: t,
      sig: c.sig || '',
      sigObj: c.sigObj,
      invalid: '',
      expect: 'stored',
      status: 201,
      sqlstate: '',
      dupOf: 0,
    };
  }

  setField(rec, name, value) {
    const f = rec.fields.find((x) => x[0] === name);
    if (f) f[1] = value;
  }

  /* Make rec invalid in the given way. */
  mutate(rec, how) {
    const rng = this.rng;
    const get = (name) => rec.fields.find((x) => x[0] === name)[1];
    switch (how) {
      case 'bad_tid':
        rec.tid = rng.pick(['00000000-0000-0000-0000-000000000000', `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`]);
        break;
      case 'no_tid':
        rec.tid = null;
        break;
      case 'bad_record_version':
        this.setField(rec, 'record_format_version', rng.pick(['5', '0', 'four']));
        break;
      case 'missing_field': {
        const name = rng.pick(['kernel_version', 'arch', 'severity', 'event_id', 'system_name', 'build',
          'machine_id', 'host_type', 'payload_format_version', 'board_name', 'cpu_model', 'bios_version',
          'creation_timestamp', 'classification']);
        rec.fields = rec.fields.filter((x) => x[0] !== name);
        break;
      }
      case 'bad_severity':
        this.setField(rec, 'severity', rng.pick(['0', '5', '9', 'high']));
        break;
      case 'bad_classification':
        this.setField(rec, 'classification', rng.pick(['org.clearlinux/crash', `${rec.cls}/extra`, 'crash']));
        break;
      case 'long_machine_id':
        this.setField(rec, 'machine_id', rng.hex(rng.int(33, 64)));
        break;
      case 'bad_timestamp':
        this.setField(rec, 'creation_timestamp', rng.pick([`-${rec.created}`, `${rec.created}.5`, 'now', '0x6543abcd']));
        break;
      case 'bad_arch':
        this.setField(rec, 'arch', rng.pick(['riscv64', 'mips64', 'x86-64', 'arm64', 'loongarch64']));
        break;
      case 'long_host_type':
        this.setField(rec, 'host_type', `Vendor|Product-${'X'.repeat(rng.int(240, 300))}|1.0`);
        break;
      case 'bad_kernel_version':
        this.setField(rec, 'kernel_version', rng.pick(['6', 'linux-6.1.0', '6.x.0', `v${get('kernel_version')}`]));
        break;
      case 'bad_board_name':
        this.setField(rec, 'board_name', rng.pick(['Caf\u00e9Board|B\u00e4ckerei', `Board-${'B'.repeat(200)}|Vendor`]));
        break;
      case 'bad_cpu_model':
        this.setField(rec, 'cpu_model', rng.pick(['Intel\u00ae-Core\u2122-i7', `CPU-${'C'.repeat(200)}`]));
        break;
      case 'bad_bios_version':
        this.setField(rec, 'bios_version', rng.pick(['V1.0\u00a7', `BIOS-${'9'.repeat(200)}`]));
        break;
      case 'bad_event_id':
        this.setField(rec, 'event_id', rng.pick([rng.hex(32).toUpperCase().replace(/^[0-9]/, 'A'), rng.hex(31), 'N/A', `${rng.hex(31)}g`]));
        break;
      case 'bad_build':
        this.setField(rec, 'build', rec.machine.os.clear ? rng.pick(['32100-rc1', 'latest', '"32100b"']) : rng.pick(['12~beta', 'rolling+1', '"22.04/LTS"']));
        break;
      case 'bad_payload_version':
        this.setField(rec, 'payload_format_version', rng.pick(['one', '1.0', '0x1']));
        break;
      case 'payload_version_range':
        this.setField(rec, 'payload_format_version', rng.pick(['2147483647', '99999999999']));
        break;
      case 'nul_payload': {
        const p = rec.payload;
        const at = rng.int(0, p.length - 1);
        rec.payload = p.slice(0, at) + '\0' + p.slice(at);
        break;
      }
      case 'too_large':
        rec.payload = rec.payload + 'x'.repeat(310 * 1024) + '\n';
        break;
      default:
        throw new Error(`unknown invalid kind ${how}`);
    }
    rec.invalid = how;
    rec.expect = 'rejected';
    rec.status = INVALID[how].status;
    rec.sqlstate = INVALID[how].sqlstate;
  }

  /* Remember a record for later re-sends. */
  remember(rec) {
    const size = 512;
    if (this.ring.length < size) this.ring.push(rec);
    else this.ring[this.ringPos] = rec;
    this.ringPos = (this.ringPos + 1) % size;
  }

  /* A re-send of an earlier record, at least dupMinGap records back. */
  resend() {
    const gap = this.opts.dupMinGap || 0;
    const eligible = this.ring.filter((r) => this.seq - r.seq >= gap);
    if (eligible.length === 0) return null;
    const orig = this.rng.pick(eligible);
    this.seq++;
    const rec = { ...orig, seq: this.seq, dupOf: orig.dupOf || orig.seq };
    if (orig.expect !== 'rejected') {
      /* only version-4 records have a (machine id, event id) key */
      const v4 = orig.machine.rfv === 4;
      rec.expect = v4 ? 'duplicate' : 'stored';
      rec.status = v4 ? 200 : 201;
    }
    return rec;
  }

  /* The next record. */
  /*
   * The next record.  Each one is, in this order of decision: a re-send
   * (probability dupRate), a new invalid record (invalidRate), the next
   * record of a crash loop in progress, or a new record.  So the shares of
   * re-sends and of invalid records are the rates asked for.
   */
  next() {
    const rng = this.rng;
    if (this.opts.dupRate > 0 && rng.chance(this.opts.dupRate)) {
      const rec = this.resend();
      if (rec) return rec;
    }
    let invalid = this.opts.invalidRate > 0 && rng.chance(this.opts.invalidRate)
      ? rng.pick(this.invalidKinds) : '';
    if (this.loop && !invalid) {
      const l = this.loop;
      l.t = Math.min(this.fleet.now, l.t + rng.int(2, 120));
      const rec = this.makeRecord(l.kind, l.machine, l.t, l.sig);
      if (--l.left <= 0) this.loop = null;
      this.remember(rec);
      return rec;
    }
    let kind = this.kinds.pick(rng);
    let m = this.pickMachine(kind, invalid !== '');
    if (!m) {
      kind = 'heartbeat';
      m = this.pickMachine(kind, invalid !== '') || this.uniform.pick(rng);
    }
    /* the mutations assume record format 4 (a fleet of only old clients has none) */
    if (m.rfv !== 4) invalid = '';
    let t;
    let forced;
    if (kind === 'kernel-warning' && this.storm.sig && rng.chance(0.12)) {
      t = this.storm.from + rng.int(0, this.storm.width);
      forced = this.storm.sig;
    } else {
      t = this.pickTime(kind === 'heartbeat');
    }
    const rec = this.makeRecord(kind, m, t, forced);
    if (invalid) {
      this.mutate(rec, invalid);
    } else if (this.opts.crashLoops !== false && (kind === 'crash' || kind === 'kernel-warning') && rng.chance(0.03)) {
      /* a crash loop: the same crash again and again within minutes */
      this.loop = {
        kind, machine: m, t, sig: rec.sigObj || (kind === 'kernel-warning' ? forced || C.OOPSES.find((o) => o.id === rec.sig) : undefined),
        left: Math.min(40, 2 + Math.floor(rng.exp(7))),
      };
    }
    this.remember(rec);
    return rec;
  }
}

module.exports = { Fleet, Generator, KINDS, INVALID, DEFAULT_INVALID_KINDS, DEFAULT_TID, FIELDS_V4 };
