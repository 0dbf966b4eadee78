'use strict';
/*
 * payloads.js: the payload text each probe of telemetrics-client produces,
 * byte for byte as the probe builds it (see ../shared/docs/client-protocol.md
 * section 7 and the probes' sources):
 *
 *   crashprobe     crash/clr, crash/error, crash/unknown, crash/clr-build
 *   oops_parser    kernel/bug, kernel/warning, kernel/panic, bert/debug
 *   mcelog         mce/corrected, mce/UCNA, mce/SRAO, mce/SRAR, mce/thermal
 *   hprobe         hello/world, heartbeat/ping
 *   journalprobe   journal/error
 *
 * Every function returns the probe's text only.  The extra "\n" that
 * telemprobd appends to every payload is added by the caller (fleet.js),
 * in one place.  All functions draw randomness from the rng they are
 * given and nothing else, so a payload is a pure function of its inputs.
 */

const {
  GLIBC, IDLE_THREADS, UNWIND_ERRORS, MODULE_SETS, BERT_BODIES,
} = require('./catalog');

/* The real client drops records whose payload + "\n" exceed 8187 bytes. */
const MAX_PROBE_PAYLOAD = 8186;
/* crashprobe stops unwinding at 64 frames */
const MAX_FRAMES = 64;

/* ------------------------------------------------------------------ */
/* crashprobe                                                          */

/*
 * Resolve one frame spec ("function|module|source") for an executable and
 * a glibc flavour.  Returns the frame line without its "#n " prefix, or
 * null when the frame does not exist in this glibc (e.g. glibc 2.31 has
 * no __pthread_kill_implementation).
 */
function renderFrame(spec, exe, glibc, arch) {
  if (spec === '!nosym') return '(no symbols)';
  const parts = spec.split('|');
  const fn = parts[0];
  const mod = parts[1] === '$exe' ? exe : parts[1];
  let src = parts.length > 2 ? parts[2] : '';
  if (src.startsWith('%')) {
    let key = src.slice(1);
    if (key === 'clone3' && arch === 'aarch64') key = 'clone3Arm';
    const v = glibc[key];
    if (v === null) return null;
    src = glibc.lines && v ? v : '';
  }
  if (fn === '???') return `??? - [${mod}]`;
  return src ? `${fn}() - [${mod}] - ${src}` : `${fn}() - [${mod}]`;
}

/* The frames below a program's own frames on the main thread. */
function mainTail(sig, glibc, withMain) {
  const out = [];
  if (withMain) out.push(sig.mainFn || 'main|$exe');
  out.push('__libc_start_call_main|libc.so.6|%callMain');
  out.push(`${glibc.startMainSym}|libc.so.6|%startMain`);
  out.push(sig.startFn || '_start|$exe');
  return out;
}

/* The frames below a thread's own frames. */
function threadTail(glibc) {
  return [
    'start_thread|libc.so.6|%pthreadCreate',
    `${glibc.clone3Sym || '__clone3'}|libc.so.6|%clone3`,
  ];
}

/* The main thread of a program while another thread crashes. */
function idleMainThread(sig, glibc) {
  const glib = sig.frames.some((f) => f.includes('libglib')) ||
    (sig.idle || []).some((k) => k === 'poll' || k === 'gdbus');
  const top = glib
    ? ['poll|libc.so.6|%poll',
      'g_main_context_iterate.constprop.0|libglib-2.0.so.0|../glib/gmain.c:4284',
      'g_main_loop_run|libglib-2.0.so.0|../glib/gmain.c:4479']
    : ['__futex_abstimed_wait_common|libc.so.6|%futex',
      '__pthread_clockjoin_ex|libc.so.6|./nptl/pthread_join_common.c:105'];
  return top.concat(mainTail(sig, glibc, true));
}

/* Render a list of specs into numbered frame lines (numbering from #0). */
function numberFrames(specs, exe, glibc, arch, limit) {
  const lines = [];
  for (const spec of specs) {
    const line = renderFrame(spec, exe, glibc, arch);
    if (line === null) continue;
    if (limit !== undefined && lines.length >= limit) break;
    lines.push(`#${lines.length} ${line}`);
  }
  return lines;
}

/*
 * Frame lines depend only on the signature (or idle thread kind), the
 * executable, the glibc flavour and the arch: render each combination
 * once.  make() builds the lines on a miss.
 */
