// views/records.js: the records list (every filter of the reference,
// cursor pages with a page size, the payload viewer, CSV export, a "new
// records" indicator with optional auto-refresh) and one record's details
// with the classification of its crash, frame by frame.

import {
  api, append, dialog, ellipsis, empty, errorBox, field, fmtInt, followJob, h, isAdmin, link, loading, navigate,
  payloadPre, query, replace, section, select, severityBadge, showPayload, timeSince, toast,
} from '../lib.js';

// Filters kept in the URL (the search API's parameters) and the UI's own.
const FILTERS = ['system_name', 'build', 'classification', 'severity', 'machine_id', 'from_date', 'to_date',
  'data_source', 'payload', 'not_payload'];
const PAGE_SIZES = ['10', '25', '50', '100', '250', '1000'];
const POLL_MS = 15000;

/** The search parameters of the current URL. */
function filtersOf(params) {
  const f = {};
  for (const k of FILTERS) if (params.get(k)) f[k] = params.get(k);
  return f;
}

// cursors of the pages before this one, per filter set, for "Previous"
const history = new Map();

export function renderRecords(view, route, ctx) {
  const p = route.params;
  const filters = filtersOf(p);
  const pageSize = PAGE_SIZES.includes(p.get('page_size')) ? p.get('page_size') : '50';
  const cursor = p.get('cursor') || '';
  const auto = p.get('auto') === '1';
  const key = query(filters) + `&${pageSize}`;
  const form = h('form', { class: 'filters', 'data-testid': 'filters' }, loading('filters'));
  const results = h('div', { class: 'results' }, loading('records'));
  const banner = h('div', { class: 'new-records', hidden: true, 'aria-live': 'polite' });
  append(view, h('h1', {}, 'Records'), form, banner, results);

  const go = (over) => navigate('records', null, { ...filters, page_size: pageSize !== '50' ? pageSize : '', auto: auto ? '1' : '', ...over });

  // the filter form, from the filter choices
  api('/api/records/filters').then((choices) => {
    if (!ctx.current()) return;
    buildForm(form, choices, filters, pageSize, auto, go);
  }, (e) => replace(form, errorBox(e, 'Filter choices')));

  // the page
  let newestId = null;
  let timer = null;
  const load = async () => {
    let data;
    try {
      data = await api('/api/records/search', { params: { ...filters, page_size: pageSize, cursor } });
    } catch (e) {
      replace(results, errorBox(e, 'Search'));
      return;
    }
    if (!ctx.current()) return;
    if (!cursor && data.records.length) newestId = data.records[0].id;
    replace(results, renderResults(data, { filters, pageSize, cursor, key, go }));
  };
  load();

  // new records: look for a newer first record every POLL_MS (first page only)
  const poll = async () => {
    if (cursor || !ctx.current()) return;
    try {
      const d = await api('/api/records/search', { params: { ...filters, page_size: '1' } });
      if (!ctx.current()) return;
      const top = d.records.length ? d.records[0].id : null;
      if (top !== null && (newestId === null || top > newestId)) {
        if (auto) {
          load();
          toast('New records loaded.');
        } else {
          replace(banner, 'New records have arrived. ',
            h('button', { type: 'button', class: 'link', onclick: () => { banner.hidden = true; load(); } }, 'Show them'));
          banner.hidden = false;
        }
      }
    } catch { /* the next poll will tell */ }
  };
  if (!cursor) timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}

