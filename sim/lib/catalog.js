'use strict';
/*
 * catalog.js: the static world the simulator draws from: hardware
 * platforms, operating systems, glibc flavours, crash signatures, kernel
 * oops signatures and MCE error codes.
 *
 * Everything here is plain data, built once at load time.  The long tail
 * of rare crash signatures is generated from word lists with a fixed seed,
 * so the set of signatures is the same for every run and every --seed (a
 * benchmark run with seed A and one with seed B see the same programs).
 *
 * Frame notation (crash signatures): "function|module|source:line", where
 *   function  is the raw ELF symbol without "()", or "???" (stripped), or
 *             "!nosym" for a frame without a module ("(no symbols)");
 *   module    is a library soname, or "$exe" for the crashing executable
 *             (rendered as its full path, as elfutils 0.188 does);
 *   source    is optional (DWARF line info), and may be a glibc token
 *             "%name" that the machine's glibc flavour resolves.
 */

const { Rng } = require('./rng');

/* ------------------------------------------------------------------ */
/* Hardware platforms: DMI strings exactly as the client reads them.   */

const PLATFORMS = [
  {
    id: 'nuc7', weight: 6, arch: 'x86_64', form: 'nuc',
    host: 'Intel(R) Client Systems|NUC7i5BNH|J31169-307',
    board: 'NUC7i5BNB|Intel Corporation',
    bios: 'BNKBL357.86A.0088.2022.0125.1102',
    cpu: 'Intel(R) Core(TM) i5-7260U CPU @ 2.20GHz',
    cpuid: 'Vendor Intel Family 6 Model 142 Step 9', banks: 'client',
  },
  {
    id: 'nuc11', weight: 6, arch: 'x86_64', form: 'nuc',
    host: 'Intel(R) Client Systems|NUC11TNHi7|M11904-403',
    board: 'NUC11TNBi7|Intel Corporation',
    bios: 'TNTGL357.0064.2022.0217.1533',
    cpu: '11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz',
    cpuid: 'Vendor Intel Family 6 Model 140 Step 1', banks: 'client',
  },
  {
    id: 'xps13', weight: 5, arch: 'x86_64', form: 'laptop',
    host: 'Dell Inc.|XPS 13 9310|blank',
    board: '0MRT12|Dell Inc.',
    bios: '3.13.0',
    cpu: '11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz',
    cpuid: 'Vendor Intel Family 6 Model 140 Step 1', banks: 'client',
  },
  {
    id: 'x1c9', weight: 5, arch: 'x86_64', form: 'laptop',
    host: 'LENOVO|20XWCTO1WW|ThinkPad X1 Carbon Gen 9',
    board: '20XWCTO1WW|LENOVO',
    bios: 'N32ET86W (1.62 )',
    cpu: '11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz',
    cpuid: 'Vendor Intel Family 6 Model 140 Step 1', banks: 'client',
  },
  {
    id: 't14amd', weight: 3, arch: 'x86_64', form: 'laptop',
    host: 'LENOVO|20UDCTO1WW|ThinkPad T14 Gen 1',
    board: '20UDCTO1WW|LENOVO',
    bios: 'R1BET73W(1.42 )',
    cpu: 'AMD Ryzen 7 PRO 4750U with Radeon Graphics',
    cpuid: 'Vendor AMD Family 23 Model 96 Step 1', banks: 'amd',
  },
  {
    id: 'elitebook', weight: 3, arch: 'x86_64', form: 'laptop',
    host: 'HP|HP EliteBook 840 G7 Notebook PC|blank',
    board: '8723|HP',
    bios: 'S70 Ver. 01.13.00',
    cpu: 'Intel(R) Core(TM) i5-10310U CPU @ 1.70GHz',
    cpuid: 'Vendor Intel Family 6 Model 142 Step 12', banks: 'client',
  },
  {
    id: 'z690', weight: 4, arch: 'x86_64', form: 'desktop',
    host: 'ASUS|System Product Name|System Version',
    board: 'PRIME Z690-A|ASUSTeK COMPUTER INC.',
    bios: '2403',
    cpu: '12th Gen Intel(R) Core(TM) i9-12900K',
    cpuid: 'Vendor Intel Family 6 Model 151 Step 2', banks: 'client',
  },
  {
    id: 'b550', weight: 3, arch: 'x86_64', form: 'desktop',
    host: 'Micro-Star International Co., Ltd.|MS-7C56|2.0',
    board: 'B550-A PRO (MS-7C56)|Micro-Star International Co., Ltd.',
    bios: 'A.J0',
    cpu: 'AMD Ryzen 9 5900X 12-Core Processor',
    cpuid: 'Vendor AMD Family 25 Model 33 Step 0', banks: 'amd',
  },
  {
    id: 'sm-x11', weight: 6, arch: 'x86_64', form: 'server',
    host: 'Supermicro|SYS-2029P-C1R|0123456789',
    board: 'X11DPi-N|Supermicro',
    bios: '3.8a',
    cpu: 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz',
    cpuid: 'Vendor Intel Family 6 Model 85 Step 7', banks: 'skx',
  },
  {
    id: 'r750', weight: 4, arch: 'x86_64', form: 'server',
    host: 'Dell Inc.|PowerEdge R750|blank',
    board: '0PJ3R6|Dell Inc.',
    bios: '1.10.2',
    cpu: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    cpuid: 'Vendor Intel Family 6 Model 106 Step 6', banks: 'skx',
  },
  {
    id: 'dl380', weight: 3, arch: 'x86_64', form: 'server',
    host: 'HPE|ProLiant DL380 Gen10|blank',
    board: 'ProLiant DL380 Gen10|HPE',
    bios: 'U30',
    cpu: 'Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz',
    cpuid: 'Vendor Intel Family 6 Model 85 Step 7', banks: 'skx',
  },
  {
    id: 'epyc', weight: 3, arch: 'x86_64', form: 'server',
    host: 'Supermicro|AS -1114S-WTRT|0123456789',
    board: 'H12SSW-NTR|Supermicro',
    bios: '2.4',
    cpu: 'AMD EPYC 7763 64-Core Processor',
    cpuid: 'Vendor AMD Family 25 Model 1 Step 1', banks: 'amd',
  },
  {
    id: 'qemu', weight: 8, arch: 'x86_64', form: 'vm',
    host: 'QEMU|Standard PC (Q35 + ICH9, 2009)|pc-q35-7.2',
    board: 'no_bn_file|no_bv_file',
    bios: 'rel-1.16.2-0-gea1b7a073390-prebuilt.qemu.org',
    cpu: 'Intel Xeon Processor (Icelake)',
    cpuid: 'Vendor Intel Family 6 Model 134 Step 0', banks: 'none',
  },
  {
    id: 'gce', weight: 4, arch: 'x86_64', form: 'vm',
    host: 'Google|Google Compute Engine|blank',
    board: 'Google Compute Engine|Google',
    bios: 'Google',
    cpu: 'Intel(R) Xeon(R) CPU @ 2.20GHz',
    cpuid: 'Vendor Intel Family 6 Model 79 Step 0', banks: 'none',
  },
  {
    id: 'ec2', weight: 4, arch: 'x86_64', form: 'vm',
    host: 'Amazon EC2|c5.xlarge|blank',
    board: 'blank|Amazon EC2',
    bios: '1.0',
    cpu: 'Intel(R) Xeon(R) Platinum 8275CL CPU @ 3.00GHz',
    cpuid: 'Vendor Intel Family 6 Model 85 Step 7', banks: 'none',
  },
  {
    /* a container or VM without DMI, as in the captured requests */
    id: 'nodmi', weight: 5, arch: 'x86_64', form: 'vm',
    host: 'no_sv_file|no_pn_file|no_pvr_file',
    board: 'no_bn_file|no_bv_file',
    bios: 'no_bv_file',
    cpu: 'AMD EPYC',
    cpuid: 'Vendor AMD Family 25 Model 1 Step 1', banks: 'none',
  },
  {
    /* a Raspberry Pi: no DMI, no "model name" in /proc/cpuinfo */
    id: 'rpi4', weight: 2, arch: 'aarch64', form: 'board',
    host: 'no_sv_file|no_pn_file|no_pvr_file',
    board: 'no_bn_file|no_bv_file',
    bios: 'no_bv_file',
    cpu: 'blank',
    cpuid: 'Vendor ARM', banks: 'none',
  },
  {
    id: 'altra', weight: 2, arch: 'aarch64', form: 'server',
    host: 'GIGABYTE|R272-P30-00|0100',
    board: 'MP32-AR1-00|GIGABYTE',
    bios: 'F31m',
    cpu: 'blank',
    cpuid: 'Vendor ARM', banks: 'none',
  },
  {
    id: 'netbook', weight: 0.5, arch: 'i686', form: 'laptop',
    host: 'ASUSTeK Computer INC.|1005HA|x.x',
    board: '1005HA|ASUSTeK Computer INC.',
    bios: '1101',
    cpu: 'Intel(R) Atom(TM) CPU N280   @ 1.66GHz',
    cpuid: 'Vendor Intel Family 6 Model 28 Step 2', banks: 'client',
  },
];

/* ------------------------------------------------------------------ */
/* glibc flavours: the source locations of the libc frames.            */