const linesCache = new Map();

function cachedLines(key, make) {
  let v = linesCache.get(key);
  if (v === undefined) {
    v = make();
    if (linesCache.size < 100000) linesCache.set(key, v);
  }
  return v;
}

/*
 * Build the threads of one crash: [{tid, lines}], crashing thread first.
 * Returns {pid, threads, truncated}.
 */
function crashThreads(sig, m, rng) {
  const glibc = GLIBC[m.os.glibc];
  const exe = sig.proc;
  const pid = rng.int(900, 420000);
  const crashTid = sig.crashTid === 'thread' ? pid + rng.int(1, 48) : pid;
  const threads = [];

  if (sig.recurse) {
    /* unwinding stops at frame 64, for all threads */
    const lines = cachedLines(`${sig.id}\0${glibc.id}\0${m.arch}`, () => {
      const specs = sig.frames.slice();
      while (specs.length < MAX_FRAMES + 8) specs.push(...sig.recurse);
      return numberFrames(specs, exe, glibc, m.arch, MAX_FRAMES);
    });
    threads.push({ tid: crashTid, lines });
    return { pid, threads, truncated: true };
  }

  const lines = cachedLines(`${sig.id}\0${glibc.id}\0${m.arch}`, () => {
    let specs = sig.frames.slice();
    if (sig.tail === 'main') specs = specs.concat(mainTail(sig, glibc, true));
    else if (sig.tail === 'libc') specs = specs.concat(mainTail(sig, glibc, false));
    else if (sig.tail === 'thread') specs = specs.concat(threadTail(glibc));
    return numberFrames(specs, exe, glibc, m.arch);
  });
  threads.push({ tid: crashTid, lines });

  /* the other threads, in TID order */
  const others = [];
  if (crashTid !== pid) others.push({ tid: pid, kind: 'main' });
  if (sig.idle) {
    let n = sig.idleAlways ? 1 : rng.int(0, sig.idle.length);
    let tid = pid;
    for (let i = 0; i < n; i++) {
      tid += rng.int(1, 6);
      if (tid === crashTid) tid++;
      const kind = sig.idle[i % sig.idle.length];
      others.push({ tid, kind });
    }
  }
  others.sort((a, b) => a.tid - b.tid);
  for (const t of others) {
    const key = t.kind === 'main' ? `${sig.id}\0main` : `${exe}\0${t.kind}`;
    const tl = cachedLines(`${key}\0${glibc.id}\0${m.arch}`, () => numberFrames(
      t.kind === 'main' ? idleMainThread(sig, glibc) : IDLE_THREADS[t.kind].concat(threadTail(glibc)), exe, glibc, m.arch));
    threads.push({ tid: t.tid, lines: tl });
  }
  return { pid, threads, truncated: false };
}

function crashHeader(proc, pid, signal, truncated) {
  return `Process: ${proc}\nPID: ${pid}\nSignal: ${signal}\n` +
    (truncated ? 'Too many frames. Backtrace truncated.\n' : '');
}

function threadBlocks(threads) {
  let s = '';
  for (const t of threads) {
    s += `\nBacktrace (TID ${t.tid}):\n`;
    for (const l of t.lines) s += `${l}\n`;
  }
  return s;
}

/* The Process: line: the -E path, or the -p name when run by hand. */
function processName(sig, rng) {
  return rng.chance(0.05) ? sig.proc.split('/').pop() : sig.proc;
}

/* crash/clr: a full backtrace. */
function crashClr(sig, m, rng) {
  const { pid, threads, truncated } = crashThreads(sig, m, rng);
  const header = crashHeader(processName(sig, rng), pid, sig.signal, truncated);
  let text = header + threadBlocks(threads);
  /* keep under the client's size limit: drop idle threads from the end */
  while (text.length > MAX_PROBE_PAYLOAD && threads.length > 1) {
    threads.pop();
    text = header + threadBlocks(threads);
  }
  return text;
}

/*
 * crash/error: unwinding failed part-way.  crashprobe prepends the header
 * plus "Error: <message>" to whatever it had collected, including the
 * partial "Backtrace (TID n):" block of the thread that failed.
 */