function buildForm(form, choices, filters, pageSize, auto, go) {
  const systems = choices.systems || [];
  const buildsFor = (os) => {
    const s = systems.find((x) => x.system_name === os);
    return s ? s.builds : choices.builds;
  };
  // (records without a System-Name cannot be selected: an empty value means "any")
  const osSel = select('system_name', [['', 'All'], ...systems.filter((s) => s.system_name !== '').map((s) => [s.system_name, s.system_name])], filters.system_name);
  const buildSel = select('build', [['', 'All'], ...buildsFor(filters.system_name).map((b) => [b, b])], filters.build);
  // changing the OS keeps only its builds (the reference's os_map, as data, not as script)
  osSel.addEventListener('change', () => {
    replace(buildSel, [['', 'All'], ...buildsFor(osSel.value).map((b) => [b, b])].map(([v, l]) => h('option', { value: v }, l)));
  });
  const classes = choices.classification_patterns || [];
  const cls = filters.classification && !classes.includes(filters.classification) ? [...classes, filters.classification] : classes;
  const controls = [
    field('OS', osSel),
    field('Build', buildSel),
    field('Classification', select('classification', [['', 'All'], ...cls.map((c) => [c, c])], filters.classification)),
    field('Severity', select('severity', [['', 'All'], ...(choices.severities || []).map((s) => [s.value, `${s.value} - ${s.label}`])], filters.severity)),
    field('Machine ID', h('input', { name: 'machine_id', id: 'f-machine_id', value: filters.machine_id || '', maxlength: 32, autocomplete: 'off', spellcheck: 'false' })),
    field('From (UTC day)', h('input', { type: 'date', name: 'from_date', id: 'f-from_date', value: filters.from_date || '' })),
    field('To (UTC day)', h('input', { type: 'date', name: 'to_date', id: 'f-to_date', value: filters.to_date || '' })),
    field('Source', select('data_source', [['', 'All'], ['internal', 'Internal'], ['external', 'External']], filters.data_source)),
    field('Payload contains', h('input', { name: 'payload', id: 'f-payload', value: filters.payload || '', maxlength: 200, placeholder: 'text, case-insensitive' })),
    field('Payload does not contain', h('input', { name: 'not_payload', id: 'f-not_payload', value: filters.not_payload || '', maxlength: 200 })),
    field('Page size', select('page_size', PAGE_SIZES.map((s) => [s, s]), pageSize)),
  ];
  const autoBox = h('input', { type: 'checkbox', name: 'auto', id: 'f-auto', checked: auto });
  replace(form,
    h('div', { class: 'filter-grid' }, controls),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      h('button', { type: 'button', onclick: () => navigate('records', null, {}) }, 'Reset'),
      h('a', {
        class: 'button', href: `/api/records/export.csv?${query(filters)}`, download: 'records.csv', 'data-testid': 'csv',
        title: 'The records these filters select, newest first, at most 10,000 (CSV, RFC 4180)',
      }, 'Export CSV'),
      h('label', { class: 'inline', for: 'f-auto' }, autoBox, ' Auto-refresh')));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const over = {};
    for (const k of FILTERS) over[k] = (fd.get(k) || '').trim();
    over.page_size = fd.get('page_size') !== '50' ? fd.get('page_size') : '';
    over.auto = autoBox.checked ? '1' : '';
    over.cursor = '';
    navigate('records', null, over);
  };
  autoBox.addEventListener('change', () => go({ auto: autoBox.checked ? '1' : '', cursor: '' }));
}