const GLIBC = {
  /* Debian 12 / glibc 2.36, debuginfod available: what the captures show */
  deb236: {
    lines: true,
    callMain: '../sysdeps/nptl/libc_start_call_main.h:58',
    startMain: '../csu/libc-start.c:360',
    startMainSym: '__libc_start_main@@GLIBC_2.34',
    pthreadCreate: './nptl/pthread_create.c:442',
    clone3: '../sysdeps/unix/sysv/linux/x86_64/clone3.S:81',
    clone3Arm: '../sysdeps/unix/sysv/linux/aarch64/clone3.S:78',
    pthreadKill: './nptl/pthread_kill.c:44',
    raise: '../sysdeps/posix/raise.c:26',
    abort: './stdlib/abort.c:79',
    assertBase: './assert/assert.c:94',
    assertFail: './assert/assert.c:103',
    poll: '../sysdeps/unix/sysv/linux/poll.c:29',
    pause: '../sysdeps/unix/sysv/linux/pause.c:29',
    futex: './nptl/futex-internal.c:57',
    condWait: './nptl/pthread_cond_wait.c:503',
    epoll: '../sysdeps/unix/sysv/linux/epoll_wait.c:30',
    nanosleep: '../sysdeps/unix/sysv/linux/clock_nanosleep.c:78',
  },
  /* Clear Linux: newer glibc, debuginfo from the swupd debuginfo daemon */
  clear: {
    lines: true,
    callMain: '../sysdeps/nptl/libc_start_call_main.h:58',
    startMain: '../csu/libc-start.c:392',
    startMainSym: '__libc_start_main@@GLIBC_2.34',
    pthreadCreate: './nptl/pthread_create.c:447',
    clone3: '../sysdeps/unix/sysv/linux/x86_64/clone3.S:78',
    clone3Arm: '../sysdeps/unix/sysv/linux/aarch64/clone3.S:78',
    pthreadKill: './nptl/pthread_kill.c:44',
    raise: '../sysdeps/posix/raise.c:26',
    abort: './stdlib/abort.c:79',
    assertBase: './assert/assert.c:94',
    assertFail: './assert/assert.c:103',
    poll: '../sysdeps/unix/sysv/linux/poll.c:29',
    pause: '../sysdeps/unix/sysv/linux/pause.c:29',
    futex: './nptl/futex-internal.c:57',
    condWait: './nptl/pthread_cond_wait.c:503',
    epoll: '../sysdeps/unix/sysv/linux/epoll_wait.c:30',
    nanosleep: '../sysdeps/unix/sysv/linux/clock_nanosleep.c:78',
  },
  /* no debuginfo installed: symbols, but no source lines for libc */
  nolines: {
    lines: false,
    startMainSym: '__libc_start_main',
  },
  /* Debian 11 / glibc 2.31: the older libc entry point */
  deb231: {
    lines: true,
    callMain: null,
    startMain: '../csu/libc-start.c:308',
    startMainSym: '__libc_start_main',
    pthreadCreate: './nptl/pthread_create.c:477',
    clone3: '../sysdeps/unix/sysv/linux/x86_64/clone.S:95',
    clone3Sym: 'clone',
    clone3Arm: '../sysdeps/unix/sysv/linux/aarch64/clone.S:78',
    pthreadKill: null,
    raise: '../sysdeps/unix/sysv/linux/raise.c:50',
    abort: './stdlib/abort.c:79',
    assertBase: './assert/assert.c:92',
    assertFail: './assert/assert.c:101',
    poll: '../sysdeps/unix/sysv/linux/poll.c:29',
    pause: '../sysdeps/unix/sysv/linux/pause.c:29',
    futex: '../sysdeps/nptl/futex-internal.h:183',
    condWait: './nptl/pthread_cond_wait.c:508',
    epoll: '../sysdeps/unix/sysv/linux/epoll_wait.c:30',
    nanosleep: '../sysdeps/unix/sysv/linux/clock_nanosleep.c:78',
  },
};

/* ------------------------------------------------------------------ */
/* Operating systems.                                                  */

/*
 * Clear Linux OS builds in the window, oldest first, with the kernel each
 * one shipped.  Release times are spread over the --days window by
 * fleet.js; the last build is "new" (released a day or two before now).
 */
const CLEAR_BUILDS = [
  { build: 31960, kernel: '5.4.6', rel: 877, lts: '4.19.91-99' },
  { build: 31980, kernel: '5.4.8', rel: 879, lts: '4.19.92-100' },
  { build: 32000, kernel: '5.4.10', rel: 881, lts: '4.19.94-101' },
  { build: 32020, kernel: '5.4.12', rel: 883, lts: '4.19.95-102' },
  { build: 32030, kernel: '5.4.13', rel: 884, lts: '4.19.96-103' },
  { build: 32050, kernel: '5.4.15', rel: 886, lts: '4.19.98-104' },
  { build: 32070, kernel: '5.4.17', rel: 889, lts: '4.19.101-105' },
  { build: 32080, kernel: '5.5.2', rel: 890, lts: '4.19.102-106' },
  { build: 32090, kernel: '5.5.3', rel: 892, lts: '4.19.103-107' },
  { build: 32100, kernel: '5.5.4', rel: 894, lts: '4.19.104-108' },
];
/* builds machines that never update during the window are stuck on */
const CLEAR_OLD_BUILDS = [
  { build: 31830, kernel: '5.3.14', rel: 860, lts: '4.19.86-94' },
  { build: 31900, kernel: '5.4.2', rel: 870, lts: '4.19.88-96' },
];

const OSES = [
  {
    id: 'clear', weight: 55, systemName: 'clear-linux-os', glibc: 'clear',
    archs: ['x86_64'],
    /* build and kernel come from the build timeline (fleet.js) */
    clear: true,
  },
  {
    id: 'debian12', weight: 11, systemName: 'debian', build: '"12"', glibc: 'deb236',
    archs: ['x86_64', 'aarch64', 'i686'],
    kernels: {
      x86_64: ['6.1.0-13-amd64', '6.1.0-17-amd64', '6.1.0-18-amd64', '6.18.44-fc-v669'],
      aarch64: ['6.1.0-17-arm64', '6.1.0-18-arm64'],
      i686: ['6.1.0-18-686-pae'],
    },
  },
  {
    id: 'debian11', weight: 3, systemName: 'debian', build: '"11"', glibc: 'deb231',
    archs: ['x86_64'],
    kernels: { x86_64: ['5.10.0-26-amd64', '5.10.0-28-amd64'] },
  },
  {
    id: 'ubuntu2204', weight: 8, systemName: 'ubuntu', build: '"22.04"', glibc: 'nolines',
    archs: ['x86_64', 'aarch64'],
    kernels: {
      x86_64: ['5.15.0-91-generic', '5.15.0-94-generic', '6.5.0-15-generic'],
      aarch64: ['5.15.0-1046-raspi', '5.15.0-94-generic'],
    },
  },
  {
    id: 'ubuntu2404', weight: 4, systemName: 'ubuntu', build: '"24.04"', glibc: 'nolines',
    archs: ['x86_64', 'aarch64'],
    kernels: { x86_64: ['6.8.0-31-generic', '6.8.0-35-generic'], aarch64: ['6.8.0-31-generic'] },
  },
  {
    id: 'fedora39', weight: 5, systemName: 'fedora', build: '39', glibc: 'deb236',
    archs: ['x86_64', 'aarch64'],
    kernels: { x86_64: ['6.5.6-300.fc39.x86_64', '6.7.4-200.fc39.x86_64'], aarch64: ['6.7.4-200.fc39.aarch64'] },
  },
  {
    id: 'fedora40', weight: 4, systemName: 'fedora', build: '40', glibc: 'deb236',
    archs: ['x86_64'],
    kernels: { x86_64: ['6.8.5-301.fc40.x86_64', '6.8.9-300.fc40.x86_64'] },
  },
  {
    /* os-release quotes both ID and VERSION_ID; the client keeps the quotes */
    id: 'tumbleweed', weight: 3, systemName: '"opensuse-tumbleweed"', glibc: 'nolines',
    archs: ['x86_64'],
    builds: ['"20240110"', '"20240125"', '"20240202"'],
    kernels: { x86_64: ['6.6.11-1-default', '6.7.1-1-default', '6.7.2-1-default'] },
  },
  {
    /* Arch Linux has no VERSION_ID: the client sends build 0 */
    id: 'arch', weight: 3, systemName: 'arch', build: '0', glibc: 'nolines',
    archs: ['x86_64'],
    kernels: { x86_64: ['6.7.4-arch1-1', '6.7.5-arch1-1', '6.6.16-1-lts'] },
  },
];

/* ------------------------------------------------------------------ */
/* Crash signatures (crashprobe).                                      */