function crashError(sig, m, rng) {
  const { pid, threads } = crashThreads(sig, m, rng);
  const failAt = threads.length > 1 && rng.chance(0.3) ? rng.int(1, threads.length - 1) : 0;
  const kept = threads.slice(0, failAt + 1);
  const failing = kept[failAt];
  failing.lines = failing.lines.slice(0, rng.int(0, Math.max(0, failing.lines.length - 1)));
  const err = rng.pick(UNWIND_ERRORS)(failing.tid);
  return crashHeader(processName(sig, rng), pid, sig.signal, false) + `Error: ${err}` + threadBlocks(kept);
}

/* crash/unknown and crash/clr-build carry no backtrace (privacy filters). */
function crashUnknown() {
  return 'Crash from third party\n';
}

function crashClrBuild() {
  return 'Crash from Clear package build\n';
}

/* ------------------------------------------------------------------ */
/* oops_parser                                                         */

/* print_tainted()'s flag order: a letter where the taint is set. */
const TAINT_FLAGS = ['P', 'F', 'S', 'R', 'M', 'B', 'U', 'D', 'A', 'W', 'C', 'I', 'O', 'E', 'L', 'K', 'X', 'T', 'N'];

/* How many taint flags a kernel of this major version prints. */
function taintCount(kernel) {
  const major = parseInt(kernel, 10);
  if (major < 4) return 13;
  if (major === 4) return 16;
  if (major === 5) return 18;
  return 19;
}

/* The kernel's "CPU: ... Comm: ... Tainted: ..." line. */
function cpuLine(cpu, pid, comm, taints, kernel, versionTag) {
  let t;
  if (!taints) {
    t = 'Not tainted';
  } else {
    let flags = '';
    const n = taintCount(kernel);
    for (let i = 0; i < n; i++) {
      const f = TAINT_FLAGS[i];
      if (i === 0) flags += taints.includes('P') ? 'P' : 'G';
      else flags += taints.includes(f) ? f : ' ';
    }
    t = `Tainted: ${flags}`;
  }
  return `CPU: ${cpu} PID: ${pid} Comm: ${comm.slice(0, 20)} ${t} ${kernel} ${versionTag}`;
}

/*
 * parse_kernel_cpu_line() of oops_parser.c, ported as is: Tainted is the
 * 16 raw characters after "Tainted: ", the kernel version is the rest of
 * the line from the release on.
 */
function parseCpuLine(line) {
  let kernelVersion = null;
  let tainted = null;
  let rest = line;
  let i = rest.indexOf(' Not tainted ');
  if (i >= 0) {
    tainted = 'Not tainted';
    rest = rest.slice(i + ' Not tainted'.length);
  } else {
    i = rest.indexOf('Tainted: ');
    if (i >= 0) {
      tainted = rest.substr(i + 'Tainted: '.length, 16);
      rest = rest.slice(i + 'Tainted: '.length + 1);
    }
  }
  const hash = rest.indexOf('#');
  if (hash < 1 || !/\s/.test(rest[hash - 1])) return { kernelVersion, tainted };
  let end = hash - 2;
  while (end >= 0 && !/\s/.test(rest[end])) end--;
  if (end >= 0) kernelVersion = rest.slice(end + 1);
  return { kernelVersion, tainted };
}

/*
 * The order oops_parser prints registers in: it reads the log from the
 * bottom up and pushes each register to the front of a list, so every
 * line's registers come out reversed, lines top to bottom.  RIP never
 * appears (its value is not parsed), nor do DS, ES and CR0 (parsing stops
 * at DS on the "CS:" line) or GS (parsing stops after FS's "(0000)").
 */
const REG_LINES = [
  ['EFLAGS', 'RSP'], ['RCX', 'RBX', 'RAX'], ['RDI', 'RSI', 'RDX'], ['R09', 'R08', 'RBP'],
  ['R12', 'R11', 'R10'], ['R15', 'R14', 'R13'], ['FS'], ['CS'], ['CR4', 'CR3', 'CR2'],
];
const DR_LINES = [['DR2', 'DR1', 'DR0'], ['DR7', 'DR6', 'DR3']];
const ALWAYS_SET = new Set(['EFLAGS', 'RSP', 'RBP', 'CS', 'CR4', 'CR3', 'DR6', 'DR7', 'FS']);
const ALWAYS_ZERO = new Set(['DR0', 'DR1', 'DR2', 'DR3']);