function renderResults(data, { filters, pageSize, cursor, key, go }) {
  const out = [];
  let total;
  if (data.total === null || data.total === undefined) total = 'Records found: unknown (payload search)';
  else total = `Records found: ${Number(data.total).toLocaleString('en-US')}${data.total_exact === false ? '+' : ''}`;
  out.push(h('div', { class: 'summary', 'data-testid': 'total' }, total,
    data.partial ? h('span', { class: 'muted' }, ` · looked at ${data.scanned} records; more may match further back`) : null));
  if (!data.records.length) {
    out.push(empty(data.partial ? 'No match among the records looked at so far: try "Next" to continue searching.' : 'No records match these filters.'));
  } else {
    const rows = data.records.map((r) => h('tr', { 'data-id': r.id },
      h('td', {}, h('a', { href: link('record', r.id) }, String(r.id))),
      h('td', {}, h('span', { class: r.external ? 'tag ext' : 'tag int' }, r.external ? 'external' : 'internal')),
      h('td', { class: 'mono' }, ellipsis(r.machine_id, 'w-id')),
      h('td', { title: r.ts_reception, class: 'nowrap' }, timeSince(r.ts_reception)),
      h('td', {}, severityBadge(r.severity)),
      h('td', {}, ellipsis(String(r.classification).replace(/^org\.clearlinux\//, ''), 'w-class')),
      h('td', {}, ellipsis(r.system_name, 'w-os')),
      h('td', {}, ellipsis(r.build, 'w-build')),
      h('td', {}, r.guilty ? h('a', { href: link('guilty', r.guilty.id), title: `${r.guilty.function} - [${r.guilty.module}]` }, ellipsis(r.guilty.function, 'w-guilty')) : ''),
      h('td', { class: 'payload-cell' }, ellipsis(r.payload, 'w-payload'),
        h('button', { type: 'button', class: 'small', title: 'Show the payload', onclick: () => showPayload(r) }, '…'))));
    out.push(h('div', { class: 'table-wrap' }, h('table', { class: 'records', 'data-testid': 'records' },
      h('thead', {}, h('tr', {}, ['Id', 'Source', 'Machine ID', 'When', 'Severity', 'Classification', 'OS', 'Build', 'Guilty', 'Payload'].map((c) => h('th', {}, c)))),
      h('tbody', {}, rows))));
  }
  // pages: a stack of the cursors before this page, kept while the filters stay
  const stack = history.get(key) || [];
  const idx = cursor ? stack.indexOf(cursor) : -1;
  const prevCursor = cursor ? (idx > 0 ? stack[idx - 1] : (idx === 0 ? '' : null)) : null;
  out.push(h('nav', { class: 'pager', 'aria-label': 'Pages' },
    cursor ? h('button', { type: 'button', onclick: () => go({ cursor: '' }) }, '« Newest') : null,
    prevCursor !== null ? h('button', { type: 'button', onclick: () => go({ cursor: prevCursor }) }, '‹ Previous') : null,
    data.next_cursor ? h('button', {
      type: 'button', class: 'primary', 'data-testid': 'next',
      onclick: () => {
        const s = (history.get(key) || []).slice(0, cursor ? Math.max(0, idx) + 1 : 0);
        if (cursor && idx < 0) s.push(cursor);
        s.push(data.next_cursor);
        history.set(key, s);
        go({ cursor: data.next_cursor });
      },
    }, 'Next ›') : null,
    h('span', { class: 'muted' }, `${data.records.length} shown, ${pageSize} per page`)));
  return out;
}

// ---------------------------------------------------------------------------
// Record details

export function renderRecord(view, route, ctx) {
  const id = route.arg;
  const head = h('h1', {}, `Record ${id}`);
  const body = h('div', {}, loading('the record'));
  append(view, head, body);
  api(`/api/records/${encodeURIComponent(id)}`).then((r) => {
    if (!ctx.current()) return;
    replace(body, recordDetails(r));
  }, (e) => replace(body, errorBox(e, e.status === 404 ? 'Not found' : 'Record')));
}

const na = (v) => (v === null || v === undefined || v === '' ? 'N/A' : String(v));

function recordDetails(r) {
  const recs = (params) => link('records', null, params);
  const dl = h('dl', { class: 'details' });
  const row = (k, v) => append(dl, [h('dt', {}, k), h('dd', {}, v)]);
  row('Record Id', String(r.id));
  row('Machine Id', h('a', { href: recs({ machine_id: r.machine_id }), class: 'mono' }, r.machine_id));
  row('Machine Type', na(r.machine_type));
  row('Operating System', na(r.system_name));
  row('Kernel Version', na(r.kernel_version));
  row('Architecture', na(r.arch));
  row('Board Name', na(r.board_name));
  row('BIOS Version', na(r.bios_version));
  row('CPU Model', na(r.cpu_model));
  row('Record Time (client)', na(r.ts_capture));
  row('Server Time', na(r.ts_reception));
  row('Build', h('a', { href: recs({ build: r.build }) }, na(r.build)));
  row('Severity', h('a', { href: recs({ severity: r.severity }) }, severityBadge(r.severity)));
  row('Classification', h('a', { href: recs({ classification: r.classification }) }, na(r.classification)));
  row('Guilty', r.guilty ? h('a', { href: link('guilty', r.guilty.id) }, `${r.guilty.function} - [${r.guilty.module}]`) : 'N/A');
  row('Event Id', na(r.event_id));
  row('Record Format Version', na(r.record_format_version));
  row('Payload Format Version', na(r.payload_format_version));
  row('External', r.external ? 'yes' : 'no');
  const out = [h('div', { class: 'card' }, dl), h('section', { class: 'card' }, h('h2', {}, 'Payload'), payloadPre(r.payload))];
  if (r.guilty || /crash|kernel/.test(String(r.classification))) out.push(section('Classification, frame by frame', () => explain(r.id)));
  return out;
}

/**
 * The explain output of a crash: every frame, what the current blacklist
 * decides for it and why; the chosen frame highlighted.  Admins can
 * blacklist a frame from here (the reference's per-record editor).
 */
export async function explain(id, { compact = false } = {}) {
  const x = await api(`/api/records/${encodeURIComponent(id)}/frames`);
  const out = [];
  const res = x.result || {};
  const guilty = x.guilty ? `${x.guilty.function} - [${x.guilty.module}]` : 'none';
  out.push(h('p', { class: 'why', 'data-testid': 'why' },
    'Stored group: ', h('strong', {}, guilty),
    x.crash_state ? ` (${x.crash_state})` : '',
    res.how ? ` · chosen by: ${res.how}` : '',
    res.function ? ` · the current blacklist gives ${res.function} - [${res.module ?? ''}]` : '',
    x.stale ? h('span', { class: 'tag warn', title: 'The stored group differs from what the current blacklist gives; reclassify to apply.' }, ' stale') : ''));
  const frames = x.frames || [];
  if (!frames.length) {
    out.push(empty('No frames were found in this payload.'));
    return out;
  }
  const rows = frames.map((f) => h('tr', { class: f.decision === 'chosen' ? 'chosen' : '' },
    h('td', {}, String(f.index ?? '')),
    h('td', { class: 'mono' }, f.function ?? ''),
    h('td', { class: 'mono' }, ellipsis(f.module ?? '', 'w-module')),
    h('td', {}, h('span', { class: `tag dec-${String(f.decision).replace(/[^a-z]/g, '')}` }, f.decision ?? '')),
    h('td', {}, f.reason ?? ''),
    compact || !isAdmin() || f.decision === 'blacklisted' || !f.function ? h('td', {}) : h('td', {},
      h('button', { type: 'button', class: 'small', onclick: () => blacklistFrame(f, id) }, 'Blacklist'))));
  out.push(h('div', { class: 'table-wrap' }, h('table', { class: 'frames', 'data-testid': 'frames' },
    h('thead', {}, h('tr', {}, ['#', 'Function', 'Module', 'Decision', 'Why', ''].map((c) => h('th', {}, c)))),
    h('tbody', {}, rows))));
  return out;
}

function blacklistFrame(f, recordId) {
  const fn = String(f.function).replace(/^\? /, '');
  const modeSel = select('match', [['exact', 'exact'], ['prefix', 'prefix']], 'exact');
  const withModule = h('input', { type: 'checkbox', checked: Boolean(f.module) });
  const result = h('div', {});
  const dlg = dialog('Blacklist this frame', [
    h('p', {}, 'Crashes whose guilty frame is ', h('code', {}, fn), ' will be given the next frame instead. The affected crashes are reclassified in the background; this dialog shows the progress.'),
    field('Match', modeSel),
    h('label', { class: 'inline' }, withModule, ` only in module ${f.module ?? '(any)'}`),
    h('div', { class: 'filter-actions' }, h('button', {
      type: 'button', class: 'primary', onclick: async (ev) => {
        ev.target.disabled = true;
        replace(result, loading('(adding the rule)'));
        try {
          const r = await api('/api/blacklist', { method: 'POST', body: { function: fn, module: withModule.checked ? f.module : null, match: modeSel.value, comment: `from record ${recordId}` } });
          const done = r.job ? await followJob(result, r.job, 'Reclassifying the affected crashes') : null;
          if (r.job && !done) return; // the failure is shown in the dialog
          dlg.close();
          toast(done ? `Rule ${r.rule.id} added; ${fmtInt(done.updated)} crashes reclassified.` : `Rule ${r.rule.id} added.`);
          navigate('record', recordId, {});
        } catch (e) {
          replace(result, errorBox(e));
          ev.target.disabled = false;
        }
      },
    }, 'Add rule')),
    result,
  ]);
}