/* Frames that several signatures share. */
const ABORT_HEAD = [
  '__pthread_kill_implementation|libc.so.6|%pthreadKill',
  'raise|libc.so.6|%raise',
  'abort|libc.so.6|%abort',
];
const ASSERT_HEAD = ABORT_HEAD.concat([
  '__assert_fail_base.cold|libc.so.6|%assertBase',
  '__assert_fail|libc.so.6|%assertFail',
]);
const GLIB_ASSERT_HEAD = ABORT_HEAD.concat([
  'g_assertion_message|libglib-2.0.so.0|../glib/gtestutils.c:3253',
  'g_assertion_message_expr|libglib-2.0.so.0|../glib/gtestutils.c:3279',
]);
const CXX_TERMINATE_HEAD = ABORT_HEAD.concat([
  '_ZN9__gnu_cxx27__verbose_terminate_handlerEv.cold|libstdc++.so.6',
  '_ZN10__cxxabiv111__terminateEPFvvE|libstdc++.so.6',
  '_ZSt9terminatev|libstdc++.so.6',
  '__cxa_throw|libstdc++.so.6',
]);
const GLIB_MAIN = [
  'g_main_context_dispatch|libglib-2.0.so.0|../glib/gmain.c:3476',
  'g_main_context_iterate.constprop.0|libglib-2.0.so.0|../glib/gmain.c:4284',
  'g_main_loop_run|libglib-2.0.so.0|../glib/gmain.c:4479',
];

/* Threads that are just waiting when another thread crashes. */
const IDLE_THREADS = {
  poll: [
    'poll|libc.so.6|%poll',
    'g_main_context_iterate.constprop.0|libglib-2.0.so.0|../glib/gmain.c:4284',
    'g_main_context_iteration|libglib-2.0.so.0|../glib/gmain.c:4355',
    'glib_worker_main|libglib-2.0.so.0|../glib/gmain.c:6260',
    'g_thread_proxy|libglib-2.0.so.0|../glib/gthread.c:831',
  ],
  gdbus: [
    'poll|libc.so.6|%poll',
    'g_main_context_iterate.constprop.0|libglib-2.0.so.0|../glib/gmain.c:4284',
    'g_main_loop_run|libglib-2.0.so.0|../glib/gmain.c:4479',
    'gdbus_shared_thread_func|libgio-2.0.so.0|../gio/gdbusprivate.c:284',
    'g_thread_proxy|libglib-2.0.so.0|../glib/gthread.c:831',
  ],
  cond: [
    '__futex_abstimed_wait_common|libc.so.6|%futex',
    '__pthread_cond_wait_common|libc.so.6|%condWait',
    '___pthread_cond_wait|libc.so.6',
    'worker_loop|$exe',
  ],
  pause: [
    'pause|libc.so.6|%pause',
    'idle_worker|$exe',
  ],
  epoll: [
    'epoll_wait|libc.so.6|%epoll',
    'event_loop_run|$exe',
  ],
  sleep: [
    'clock_nanosleep@GLIBC_2.2.5|libc.so.6|%nanosleep',
    '__nanosleep|libc.so.6',
    'sleep|libc.so.6',
    'watchdog_thread|$exe',
  ],
};

/*
 * The hand-written signatures, most common first (their weight follows a
 * Zipf-like curve by rank, see fleet.js).  Fields:
 *   proc    executable path
 *   signal  signal number
 *   frames  the crashing thread's frames, top first, before its tail
 *   tail    'main' (main -> libc start -> _start), 'libc' (the frames end
 *           in main; libc start -> _start follow), 'thread' (start_thread
 *           -> clone3), 'none' (the frames are complete)
 *   mainFn  the program's main frame for tail 'main' (default main|$exe)
 *   idle    kinds of other threads (IDLE_THREADS), each instance takes some
 *   recurse frames repeated until the 64-frame limit ("Too many frames")
 *   newIn   only on Clear Linux builds >= the build at this index from the
 *           end (-1 = the newest build): a regression, for "new in build"
 *   fixedIn only on builds older than this index from the end
 *   os      restrict to these OS ids
 *   arch    restrict to this arch
 */