function registerLines(rng, withDr, faultAddrZero) {
  const lines = [];
  const groups = withDr ? REG_LINES.concat(DR_LINES) : REG_LINES;
  for (const g of groups) {
    for (const r of g) {
      let zero;
      if (ALWAYS_SET.has(r)) zero = false;
      else if (ALWAYS_ZERO.has(r)) zero = true;
      else if (r === 'CR2') zero = faultAddrZero;
      else zero = rng.chance(0.35);
      lines.push(`Register ${r}: ${zero ? 'Zero' : 'Non-zero'}`);
    }
  }
  return lines;
}

/* Frames the unwinder reports as unreliable, scattered through traces. */
const NOISE_FRAMES = ['? __schedule', '? kmem_cache_alloc', '? __slab_free', '? _raw_spin_unlock_irqrestore',
  '? try_to_wake_up', '? irq_exit_rcu', '? ktime_get', '? __update_load_avg_cfs_rq',
  '? enqueue_task_fair', '? sched_clock_cpu', '? __wake_up_common'];

/* A hex value of n digits. */
function hexDigits(rng, n) {
  return rng.hex(n);
}

function fillReason(tpl, v) {
  return tpl.replace(/\{(\w+)\}/g, (_, k) => String(v[k]));
}

/*
 * kernel/bug, kernel/warning, kernel/panic: the payload of parse_payload().
 * modern: true drops the frames, as the real parser does for kernels whose
 * "Call Trace:" lines carry no "[<address>]" (it then sees no frames).
 */
function oops(sig, m, rng, kernel, opts) {
  const cpu = rng.int(0, m.cpus - 1);
  const pid = rng.int(1, 99999);
  const vals = { cpu, pid, addr16: hexDigits(rng, 12) };
  const reason = fillReason(sig.reason, vals);
  let text = `Crash Report:\nReason: ${reason}\n`;
  if (sig.bare) return text;

  const comm = fillReason(sig.comm, vals);
  const tag = m.kernelTag || '#1';
  const parsed = parseCpuLine(cpuLine(cpu, pid, comm, sig.taint || m.taint || '', kernel, tag));
  if (parsed.kernelVersion) text += `Kernel Version : ${parsed.kernelVersion}\n`;
  if (parsed.tainted) text += `Tainted : ${parsed.tainted}\n`;
  const modules = MODULE_SETS[sig.modules];
  if (modules) text += `Modules : ${modules}\n`;

  const frames = [];
  if (!opts.modern) {
    for (let i = 0; i < sig.frames.length; i++) {
      frames.push(sig.frames[i]);
      if (i >= 3 && sig.noise && rng.chance(0.15 * sig.noise)) frames.push(rng.pick(NOISE_FRAMES));
    }
  }
  if (frames.length > 0) text += 'Backtrace :\n';
  if (sig.regs) {
    const zeroFault = /NULL pointer/.test(reason) ? false : rng.chance(0.1);
    text += registerLines(rng, rng.chance(0.3), zeroFault).join('\n') + '\n';
  }
  for (let i = 0; i < frames.length; i++) text += `#${i + 1} ${frames[i]} - [kernel]\n`;
  return text;
}

/* bert/debug: the raw [Hardware Error] lines after the Reason line. */
function bert(rng) {
  return 'Crash Report:\nReason: BERT: Error records from previous boot:\n' +
    rng.pick(BERT_BODIES).join('\n') + '\n';
}