const CRASHES = [
  {
    id: 'gnome-shell-theme-node', proc: '/usr/bin/gnome-shell', signal: 11,
    frames: [
      'st_widget_get_theme_node|libst-13.so|../src/st/st-widget.c:741',
      'st_widget_style_changed|libst-13.so|../src/st/st-widget.c:1712',
      'st_widget_map|libst-13.so|../src/st/st-widget.c:520',
      'clutter_actor_map|libmutter-clutter-13.so.0|../clutter/clutter/clutter-actor.c:1683',
      'meta_run|libmutter-13.so.0|../src/core/main.c:760',
    ],
    tail: 'main', idle: ['poll', 'gdbus', 'cond'],
  },
  {
    /* multi-threaded assert(): the guilty frame is below the abort frames */
    id: 'pulseaudio-assert', proc: '/usr/bin/pulseaudio', signal: 6, crashTid: 'thread',
    frames: ASSERT_HEAD.concat([
      'pa_sink_input_unlink|libpulsecore-16.1.so|../src/pulsecore/sink-input.c:712',
      'sink_input_kill_cb|module-native-protocol-unix.so|../src/modules/module-native-protocol.c:1224',
      'pa_asyncmsgq_dispatch|libpulsecore-16.1.so|../src/pulsecore/asyncmsgq.c:321',
      'thread_func|module-alsa-card.so|../src/modules/alsa/alsa-sink.c:1790',
      'internal_thread_func|libpulsecommon-16.1.so|../src/pulsecore/thread-posix.c:81',
    ]),
    tail: 'thread', idle: ['poll', 'cond'],
  },
  {
    id: 'swupd-curl', proc: '/usr/bin/swupd', signal: 11, os: ['clear'],
    frames: [
      'curl_easy_setopt|libcurl.so.4|setopt.c:3146',
      'swupd_curl_get_file_full|libswupd.so.0|src/swupd-curl.c:612',
      'swupd_curl_get_file|libswupd.so.0|src/swupd-curl.c:675',
      'check_update|$exe|src/cmds/check_update.c:96',
      'check_update_main|$exe|src/cmds/check_update.c:164',
      'main|$exe|src/main.c:286',
    ],
    tail: 'libc',
  },
  {
    id: 'firefox-stripped', proc: '/usr/lib64/firefox/firefox', signal: 11,
    frames: [
      '???|libxul.so',
      '???|libxul.so',
      '???|libxul.so',
      '_ZN7mozilla12TaskQueueImpl8RunTasksEv|libxul.so',
      '!nosym',
      '???|libxul.so',
    ],
    tail: 'thread', crashTid: 'thread', idle: ['poll', 'cond', 'cond', 'epoll'],
  },
  {
    id: 'python-recursion', proc: '/usr/bin/python3.11', signal: 11,
    frames: [
      'PyObject_Malloc|libpython3.11.so.1.0|Objects/obmalloc.c:2043',
      '_PyObject_New|libpython3.11.so.1.0|Objects/object.c:1890',
    ],
    recurse: [
      '_PyEval_EvalFrameDefault|libpython3.11.so.1.0|Python/ceval.c:5381',
      '_PyFunction_Vectorcall|libpython3.11.so.1.0|Objects/call.c:393',
      '_PyObject_VectorcallTstate|libpython3.11.so.1.0|./Include/internal/pycore_call.h:92',
      'method_vectorcall|libpython3.11.so.1.0|Objects/classobject.c:59',
    ],
  },
  {
    id: 'journald-sigbus', proc: '/usr/lib/systemd/systemd-journald', signal: 7,
    frames: [
      'journal_file_move_to_object|libsystemd-shared-253.so|../src/libsystemd/sd-journal/journal-file.c:1186',
      'journal_file_append_object|libsystemd-shared-253.so|../src/libsystemd/sd-journal/journal-file.c:1352',
      'journal_file_append_entry|libsystemd-shared-253.so|../src/libsystemd/sd-journal/journal-file.c:2299',
      'server_dispatch_message_real|$exe|../src/journal/journald-server.c:1159',
      'server_process_native_message|$exe|../src/journal/journald-native.c:336',
      'server_process_datagram|$exe|../src/journal/journald-server.c:1401',
      'source_dispatch|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4092',
      'sd_event_dispatch|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4669',
      'sd_event_run|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4730',
      'run|$exe|../src/journal/journald.c:104',
    ],
    tail: 'main',
  },
  {
    /* a C++ exception nobody caught */
    id: 'node-v8-abort', proc: '/usr/bin/node', signal: 6,
    frames: ABORT_HEAD.concat([
      '_ZN4node5AbortEv|$exe',
      '_ZN4node12OnFatalErrorEPKcS1_|$exe',
      '_ZN2v85Utils16ReportOOMFailureEPNS_8internal7IsolateEPKcb|$exe',
      '_ZN2v88internal2V823FatalProcessOutOfMemoryEPNS0_7IsolateEPKcb|$exe',
      '_ZN2v88internal4Heap24CollectGarbageOnMemoryPressureEv|$exe',
      '_ZN2v88internal14MarkCompactCollector15CollectGarbageEv|$exe',
      '!nosym',
      '!nosym',
    ]),
    tail: 'main', idle: ['epoll', 'cond', 'cond', 'cond'],
  },
  {
    /* a regression in the newest Clear Linux build */
    id: 'mutter-wayland-regression', proc: '/usr/bin/gnome-shell', signal: 11, os: ['clear'], newIn: -1,
    frames: [
      'meta_wayland_surface_get_window|libmutter-13.so.0|../src/wayland/meta-wayland-surface.c:1598',
      'meta_wayland_pointer_update_cursor_surface|libmutter-13.so.0|../src/wayland/meta-wayland-pointer.c:1011',
      'meta_wayland_pointer_set_focus|libmutter-13.so.0|../src/wayland/meta-wayland-pointer.c:913',
      'meta_wayland_seat_update|libmutter-13.so.0|../src/wayland/meta-wayland-seat.c:403',
    ].concat(GLIB_MAIN).concat(['meta_run|libmutter-13.so.0|../src/core/main.c:760']),
    tail: 'main', idle: ['poll', 'gdbus'],
  },
  {
    id: 'containerd-go', proc: '/usr/bin/containerd', signal: 6, crashTid: 'thread',
    frames: [
      'runtime.raise.abi0|$exe|runtime/sys_linux_amd64.s:154',
      'runtime.dieFromSignal|$exe|runtime/signal_unix.go:903',
      'runtime.sigfwdgo|$exe|runtime/signal_unix.go:1108',
      'runtime.sigtrampgo|$exe|runtime/signal_unix.go:432',
      'runtime.sigtramp.abi0|$exe|runtime/sys_linux_amd64.s:352',
      '!nosym',
      'runtime.futex.abi0|$exe|runtime/sys_linux_amd64.s:557',
      'runtime.futexsleep|$exe|runtime/os_linux.go:69',
      'runtime.notesleep|$exe|runtime/lock_futex.go:160',
      'runtime.mPark|$exe|runtime/proc.go:1632',
      'runtime.stopm|$exe|runtime/proc.go:2536',
      'runtime.findRunnable|$exe|runtime/proc.go:3229',
      'runtime.schedule|$exe|runtime/proc.go:3582',
      'runtime.park_m|$exe|runtime/proc.go:3745',
      'runtime.mcall|$exe|runtime/asm_amd64.s:458',
    ],
    tail: 'none', idle: ['epoll'], arch: 'x86_64',
  },
  {
    id: 'qemu-dispatch', proc: '/usr/bin/qemu-system-x86_64', signal: 11, crashTid: 'thread',
    frames: [
      'memory_region_dispatch_write|$exe|../softmmu/memory.c:1531',
      'flatview_write_continue|$exe|../softmmu/physmem.c:2826',
      'flatview_write|$exe|../softmmu/physmem.c:2868',
      'address_space_write|$exe|../softmmu/physmem.c:2964',
      'kvm_cpu_exec|$exe|../accel/kvm/kvm-all.c:2977',
      'kvm_vcpu_thread_fn|$exe|../accel/kvm/kvm-accel-ops.c:51',
      'qemu_thread_start|$exe|../util/qemu-thread-posix.c:541',
    ],
    tail: 'thread', idle: ['poll', 'cond', 'cond'],
  },
  {
    /* clang overflowing its stack on a deeply nested template */
    id: 'clang-stack-overflow', proc: '/usr/bin/clang-16', signal: 11,
    frames: [
      '_ZN5clang4Sema25CheckTemplateArgumentListEPNS_12TemplateDeclE|libclang-cpp.so.16',
    ],
    recurse: [
      '_ZN5clang4Sema18InstantiateClassEPNS_13CXXRecordDeclE|libclang-cpp.so.16',
      '_ZN5clang4Sema19RequireCompleteTypeENS_8QualTypeE|libclang-cpp.so.16',
      '_ZN5clang4Sema19SubstBaseSpecifiersEPNS_13CXXRecordDeclE|libclang-cpp.so.16',
    ],
  },
  {
    id: 'dbus-abort', proc: '/usr/bin/dbus-daemon', signal: 6,
    frames: ABORT_HEAD.concat([
      '_dbus_abort|libdbus-1.so.3|../../dbus/dbus-sysdeps.c:87',
      '_dbus_warn_check_failed|libdbus-1.so.3|../../dbus/dbus-internals.c:298',
      'dbus_connection_unref|libdbus-1.so.3|../../dbus/dbus-connection.c:2834',
      'bus_connection_disconnected|$exe|../../bus/connection.c:319',
      'bus_connections_unref|$exe|../../bus/connection.c:548',
    ]),
    tail: 'main',
  },
  {
    id: 'gst-vaapi', proc: '/usr/bin/gst-launch-1.0', signal: 11, crashTid: 'thread',
    frames: [
      '???|libgstvaapi.so',
      '???|libgstvaapi.so',
      'gst_video_decoder_finish_frame|libgstvideo-1.0.so.0|../gst-libs/gst/video/gstvideodecoder.c:3385',
      'gst_pad_push|libgstreamer-1.0.so.0|../gst/gstpad.c:4887',
      'gst_base_src_loop|libgstbase-1.0.so.0|../libs/gst/base/gstbasesrc.c:3032',
      'gst_task_func|libgstreamer-1.0.so.0|../gst/gsttask.c:384',
      'g_thread_pool_thread_proxy|libglib-2.0.so.0|../glib/gthreadpool.c:350',
      'g_thread_proxy|libglib-2.0.so.0|../glib/gthread.c:831',
    ],
    tail: 'thread', idle: ['poll', 'cond'],
  },
  {
    id: 'networkmanager-assert', proc: '/usr/sbin/NetworkManager', signal: 6,
    frames: GLIB_ASSERT_HEAD.concat([
      'nm_device_state_changed|$exe|src/core/devices/nm-device.c:16702',
      '_carrier_wait_check_queued_act_request|$exe|src/core/devices/nm-device.c:6612',
      'g_idle_dispatch|libglib-2.0.so.0|../glib/gmain.c:6089',
    ]).concat(GLIB_MAIN),
    tail: 'main', idle: ['poll', 'gdbus'],
  },
  {
    id: 'ffmpeg-h264', proc: '/usr/bin/ffmpeg', signal: 11, crashTid: 'thread',
    frames: [
      'ff_h264_decode_mb_cabac|libavcodec.so.60',
      'decode_slice|libavcodec.so.60',
      'ff_h264_execute_decode_slices|libavcodec.so.60',
      'h264_field_start|libavcodec.so.60',
      'frame_worker_thread|libavcodec.so.60',
    ],
    tail: 'thread', idle: ['cond', 'cond', 'cond'],
  },
  {
    /* fixed in a recent build: only older builds crash here */
    id: 'tracker-seccomp', proc: '/usr/libexec/tracker-extract-3', signal: 31, os: ['clear'], fixedIn: -3,
    frames: [
      'fstatat64|libc.so.6|../sysdeps/unix/sysv/linux/fstatat64.c:166',
      'tracker_file_get_mtime|libtracker-extract.so|../src/libtracker-extract/tracker-utils.c:612',
      'tracker_extract_file_sync|$exe|../src/tracker-extract/tracker-extract.c:598',
      'get_metadata|$exe|../src/tracker-extract/tracker-extract.c:664',
      'g_thread_proxy|libglib-2.0.so.0|../glib/gthread.c:831',
    ],
    tail: 'thread', crashTid: 'thread', idle: ['poll', 'gdbus'],
  },
  {
    id: 'java-jvm-abort', proc: '/usr/lib/jvm/java-17-openjdk/bin/java', signal: 6, crashTid: 'thread',
    frames: ABORT_HEAD.concat([
      '_ZN2os5abortEbPvPKv|libjvm.so',
      '_ZN7VMError14report_and_dieEiPKcS1_P13__va_list_tagP6ThreadPhPvS7_S1_im|libjvm.so',
      '_ZN7VMError14report_and_dieEP6ThreadjPhPvS3_|libjvm.so',
      'JVM_handle_linux_signal|libjvm.so',
      '!nosym',
      '!nosym',
      '!nosym',
      '_ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread|libjvm.so',
      '_ZN10JavaThread17thread_main_innerEv|libjvm.so',
      '_ZN6Thread8call_runEv|libjvm.so',
      'thread_native_entry|libjvm.so',
    ]),
    tail: 'thread', idle: ['cond', 'cond', 'cond', 'sleep'],
  },
  {
    id: 'nautilus-gerror', proc: '/usr/bin/nautilus', signal: 5,
    frames: [
      '_g_log_abort|libglib-2.0.so.0|../glib/gmessages.c:426',
      'g_log_default_handler|libglib-2.0.so.0|../glib/gmessages.c:3145',
      'g_logv|libglib-2.0.so.0|../glib/gmessages.c:1391',
      'g_log|libglib-2.0.so.0|../glib/gmessages.c:1460',
      'nautilus_file_get_uri|$exe|../src/nautilus-file.c:3521',
      'nautilus_files_view_update_context_menus|$exe|../src/nautilus-files-view.c:8401',
    ].concat(GLIB_MAIN).concat(['g_application_run|libgio-2.0.so.0|../gio/gapplication.c:2565']),
    tail: 'main', idle: ['poll', 'gdbus', 'cond'],
  },
  {
    /* Rust panic=abort */
    id: 'rust-panic-abort', proc: '/usr/bin/fd', signal: 6,
    frames: ABORT_HEAD.concat([
      '_ZN3std3sys4unix14abort_internal17h2a4b7a9d5f0e5c1bE|$exe',
      '_ZN3std7process5abort17h5d0f1a3c2b8e9f47E|$exe',
      '_ZN3std9panicking20rust_panic_with_hook17h0c4e6b7d8a9f1e23E|$exe',
      '_ZN2fd4walk5spawn17h7e1d2c3b4a5f6e70E|$exe',
      '_ZN2fd3run17h9a8b7c6d5e4f3a21E|$exe',
      '_ZN2fd4main17h1f2e3d4c5b6a7988E|$exe',
    ]),
    tail: 'main',
  },
  {
    id: 'gawk-fpe', proc: '/usr/bin/gawk', signal: 8,
    frames: [
      'calc_exp_posint|$exe|../interpret.h:1487',
      'r_interpret|$exe|../interpret.h:618',
    ],
    tail: 'main', mainFn: 'main|$exe|../main.c:531',
  },
  {
    /* an illegal instruction on CPUs without AVX2 */
    id: 'ggml-sigill', proc: '/usr/bin/llama-server', signal: 4, crashTid: 'thread',
    frames: [
      'ggml_vec_dot_f16|libggml.so|ggml.c:1719',
      'ggml_compute_forward_mul_mat|libggml.so|ggml.c:10781',
      'ggml_graph_compute_thread|libggml.so|ggml.c:17190',
    ],
    tail: 'thread', idle: ['cond', 'cond', 'epoll'], arch: 'x86_64',
  },
  {
    id: 'xwayland-glamor', proc: '/usr/bin/Xwayland', signal: 11,
    frames: [
      'glamor_create_pixmap|libglamoregl.so|../glamor/glamor.c:218',
      'xwl_glamor_gbm_create_pixmap|$exe|../hw/xwayland/xwayland-glamor-gbm.c:304',
      'xwl_shm_create_pixmap|$exe|../hw/xwayland/xwayland-shm.c:229',
      'ProcCreatePixmap|$exe|../dix/dispatch.c:1488',
      'Dispatch|$exe|../dix/dispatch.c:550',
      'dix_main|$exe|../dix/main.c:272',
    ],
    tail: 'main', mainFn: 'main|$exe|../dix/stubmain.c:34',
  },
  {
    /* a second regression, new in the build before the newest */
    id: 'systemd-networkd-regression', proc: '/usr/lib/systemd/systemd-networkd', signal: 11, os: ['clear'], newIn: -2,
    frames: [
      'link_drop_foreign_config|$exe|../src/network/networkd-link.c:1034',
      'link_configure|$exe|../src/network/networkd-link.c:1239',
      'link_initialized_and_configured|$exe|../src/network/networkd-link.c:1451',
      'link_check_initialized|$exe|../src/network/networkd-link.c:1580',
      'manager_rtnl_process_link|$exe|../src/network/networkd-link.c:2431',
      'io_callback|libsystemd-shared-253.so|../src/libsystemd/sd-netlink/sd-netlink.c:427',
      'source_dispatch|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4092',
      'sd_event_dispatch|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4669',
      'sd_event_run|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4730',
      'sd_event_loop|libsystemd-shared-253.so|../src/libsystemd/sd-event/sd-event.c:4752',
      'run|$exe|../src/network/networkd.c:104',
    ],
    tail: 'main',
  },
  {
    id: 'perl-sv-clear', proc: '/usr/bin/perl', signal: 11,
    frames: [
      'Perl_sv_clear|libperl.so.5.36|sv.c:6777',
      'Perl_sv_free2|libperl.so.5.36|sv.c:7284',
      'Perl_leave_scope|libperl.so.5.36|scope.c:1432',
      'Perl_pp_leavesub|libperl.so.5.36|pp_hot.c:5159',
      'Perl_runops_standard|libperl.so.5.36|run.c:41',
      'perl_run|libperl.so.5.36|perl.c:2811',
    ],
    tail: 'main',
  },
  {
    /* the crashme example from the captures, and its stripped twin */
    id: 'crashme', proc: '/usr/lib/crashes/crashme', signal: 11,
    frames: [
      'sum_list|$exe|/usr/lib/crashes/crashme.c:11',
      'process_input|$exe|/usr/lib/crashes/crashme.c:20',
    ],
    tail: 'main', mainFn: 'main|$exe|/usr/lib/crashes/crashme.c:25',
  },
  {
    id: 'crashme-stripped', proc: '/usr/lib/crashes/crashme-stripped', signal: 11,
    frames: ['???|$exe', '???|$exe'],
    tail: 'main', mainFn: '???|$exe', startFn: '???|$exe',
  },
  {
    id: 'mtabort', proc: '/usr/lib/crashes/mtabort', signal: 6,
    frames: ASSERT_HEAD.concat(['check_config|$exe|/usr/lib/crashes/mtabort.c:8']),
    tail: 'main', mainFn: 'main|$exe|/usr/lib/crashes/mtabort.c:15',
    idle: ['pause'], idleAlways: true,
  },
  {
    id: 'cxx-parser-throw', proc: '/usr/bin/cxxcrash', signal: 6,
    frames: CXX_TERMINATE_HEAD.concat([
      '_ZN3app6Parser5parseERKSt6vectorIiSaIiEE|$exe|/usr/lib/crashes/cxx.cpp:2',
      '_ZN3app3runEv|$exe|/usr/lib/crashes/cxx.cpp:9',
    ]),
    tail: 'main',
  },
  {
    id: 'vim-regexp-recursion', proc: '/usr/bin/vim', signal: 11,
    frames: [],
    recurse: [
      'regmatch|$exe|regexp_bt.c:3345',
      'regtry|$exe|regexp_bt.c:3705',
      'bt_regexec_both|$exe|regexp_bt.c:4972',
      'vim_regexec_multi|$exe|regexp.c:2934',
    ],
  },
];

/*
 * The long tail: programs and words from which rare signatures are made.
 * Each generated signature belongs to one program and has 2-5 frames of
 * its own above a standard tail; some are C++ (mangled), some stripped.
 */
const TAIL_PROGRAMS = [
  ['/usr/bin/evolution', 'e', ['libevolution-mail.so', 'libcamel-1.2.so.64']],
  ['/usr/bin/gimp-2.10', 'gimp', ['libgimpbase-2.0.so.0', 'libgegl-0.4.so.0']],
  ['/usr/bin/inkscape', 'Inkscape', ['libinkscape_base.so'], 'cxx'],
  ['/usr/bin/kwin_wayland', 'KWin', ['libkwin.so.5', 'libQt5Core.so.5'], 'cxx'],
  ['/usr/bin/plasmashell', 'Plasma', ['libQt5Quick.so.5', 'libQt5Qml.so.5'], 'cxx'],
  ['/usr/bin/konsole', 'Konsole', ['libkonsoleprivate.so.22'], 'cxx'],
  ['/usr/bin/thunderbird', 'mozilla', ['libxul.so'], 'stripped'],
  ['/usr/bin/chromium', 'content', ['libcontent.so'], 'stripped'],
  ['/usr/bin/code', 'electron', ['libnode.so'], 'stripped'],
  ['/usr/bin/libreoffice', 'sw', ['libswlo.so', 'libmergedlo.so'], 'cxx'],
  ['/usr/bin/vlc', 'vlc', ['libvlccore.so.9', 'libavcodec_plugin.so']],
  ['/usr/bin/mpv', 'mpv', ['libmpv.so.2', 'libavformat.so.60']],
  ['/usr/bin/obs', 'obs', ['libobs.so.30']],
  ['/usr/bin/emacs', 'F', []],
  ['/usr/bin/tmux', 'window', []],
  ['/usr/bin/htop', 'Process', []],
  ['/usr/bin/rsync', 'recv', []],
  ['/usr/bin/ssh', 'ssh', ['libcrypto.so.3']],
  ['/usr/sbin/sshd', 'sshd', ['libcrypto.so.3', 'libpam.so.0']],
  ['/usr/bin/curl', 'curl', ['libcurl.so.4', 'libssl.so.3']],
  ['/usr/bin/wget', 'http', ['libgnutls.so.30']],
  ['/usr/bin/git', 'git', ['libz.so.1']],
  ['/usr/bin/make', 'make', []],
  ['/usr/bin/gcc', 'gcc', []],
  ['/usr/libexec/gcc/x86_64-generic-linux/13/cc1plus', 'cp', [], 'cxx'],
  ['/usr/bin/ld.gold', 'gold', [], 'cxx'],
  ['/usr/bin/rpmbuild', 'rpm', ['librpm.so.9', 'librpmio.so.9']],
  ['/usr/bin/dnf', 'dnf', ['libdnf.so.2', 'libsolv.so.1'], 'cxx'],
  ['/usr/bin/flatpak', 'flatpak', ['libostree-1.so.1']],
  ['/usr/bin/podman', 'podman', [], 'go'],
  ['/usr/bin/dockerd', 'docker', [], 'go'],
  ['/usr/bin/kubelet', 'kubelet', [], 'go'],
  ['/usr/bin/etcd', 'etcd', [], 'go'],
  ['/usr/sbin/nginx', 'ngx', []],
  ['/usr/bin/httpd', 'ap', ['libapr-1.so.0', 'libaprutil-1.so.0']],
  ['/usr/bin/postgres', 'Exec', []],
  ['/usr/bin/redis-server', 'redis', []],
  ['/usr/sbin/mysqld', 'mysql', [], 'cxx'],
  ['/usr/bin/php', 'zend', ['libphp.so']],
  ['/usr/bin/ruby', 'rb', ['libruby.so.3.2']],
  ['/usr/bin/lua5.4', 'lua', ['liblua5.4.so.0']],
  ['/usr/bin/gdb', 'gdb', [], 'cxx'],
  ['/usr/bin/valgrind', 'vg', []],
  ['/usr/bin/weston', 'weston', ['libweston-12.so.0']],
  ['/usr/bin/sway', 'sway', ['libwlroots.so.12']],
  ['/usr/bin/alacritty', 'alacritty', [], 'rust'],
  ['/usr/bin/rg', 'grep', [], 'rust'],
  ['/usr/lib/systemd/systemd-resolved', 'dns', ['libsystemd-shared-253.so']],
  ['/usr/lib/systemd/systemd-logind', 'session', ['libsystemd-shared-253.so']],
  ['/usr/lib/systemd/systemd-udevd', 'udev', ['libsystemd-shared-253.so']],
  ['/usr/sbin/wpa_supplicant', 'wpa', ['libnl-3.so.200']],
  ['/usr/bin/bluetoothd', 'btd', ['libbluetooth.so.3']],
  ['/usr/libexec/fwupd/fwupd', 'fu', ['libfwupd.so.2', 'libfwupdplugin.so.7']],
  ['/usr/bin/cupsd', 'cupsd', ['libcups.so.2']],
  ['/usr/bin/pipewire', 'pw', ['libpipewire-0.3.so.0', 'libspa-alsa.so']],
  ['/usr/bin/wireplumber', 'wp', ['libwireplumber-0.4.so.0']],
  ['/usr/libexec/gsd-power', 'gsd', ['libgnome-desktop-3.so.20']],
  ['/usr/bin/gnome-software', 'gs', ['libgnomesoftware.so.20']],
  ['/usr/bin/tracker3', 'tracker', ['libtracker-sparql-3.0.so.0']],
  ['/usr/bin/clr-boot-manager', 'cbm', []],
  ['/usr/bin/mixer', 'mixer', [], 'go'],
  ['/usr/bin/telemctl', 'tm', ['libtelemetry.so.4']],
];
const TAIL_VERBS = ['get', 'set', 'parse', 'load', 'free', 'update', 'read', 'write', 'flush',
  'init', 'open', 'close', 'lookup', 'resolve', 'dispatch', 'emit', 'render', 'decode',
  'encode', 'copy', 'insert', 'remove', 'resize', 'commit', 'apply', 'handle', 'process'];