/* ------------------------------------------------------------------ */
/* mcelog                                                              */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/* ctime(3)-style text of an epoch time, in UTC. */
function ctime(ts) {
  const d = new Date(ts * 1000);
  const p2 = (n) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/*
 * mce/<class>: an mcelog dump with its "STATUS <16 hex> MCGSTATUS <n>"
 * line.  fault is the machine's failing part: {err, bank, addr, cpu}.
 */
function mce(fault, m, rng, ts) {
  const e = fault.err;
  const uc = e.cls !== 'corrected';
  const lines = ['Hardware event. This is not a software error.', 'MCE 0'];
  lines.push(`CPU ${fault.cpu} BANK ${fault.bank} `);
  let ma = '';
  if (e.misc) ma += `MISC ${rng.hex(1)}${fault.misc} `;
  if (e.addr) ma += `ADDR ${(fault.addr + rng.int(0, 4095) * 64).toString(16)} `;
  if (ma) lines.push(ma);
  lines.push(`TIME ${ts - rng.int(0, 30)} ${ctime(ts)}`);
  let mcg = 0;
  if (e.cls === 'SRAR') mcg = 6;
  else if (e.cls === 'SRAO') mcg = 5;
  lines.push(mcg ? `MCG status:${mcg & 1 ? 'RIPV ' : ''}${mcg & 2 ? 'EIPV ' : ''}MCIP ` : 'MCG status:');
  lines.push('MCi status:');
  if (e.over) lines.push('Error overflow');
  lines.push(uc ? 'Uncorrected error' : 'Corrected error');
  lines.push('Error enabled');
  if (e.misc) lines.push('MCi_MISC register valid');
  if (e.addr) lines.push('MCi_ADDR register valid');
  if (e.cls === 'SRAR' || e.cls === 'SRAO') lines.push(e.cls);
  lines.push(`MCA: ${e.mca}`);
  lines.push(`Transaction: ${e.tx}`);
  lines.push(`STATUS ${e.status} MCGSTATUS ${mcg}`);
  lines.push(`MCGCAP ${m.mcgcap} APICID ${fault.cpu * 2} SOCKETID ${fault.cpu >= m.cpus / 2 && m.sockets > 1 ? 1 : 0} `);
  if (m.platform.cpuid.startsWith('Vendor Intel')) lines.push(`MICROCODE ${m.microcode}`);
  lines.push(`CPUID ${m.platform.cpuid}`);
  return lines.join('\n') + '\n';
}

/* mce/thermal: mcelog's thermal throttling event. */
function thermal(m, rng, ts) {
  const cpu = rng.int(0, m.cpus - 1);
  const pkg = rng.chance(0.3);
  const lines = ['Hardware event. This is not a software error.', 'MCE 0'];
  lines.push(`CPU ${cpu} THERMAL EVENT TSC ${rng.hex(12)} `);
  lines.push(`TIME ${ts} ${ctime(ts)}`);
  if (pkg) {
    lines.push(`Processor ${cpu} package temperature above threshold. Throttling enabled.`);
  } else {
    lines.push(`Processor ${cpu} heated above trip temperature. Throttling enabled.`);
  }
  lines.push('Please check your system cooling. Performance will be impacted');
  lines.push(`STATUS ${pkg ? '88470000' : '88430000'} MCGSTATUS 0`);
  lines.push(`MCGCAP ${m.mcgcap} APICID ${cpu * 2} SOCKETID 0 `);
  lines.push(`CPUID ${m.platform.cpuid}`);
  return lines.join('\n') + '\n';
}

/* ------------------------------------------------------------------ */
/* hprobe, journalprobe                                                */

const BUNDLES = ['os-core', 'os-core-update', 'kernel-native', 'bootloader', 'editors',
  'network-basic', 'desktop', 'desktop-autostart', 'dev-utils', 'python3-basic',
  'sysadmin-basic', 'containers-basic', 'c-basic', 'git', 'openssh-server', 'vim'];

/* hello/world: hprobe -l -u (and -b on some Clear Linux machines). */
function hello(m, rng, uptime) {
  let s = `hello\nLC_ALL: ${m.locale}\nuptime: ${uptime}\n`;
  if (m.os.clear && rng.chance(0.25)) {
    const n = rng.int(3, 8);
    const bundles = BUNDLES.slice(0, 2).concat(BUNDLES.slice(2).filter(() => rng.chance(0.4))).slice(0, n);
    s += `\nBundles (${bundles.length}):\n${bundles.join('\n')}\n`;
  }
  return s;
}

/* heartbeat/ping: hprobe -H. */
function heartbeat() {
  return 'hello\n';
}

const FAILED_UNITS = ['foo.service', 'NetworkManager-wait-online.service', 'systemd-networkd-wait-online.service',
  'swupd-update.service', 'docker.service', 'fwupd-refresh.service', 'clr-power.service', 'nvidia-persistenced.service'];

/* journal/error: one systemd service failure. */
function journal(rng) {
  const unit = rng.pick(FAILED_UNITS);
  const st = rng.pick(['1/FAILURE', '1/FAILURE', '2/INVALIDARGUMENT', '203/EXEC', '127/n/a']);
  return `${unit}: Main process exited, code=exited, status=${st}\n`;
}

module.exports = {
  MAX_PROBE_PAYLOAD,
  renderFrame, crashClr, crashError, crashUnknown, crashClrBuild,
  oops, bert, parseCpuLine, cpuLine, mce, thermal, ctime, hello, heartbeat, journal,
};