const TAIL_NOUNS = ['buffer', 'entry', 'node', 'list', 'table', 'header', 'frame', 'packet',
  'message', 'request', 'config', 'state', 'object', 'window', 'surface', 'layer', 'token',
  'string', 'array', 'cache', 'index', 'record', 'stream', 'chunk', 'block', 'page',
  'session', 'socket', 'event', 'timer', 'queue', 'item', 'path', 'file', 'value'];
const TAIL_CLASSES = ['Document', 'View', 'Widget', 'Parser', 'Renderer', 'Buffer', 'Node',
  'Scene', 'Item', 'Model', 'Engine', 'Context', 'Manager', 'Handler', 'Loader', 'Layout'];
const TAIL_METHODS = ['update', 'paint', 'parse', 'layout', 'load', 'reset', 'flush', 'run',
  'process', 'apply', 'draw', 'commit', 'notify', 'resize', 'insert'];
const CXX_PARAMS = ['Ev', 'Ei', 'EPKc', 'Eb', 'ERKSt6vectorIiSaIiEE', 'EPv', 'Ejj',
  'ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE', 'EP7QObjectP6QEvent'];

function mangle(ns, cls, method, params) {
  return `_ZN${ns.length}${ns}${cls.length}${cls}${method.length}${method}${params}`;
}

/* Generate the long tail deterministically (fixed seed, independent of --seed). */
function makeTail(count) {
  const rng = new Rng('telemetrics-sim crash tail v1');
  const out = [];
  const SIGNALS = [11, 11, 11, 11, 11, 6, 6, 7, 8, 4];
  for (let i = 0; i < count; i++) {
    const [proc, prefix, libs, style] = TAIL_PROGRAMS[i % TAIL_PROGRAMS.length];
    const base = proc.split('/').pop().replace(/[^A-Za-z0-9]/g, '');
    const nOwn = rng.int(2, 5);
    const frames = [];
    const signal = rng.pick(SIGNALS);
    const lines = style !== 'stripped' && rng.chance(0.7);
    for (let k = 0; k < nOwn; k++) {
      const inLib = libs.length > 0 && rng.chance(0.4);
      const mod = inLib ? rng.pick(libs) : '$exe';
      let fn;
      if (style === 'stripped' && rng.chance(0.7)) {
        fn = '???';
      } else if (style === 'cxx') {
        fn = mangle(prefix, rng.pick(TAIL_CLASSES), rng.pick(TAIL_METHODS), rng.pick(CXX_PARAMS));
      } else if (style === 'rust') {
        const m = rng.pick(TAIL_METHODS);
        fn = `_ZN${prefix.length}${prefix}${m.length}${m}17h${rng.hex(16)}E`;
      } else if (style === 'go') {
        fn = `main.(*${rng.pick(TAIL_CLASSES)}).${rng.pick(TAIL_METHODS)}`;
        if (rng.chance(0.5)) fn = `github.com/${prefix}/${prefix}/pkg/${rng.pick(TAIL_NOUNS)}.${rng.pick(TAIL_VERBS)}${rng.pick(TAIL_CLASSES)}`;
      } else {
        fn = `${prefix}_${rng.pick(TAIL_VERBS)}_${rng.pick(TAIL_NOUNS)}`;
      }
      let src = '';
      if (lines && fn !== '???' && style !== 'go') {
        src = `../src/${base}-${rng.pick(TAIL_NOUNS)}.${style === 'cxx' ? 'cpp' : 'c'}:${rng.int(20, 4000)}`;
      } else if (style === 'go') {
        src = `${rng.pick(TAIL_NOUNS)}/${rng.pick(TAIL_NOUNS)}.go:${rng.int(20, 900)}`;
      }
      frames.push(src ? `${fn}|${mod}|${src}` : `${fn}|${mod}`);
    }
    let head = [];
    if (signal === 6) head = style === 'cxx' ? CXX_TERMINATE_HEAD : rng.chance(0.5) ? ASSERT_HEAD : ABORT_HEAD;
    const threaded = rng.chance(0.35);
    out.push({
      id: `tail-${String(i).padStart(3, '0')}-${base}`,
      proc, signal,
      frames: head.concat(frames),
      tail: threaded ? 'thread' : 'main',
      crashTid: threaded ? 'thread' : undefined,
      idle: threaded || rng.chance(0.3) ? ['poll', 'cond', 'epoll'] : undefined,
      stripped: style === 'stripped',
      arch: style === 'go' ? 'x86_64' : undefined,
      tailSig: true,
    });
  }
  return out;
}

const CRASH_TAIL = makeTail(240);

/* crash/error: the messages crashprobe prints when unwinding fails */
const UNWIND_ERRORS = [
  (tid) => `Error while iterating through frames for thread ${tid}: no matching address range\n`,
  (tid) => `Error while iterating through frames for thread ${tid}: No DWARF information found\n`,
  () => 'Failed to find module for current frame\n',
  () => 'Failed to find program counter for current frame: address out of range\n',
];

/* crash/unknown: executables outside /usr (or in /usr/local) */
const THIRD_PARTY = [
  '/opt/google/chrome/chrome', '/opt/zoom/zoom', '/usr/local/bin/myapp',
  '/home/dev/build/a.out', '/opt/steam/ubuntu12_32/steam', '/usr/local/sbin/agentd',
];

/* ------------------------------------------------------------------ */
/* Kernel oops signatures (klogscanner / pstoreprobe).                 */

/*
 * reason   the first line of the oops; {cpu} {pid} {addr} {addr16} {comm}
 *          are filled in per instance
 * comm     the task name on the "CPU: ... Comm:" line
 * frames   top first; a leading "? " marks an unreliable frame
 * regs     true: register lines follow "Backtrace :" (BUG, GPF)
 * noise    number of extra "? " frames that may be inserted deeper down
 * bare     true: the record ends right after the Reason line (the next
 *          log line started a new oops, as NETDEV WATCHDOG does)
 */
const OOPSES = [
  {
    id: 'i915-assert-plane', cls: 'warning', comm: 'kworker/u8:3',
    reason: 'WARNING: CPU: {cpu} PID: {pid} at drivers/gpu/drm/i915/display/intel_display.c:1234 assert_plane+0x6e/0x70 [i915]',
    frames: ['dump_stack', '__warn', '? assert_plane', 'report_bug', 'handle_bug', 'exc_invalid_op',
      'asm_exc_invalid_op', 'intel_atomic_commit_tail', 'process_one_work', 'worker_thread',
      '? process_one_work', 'kthread', '? kthread_complete_and_exit', 'ret_from_fork'],
    modules: 'gpu', taint: 'W', noise: 2,
  },
  {
    id: 'iwlwifi-nic-access', cls: 'warning', comm: 'irq/145-iwlwifi',
    reason: 'WARNING: CPU: {cpu} PID: {pid} at drivers/net/wireless/intel/iwlwifi/pcie/trans.c:2093 iwl_trans_pcie_grab_nic_access+0x1e3/0x210 [iwlwifi]',
    frames: ['dump_stack', '__warn', 'warn_slowpath_fmt', 'iwl_trans_pcie_grab_nic_access',
      'iwl_read_prph', 'iwl_pcie_irq_handler', '? irq_thread', 'irq_thread_fn', 'irq_thread',
      '? irq_forced_thread_fn', 'kthread', 'ret_from_fork'],
    modules: 'laptop', taint: 'W', noise: 1, forms: ['laptop', 'nuc'],
  },
  {
    id: 'vbox-preempt-notifier', cls: 'warning', comm: 'VBoxHeadless',
    reason: 'WARNING: CPU: {cpu} PID: {pid} at kernel/sched/core.c:2342 preempt_notifier_register+0x30/0x70',
    frames: ['dump_stack', 'warn_slowpath_common', 'warn_slowpath_fmt', 'preempt_notifier_register',
      'VBoxHost_RTThreadCtxHooksRegister', '? update_curr', 'rtR0SemEventMultiLnxWait',
      'supdrvIOCtlFast', 'VBoxDrvLinuxIOCtl', 'do_vfs_ioctl', '? __fget', 'SyS_ioctl',
      '? entry_SYSCALL_64_fastpath'],
    modules: 'vbox', taint: 'OE', noise: 0,
  },
  {
    id: 'nvme-timeout', cls: 'warning', comm: 'kworker/3:1H',
    reason: 'WARNING: CPU: {cpu} PID: {pid} at drivers/nvme/host/pci.c:1288 nvme_timeout+0x2d5/0x340 [nvme]',
    frames: ['dump_stack', '__warn', 'nvme_timeout', 'blk_mq_check_expired', 'bt_iter',
      'blk_mq_queue_tag_busy_iter', '? blk_mq_put_rq_ref', 'blk_mq_timeout_work',
      'process_one_work', 'worker_thread', 'kthread', 'ret_from_fork'],
    modules: 'server', taint: 'W', noise: 1,
  },
  {
    id: 'ext4-dirty-inode', cls: 'warning', comm: 'kworker/u16:2',
    reason: 'WARNING: CPU: {cpu} PID: {pid} at fs/ext4/inode.c:3602 ext4_set_page_dirty+0x3e/0x50',
    frames: ['dump_stack', '__warn', 'ext4_set_page_dirty', 'set_page_dirty', 'write_cache_pages',
      '? ext4_writepages', 'ext4_writepages', 'do_writepages', '__writeback_single_inode',
      'writeback_sb_inodes', 'wb_writeback', 'wb_workfn', 'process_one_work', 'worker_thread',
      'kthread', 'ret_from_fork'],
    modules: 'desktop', taint: 'W', noise: 2,
  },
  {
    id: 'netdev-watchdog', cls: 'warning', comm: 'swapper/{cpu}',
    reason: 'NETDEV WATCHDOG: enp0s31f6 (e1000e): transmit queue 0 timed out',
    bare: true, modules: 'desktop',
  },
  {
    id: 'list-del-corruption', cls: 'warning', comm: 'systemd-udevd',
    reason: 'list_del corruption. prev->next should be ffff{addr16}, but was dead000000000100',
    frames: ['dump_stack', '__warn', 'warn_slowpath_fmt', '__list_del_entry_valid', 'usb_hcd_unlink_urb_from_ep',
      'xhci_giveback_urb_in_irq', 'xhci_handle_event', 'xhci_irq', '__handle_irq_event_percpu',
      'handle_irq_event', 'handle_edge_irq', '? common_interrupt'],
    modules: 'laptop', taint: 'W', noise: 1,
  },
  {
    /* new in the newest Clear Linux kernel */
    id: 'amdgpu-fence-regression', cls: 'warning', comm: 'kworker/{cpu}:2', newIn: -1, os: ['clear'],
    reason: 'WARNING: CPU: {cpu} PID: {pid} at drivers/gpu/drm/amd/amdgpu/amdgpu_fence.c:617 amdgpu_fence_driver_hw_fini+0xf0/0x110 [amdgpu]',
    frames: ['dump_stack', '__warn', 'amdgpu_fence_driver_hw_fini', 'amdgpu_device_fini_hw',
      'amdgpu_driver_unload_kms', 'amdgpu_pci_remove', 'pci_device_remove', 'device_release_driver_internal',
      'pci_stop_bus_device', 'pci_stop_and_remove_bus_device_locked', 'remove_store', 'kernfs_fop_write_iter',
      'vfs_write', 'ksys_write', 'do_syscall_64', 'entry_SYSCALL_64_after_hwframe'],
    modules: 'gpu', taint: 'W', noise: 1,
  },
  {
    id: 'fat-null-deref', cls: 'bug', comm: 'umount',
    reason: 'BUG: unable to handle kernel NULL pointer dereference at 0000000000000118',
    frames: ['fat_detach', 'fat_evict_inode', 'evict', 'dispose_list', 'evict_inodes',
      'generic_shutdown_super', 'kill_block_super', 'system_call_fastpath'],
    modules: 'desktop', regs: true, noise: 0,
  },
  {
    id: 'nvidia-paging', cls: 'bug', comm: 'Xorg',
    reason: 'BUG: unable to handle kernel paging request at 0000000000002658',
    frames: ['? _nv007312rm', '? _nv007847rm', '? _nv004049rm', '? _nv004049rm', '? _nv010019rm',
      '? _nv014983rm', '? _nv001097rm', '? rm_init_adapter', 'nv_kern_open', '? chrdev_open',
      '? do_dentry_open', '? cdev_put', '? finish_open', '? do_last', '? inode_permission',
      'link_path_walk', 'path_openat', '? do_filp_open', '? __alloc_fd', '? do_sys_open',
      '? __audit_syscall_entry', '? sys_open', '? system_call_fastpath'],
    modules: 'nvidia', taint: 'PO', regs: true, noise: 0, forms: ['desktop', 'laptop'],
  },
  {
    id: 'gpf-btrfs', cls: 'bug', comm: 'btrfs-transacti',
    reason: 'general protection fault: 0000 [#1] PREEMPT SMP NOPTI',
    frames: ['btrfs_search_slot', '? btrfs_lookup_extent_info', 'btrfs_lookup_extent_info',
      'walk_down_proc', 'walk_down_tree', 'btrfs_drop_snapshot', '? btrfs_clean_one_deleted_snapshot',
      'btrfs_clean_one_deleted_snapshot', 'cleaner_kthread', '? btree_submit_bio_hook', 'kthread',
      '? kthread_complete_and_exit', 'ret_from_fork'],
    modules: 'server', regs: true, noise: 1,
  },
  {
    id: 'slub-kernel-bug', cls: 'bug', comm: 'kswapd0',
    reason: 'kernel BUG at mm/slub.c:305!',
    frames: ['kmem_cache_free', '? free_buffer_head', 'free_buffer_head', 'try_to_free_buffers',
      'shrink_page_list', 'shrink_inactive_list', 'shrink_lruvec', 'shrink_node', 'balance_pgdat',
      'kswapd', '? finish_wait', 'kthread', 'ret_from_fork'],
    modules: 'server', regs: true, noise: 1,
  },
  {
    id: 'sched-atomic', cls: 'bug', comm: 'kworker/{cpu}:2',
    reason: 'BUG: scheduling while atomic: kworker/{cpu}:2/{pid}/0x00000002',
    frames: ['dump_stack', '__schedule_bug', '__schedule', 'schedule', 'schedule_timeout',
      '? __next_timer_interrupt', 'msleep', 'i2c_hid_set_power', 'i2c_hid_runtime_suspend',
      'rpm_callback', 'rpm_suspend', 'pm_runtime_work', 'process_one_work', 'worker_thread', 'kthread',
      'ret_from_fork'],
    modules: 'laptop', noise: 1,
  },
  {
    id: 'soft-lockup', cls: 'bug', comm: 'kworker/{cpu}:0',
    reason: 'BUG: soft lockup - CPU#{cpu} stuck for 22s! [kworker/{cpu}:0:{pid}]',
    frames: ['_raw_spin_lock_irqsave', 'mlx5_cmd_exec', 'mlx5_core_query_vport_counter',
      'mlx5e_update_stats_work', 'process_one_work', 'worker_thread', '? process_one_work', 'kthread',
      'ret_from_fork'],
    modules: 'server', regs: true, noise: 0, forms: ['server'],
  },
  {
    id: 'i915-null-regression', cls: 'bug', comm: 'gnome-shell', newIn: -1, os: ['clear'],
    reason: 'BUG: unable to handle kernel NULL pointer dereference at 0000000000000008',
    frames: ['intel_plane_atomic_check_with_state', 'intel_plane_atomic_check', 'drm_atomic_helper_check_planes',
      'intel_atomic_check', 'drm_atomic_check_only', 'drm_atomic_commit', 'drm_mode_atomic_ioctl',
      '? drm_atomic_set_property', 'drm_ioctl_kernel', 'drm_ioctl', 'do_vfs_ioctl', 'ksys_ioctl',
      'do_syscall_64', 'entry_SYSCALL_64_after_hwframe'],
    modules: 'gpu', regs: true, noise: 1, forms: ['laptop', 'nuc', 'desktop'],
  },
  {
    id: 'panic-vfs-root', cls: 'panic', comm: 'swapper/0',
    reason: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    frames: ['dump_stack', 'panic', 'mount_block_root', 'prepare_namespace', 'kernel_init_freeable',
      '? rest_init', 'kernel_init', 'ret_from_fork'],
    modules: 'none', noise: 0,
  },
  {
    id: 'panic-fatal-exception', cls: 'panic', comm: 'swapper/{cpu}',
    reason: 'Kernel panic - not syncing: Fatal exception in interrupt',
    frames: ['dump_stack', 'panic', 'oops_end', 'die', 'do_trap', 'do_error_trap', '? e1000_clean_rx_irq',
      'do_invalid_op', 'invalid_op', 'e1000_clean', 'net_rx_action', '__do_softirq', 'irq_exit',
      'do_IRQ', 'common_interrupt'],
    modules: 'desktop', taint: 'D', noise: 0,
  },
];

/* Module lists for the "Modules linked in:" line, by kind of machine. */
const MODULE_SETS = {
  none: null,
  gpu: 'i915 drm_buddy drm_display_helper ttm cec rc_core drm_kms_helper intel_gtt snd_hda_codec_hdmi snd_hda_intel snd_intel_dspcfg snd_hda_codec snd_hwdep snd_hda_core snd_pcm snd_timer snd soundcore x86_pkg_temp_thermal intel_powerclamp coretemp kvm_intel kvm irqbypass crct10dif_pclmul crc32_pclmul ghash_clmulni_intel aesni_intel crypto_simd cryptd rapl intel_cstate e1000e mei_me mei i2c_i801 i2c_smbus lpc_ich video wmi drm fuse',
  laptop: 'iwlmvm mac80211 libarc4 iwlwifi cfg80211 btusb btrtl btintel btbcm bluetooth ecdh_generic ecc uvcvideo videobuf2_vmalloc videobuf2_memops videobuf2_v4l2 videodev mc snd_sof_pci_intel_tgl snd_sof_intel_hda_common snd_sof snd_soc_core snd_hda_intel snd_pcm thinkpad_acpi ledtrig_audio platform_profile i2c_hid_acpi i2c_hid hid_multitouch intel_lpss_pci intel_lpss nvme nvme_core xhci_pci xhci_hcd i915 drm_kms_helper drm fuse',
  desktop: 'snd_hda_codec_realtek snd_hda_codec_generic snd_hda_intel snd_hda_codec snd_hda_core snd_pcm snd_timer snd soundcore e1000e ptp pps_core ahci libahci libata sd_mod usbhid hid_generic xhci_pci xhci_hcd ext4 mbcache jbd2 crc16 fat vfat btrfs xor raid6_pq zstd_compress coretemp kvm_intel kvm irqbypass fuse',
  server: 'mlx5_ib ib_uverbs ib_core mlx5_core mlxfw psample tls pci_hyperv_intf nvme nvme_core t10_pi ipmi_ssif ipmi_si ipmi_devintf ipmi_msghandler acpi_ipmi intel_rapl_msr intel_rapl_common skx_edac nfit libnvdimm x86_pkg_temp_thermal coretemp kvm_intel kvm irqbypass btrfs xor raid6_pq megaraid_sas i40e ixgbe mdio dca ahci libahci libata sd_mod dm_mod fuse',
  nvidia: 'nf_conntrack_netbios_ns nf_conntrack_broadcast ipt_MASQUERADE ip6table_mangle ip6t_REJECT nf_conntrack_ipv6 nf_defrag_ipv6 iptable_nat nf_nat_ipv4 nf_nat iptable_mangle nf_conntrack_ipv4 nf_defrag_ipv4 xt_conntrack nf_conntrack rfcomm bnep nls_utf8 hfsplus binfmt_misc snd_hda_codec_hdmi arc4 joydev iTCO_wdt iTCO_vendor_support nvidia(POF) coretemp microcode uvcvideo videobuf2_vmalloc videobuf2_core videodev i2c_i801 btusb bluetooth snd_hda_intel snd_hda_codec rfkill snd_hwdep snd_pcm lpc_ich mfd_core snd_timer snd soundcore kvm_intel kvm uinput crc32c_intel i915 i2c_algo_bit drm_kms_helper drm i2c_core video usb_storage sunrpc',
  vbox: 'vboxpci(OE) vboxnetadp(OE) vboxnetflt(OE) vboxdrv(OE) snd_hda_codec_hdmi snd_hda_codec_realtek snd_hda_intel snd_hda_codec snd_hwdep snd_pcm snd_timer snd soundcore x86_pkg_temp_thermal coretemp kvm_intel kvm e1000e ptp pps_core i915 drm_kms_helper drm wmi video',
};

/* BERT (bert/debug) payload bodies, after the Reason line */
const BERT_BODIES = [
  ['[Hardware Error]: event severity: fatal', '[Hardware Error]:  Error 0, type: fatal',
    '[Hardware Error]:   section type: unknown, 81212a96-09ed-4996-9471-8d729c8e69ed'],
  ['[Hardware Error]: event severity: fatal', '[Hardware Error]:  Error 0, type: fatal',
    '[Hardware Error]:   section_type: memory error', '[Hardware Error]:   physical_address: 0x00000041c4e1a000',
    '[Hardware Error]:   node: 1 card: 3 module: 0 rank: 1 bank: 2 row: 20513 column: 592'],
];

/* ------------------------------------------------------------------ */
/* Machine check errors (mcelog).                                      */

/*
 * One entry per kind of error.  status is the full IA32_MCi_STATUS value
 * (its bits agree with the class: UC, S, AR, PCC); banks are per CPU family
 * ('client', 'skx', 'amd'); mca and transaction are mcelog's decoding.
 */
const MCE_ERRORS = [
  {
    cls: 'corrected', weight: 30, status: '8c00004000010090', banks: { client: [7, 8], skx: [13, 14], amd: [15, 16] },
    mca: 'MEMORY CONTROLLER RD_CHANNEL0_ERR', tx: 'Memory read error', addr: true, misc: true,
  },
  {
    cls: 'corrected', weight: 25, status: '9c00000000010091', banks: { client: [7, 8], skx: [15, 16], amd: [17, 18] },
    mca: 'MEMORY CONTROLLER RD_CHANNEL1_ERR', tx: 'Memory read error', addr: true, misc: true,
  },
  {
    cls: 'corrected', weight: 14, status: '8c000047000800c1', banks: { client: [7], skx: [13, 17], amd: [16] },
    mca: 'MEMORY CONTROLLER MS_CHANNEL1_ERR', tx: 'Memory scrubbing error', addr: true, misc: true,
  },
  {
    cls: 'corrected', weight: 6, status: 'cc00008000010092', banks: { client: [8], skx: [18], amd: [18] },
    mca: 'MEMORY CONTROLLER RD_CHANNEL2_ERR', tx: 'Memory read error', addr: true, misc: true, over: true,
  },
  {
    cls: 'corrected', weight: 8, status: '9000004000040135', banks: { client: [1], skx: [1], amd: [0] },
    mca: 'DCACHE Level-1 DATA-READ Error', tx: 'Data read error',
  },
  {
    cls: 'corrected', weight: 5, status: '9400004000040150', banks: { client: [0], skx: [0], amd: [1] },
    mca: 'ICACHE Level-0 Instruction-Fetch Error', tx: 'Instruction fetch error', addr: true,
  },
  {
    cls: 'corrected', weight: 7, status: '9000004000010005', banks: { client: [3], skx: [4], amd: [5] },
    mca: 'Internal parity error', tx: 'Generic error',
  },
  {
    cls: 'corrected', weight: 6, status: '9400000000000e0b', banks: { client: [6], skx: [6], amd: [22] },
    mca: 'BUS Level-3 Generic Generic Error', tx: 'Generic I/O error', addr: true,
  },
  {
    cls: 'UCNA', weight: 4, status: 'bc00000000010090', banks: { client: [7], skx: [13], amd: [15] },
    mca: 'MEMORY CONTROLLER RD_CHANNEL0_ERR', tx: 'Memory read error', addr: true, misc: true,
  },
  {
    cls: 'UCNA', weight: 2, status: 'b400000000000e0b', banks: { client: [6], skx: [6], amd: [22] },
    mca: 'BUS Level-3 Generic Generic Error', tx: 'Generic I/O error', addr: true,
  },
  {
    cls: 'SRAO', weight: 3, status: 'bd000000000000c1', banks: { client: [7], skx: [14], amd: [16] },
    mca: 'MEMORY CONTROLLER MS_CHANNEL1_ERR', tx: 'Memory scrubbing error', addr: true, misc: true,
  },
  {
    cls: 'SRAO', weight: 2, status: 'bd0000000000017a', banks: { client: [2], skx: [2], amd: [2] },
    mca: 'Generic CACHE Level-2 Eviction Error', tx: 'Cache eviction error', addr: true, misc: true,
  },
  {
    cls: 'SRAR', weight: 2, status: 'bd80000000100134', banks: { client: [1], skx: [1], amd: [0] },
    mca: 'DCACHE Level-1 DATA-READ Error', tx: 'Data load poison', addr: true, misc: true,
  },
  {
    cls: 'SRAR', weight: 1, status: 'bd80000000100150', banks: { client: [0], skx: [0], amd: [1] },
    mca: 'ICACHE Level-0 Instruction-Fetch Error', tx: 'Instruction fetch poison', addr: true, misc: true,
  },
];

for (const id of Object.keys(GLIBC)) GLIBC[id].id = id;

module.exports = {
  PLATFORMS, GLIBC, CLEAR_BUILDS, CLEAR_OLD_BUILDS, OSES,
  IDLE_THREADS, CRASHES, CRASH_TAIL, UNWIND_ERRORS, THIRD_PARTY,
  OOPSES, MODULE_SETS, BERT_BODIES, MCE_ERRORS,
};
