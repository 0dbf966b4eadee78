// views/crashes.js: top crashes (per-build columns, a build filter, pages,
// comment and hide), a guilty group's details and backtraces (the chosen
// frame highlighted, "why this group"), the crash rate per 1000 machines,
// and the groups new in a build.

import {
  api, append, bar, dialog, ellipsis, empty, errorBox, field, fmtInt, h, isAdmin, link, loading, navigate,
  payloadPre, replace, section, select, toast,
} from '../lib.js';
import { barChart } from '../charts.js';
import { explain } from './records.js';

const DAYS = ['1', '3', '7', '14', '30'];

const guiltyText = (g) => `${g.function} - [${g.module}]`;

/** The comment / hide dialog of a group (admins). */
export function editGuilty(g, after) {
  const comment = h('input', { name: 'comment', id: 'g-comment', value: g.comment ?? '', maxlength: 1000, size: 40 });
  const hide = h('input', { type: 'checkbox', name: 'hidden', id: 'g-hidden', checked: Boolean(g.hidden) });
  const result = h('div', {});
  const id = g.guilty_id ?? g.id;
  const dlg = dialog(`Guilty group ${id}`, [
    h('p', { class: 'mono' }, guiltyText(g)),
    field('Comment', comment),
    h('label', { class: 'inline', for: 'g-hidden' }, hide, ' Hide this group from the top crashes'),
    h('div', { class: 'filter-actions' }, h('button', {
      type: 'button', class: 'primary', 'data-testid': 'save-guilty', onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await api(`/api/guilties/${encodeURIComponent(id)}`, { method: 'POST', body: { comment: comment.value.trim() || null, hidden: hide.checked } });
          dlg.close();
          toast(r.hidden ? 'Saved; the group is hidden.' : 'Saved.');
          after(r);
        } catch (e) {
          replace(result, errorBox(e));
          ev.target.disabled = false;
        }
      },
    }, 'Save')),
    result,
  ]);
}

export function renderCrashes(view, route, ctx) {
  const p = route.params;
  const params = {
    days: DAYS.includes(p.get('days')) ? p.get('days') : '7',
    builds: p.get('builds') || '8',
    build: p.get('build') || 'overall',
    page: p.get('page') || '1',
    page_size: p.get('page_size') || '10',
  };
  const go = (over) => navigate('crashes', null, { ...params, ...over });
  const controls = h('form', { class: 'filters inline-filters' },
    field('Window', select('days', DAYS.map((d) => [d, `last ${d} day${d === '1' ? '' : 's'}`]), params.days, { onchange: (e) => go({ days: e.target.value, page: '1' }) })),
    field('Builds', select('builds', ['4', '8', '12', '20'].map((b) => [b, `${b} latest`]), params.builds, { onchange: (e) => go({ builds: e.target.value, page: '1' }) })),
    field('Rank by', h('span', { id: 'build-filter' }, params.build === 'overall' ? 'all builds' : `build ${params.build}`,
      params.build !== 'overall' ? h('button', { type: 'button', class: 'link', onclick: () => go({ build: 'overall', page: '1' }) }, ' (all builds)') : null)),
    field('Per page', select('page_size', ['10', '25', '50', '100'].map((s) => [s, s]), params.page_size, { onchange: (e) => go({ page_size: e.target.value, page: '1' }) })));
  const body = h('div', {}, loading('top crashes'));
  append(view, h('h1', {}, 'Top crashes'), controls, body);
  api('/api/crashes', { params }).then((d) => {
    if (!ctx.current()) return;
    replace(body, crashTable(d, params, go));
  }, (e) => replace(body, errorBox(e)));
}

function crashTable(d, params, go) {
  const caption = `Top crashes in the last ${d.days} day${d.days === 1 ? '' : 's'}, over the ${d.builds.length} latest builds with crashes${d.build !== 'overall' ? `, ranked by build ${d.build}` : ''}; hidden groups left out`;
  if (!d.guilties.length) return [h('p', { class: 'muted' }, caption), empty('No crashes to show.')];
  const maxTotal = Math.max(...d.guilties.map((g) => g.total), 1);
  const head = h('tr', {}, h('th', {}, '#'), h('th', {}, 'Guilty'), h('th', {}, 'Total'),
    d.builds.map((b) => h('th', {}, h('button', { type: 'button', class: 'link', title: `Rank by build ${b.build}`, onclick: () => go({ build: b.build, page: '1' }) }, b.build))),
    h('th', {}, 'Comment'), h('th', {}, ''));
  const rows = d.guilties.map((g) => h('tr', { 'data-id': g.guilty_id },
    h('td', {}, String(g.rank)),
    h('td', {}, h('a', { href: link('guilty', g.guilty_id), title: guiltyText(g) }, ellipsis(guiltyText(g), 'w-guilty'))),
    h('td', {}, bar(g.total, maxTotal)),
    d.builds.map((b) => h('td', {}, g.builds[b.build] ? bar(g.builds[b.build], b.max, `${g.builds[b.build]} on build ${b.build}`) : '')),
    h('td', {}, ellipsis(g.comment ?? '', 'w-comment')),
    h('td', {}, isAdmin() ? h('button', { type: 'button', class: 'small', 'data-testid': 'edit-guilty', onclick: () => editGuilty(g, () => go({})) }, 'Comment / hide') : '')));
  const pages = d.pages || 1;
  const page = Number(params.page);
  return [
    h('p', { class: 'muted' }, caption, ` · ${fmtInt(d.total_guilties)} groups`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'crashes', 'data-testid': 'crashes' }, h('thead', {}, head), h('tbody', {}, rows))),
    h('nav', { class: 'pager' },
      page > 1 ? h('button', { type: 'button', onclick: () => go({ page: String(page - 1) }) }, '‹ Previous') : null,
      h('span', {}, `Page ${page} of ${pages}`),
      page < pages ? h('button', { type: 'button', class: 'primary', onclick: () => go({ page: String(page + 1) }) }, 'Next ›') : null),
  ];
}

// ---------------------------------------------------------------------------
// A guilty group

export function renderGuilty(view, route, ctx) {
  const id = route.arg;
  const p = route.params;
  const filt = { machine_id: p.get('machine_id') || '', build: p.get('build') || '', cursor: p.get('cursor') || '' };
  const head = h('div', {}, loading('the group'));
  const builds = h('div', {});
  const traces = h('div', {});
  append(view, head, builds, traces);
  api(`/api/guilties/${encodeURIComponent(id)}`).then((d) => {
    if (!ctx.current()) return;
    const g = d.guilty;
    const info = h('dl', { class: 'details' },
      h('dt', {}, 'Guilty Id'), h('dd', {}, String(g.id)),
      h('dt', {}, 'Function'), h('dd', { class: 'mono' }, g.function),
      h('dt', {}, 'Module'), h('dd', { class: 'mono' }, g.module),
      h('dt', {}, 'Comment'), h('dd', {}, g.comment ?? ''),
      h('dt', {}, 'Hidden'), h('dd', {}, g.hidden ? 'yes' : 'no'),
      h('dt', {}, 'Crashes'), h('dd', {}, fmtInt(d.crashes)),
      h('dt', {}, 'First seen'), h('dd', {}, g.created_at ?? ''));
    replace(head, h('h1', {}, 'Guilty group ', h('span', { class: 'mono' }, guiltyText(g))),
      h('div', { class: 'card' }, info, isAdmin() ? h('button', { type: 'button', 'data-testid': 'edit-guilty', onclick: () => editGuilty(g, () => navigate('guilty', id, filt)) }, 'Comment / hide / unhide') : null));
    replace(builds, perBuild(d, id));
  }, (e) => replace(head, errorBox(e, e.status === 404 ? 'Not found' : 'Guilty group')));
  replace(traces, section('Backtraces', () => backtraces(id, filt)));
}

function perBuild(d, id) {
  if (!d.builds.length) return empty('No Machine ID mappings found for this guilty group.');
  const maxC = Math.max(1, ...d.builds.map((b) => b.crashes));
  return h('section', { class: 'card' }, h('h2', {}, 'Crashes and machines per build'),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'guilty-builds' },
      h('thead', {}, h('tr', {}, ['Build', 'Crashes', 'Machines', 'First day', 'Last day', 'Backtraces', 'Machines that crashed most'].map((c) => h('th', {}, c)))),
      h('tbody', {}, d.builds.map((b) => {
        const max = Math.max(1, ...b.top_machines.map((m) => m.crashes));
        return h('tr', {},
          h('td', {}, h('a', { href: link('records', null, { build: b.build, classification: 'org.clearlinux/*' }) }, b.build)),
          h('td', {}, bar(b.crashes, maxC)), h('td', {}, fmtInt(b.machines)),
          h('td', { class: 'nowrap' }, b.first_day ?? ''), h('td', { class: 'nowrap' }, b.last_day ?? ''),
          h('td', {}, h('a', { href: link('guilty', id, { build: b.build }) }, 'view')),
          h('td', {}, h('details', {}, h('summary', {}, `${b.top_machines.length} machine${b.top_machines.length === 1 ? '' : 's'}`),
            h('table', { class: 'inner' }, h('tbody', {}, b.top_machines.map((m) => h('tr', {},
              h('td', { class: 'mono' }, ellipsis(m.machine_id, 'w-id')),
              h('td', {}, bar(m.crashes, max)),
              h('td', {}, h('a', { href: link('records', null, { machine_id: m.machine_id }) }, 'records')),
              h('td', {}, h('a', { href: link('guilty', id, { machine_id: m.machine_id, build: b.build }) }, 'backtraces')))))))));
      })))));
}

/** Does a payload line show the group's frame?  Plain string tests, no regular expression from data. */
function isGuiltyLine(line, g) {
  const l = line.trim();
  if (!/^#\d+ /.test(l)) return false;
  const rest = l.replace(/^#\d+ (\? )?/, '');
  return rest.startsWith(`${g.function} - [${g.module}]`) || rest.startsWith(`${g.function} -`) && rest.includes(`[${g.module}]`);
}

async function backtraces(id, filt) {
  const d = await api(`/api/guilties/${encodeURIComponent(id)}/backtraces`, { params: { ...filt, page_size: '20' } });
  const g = d.guilty;
  const out = [];
  if (filt.machine_id || filt.build) {
    out.push(h('p', {}, 'Only ', filt.machine_id ? ['machine ', h('code', {}, filt.machine_id), ' '] : '', filt.build ? ['build ', h('code', {}, filt.build)] : '',
      ' · ', h('a', { href: link('guilty', id) }, 'all')));
  }
  if (!d.records.length) {
    out.push(empty('No stored crash of this group matches.'));
    return out;
  }
  for (const r of d.records) {
    const why = h('div', { class: 'why-box' });
    const proc = /^Process: (.*)$/m.exec(r.payload || '');
    const sig = /^Signal: (.*)$/m.exec(r.payload || '');
    out.push(h('article', { class: 'backtrace', 'data-id': r.id },
      h('header', {},
        h('a', { href: link('record', r.id) }, `Record ${r.id}`),
        ` · ${proc ? proc[1] : r.classification} · ${sig ? `signal ${sig[1]} · ` : ''}build ${r.build} · `,
        h('span', { class: 'mono' }, r.machine_id), ` · ${r.ts_reception}`,
        ' ', h('button', {
          type: 'button', class: 'small', 'data-testid': 'why-button', onclick: async (ev) => {
            ev.target.disabled = true;
            replace(why, loading());
            try { replace(why, await explain(r.id)); } catch (e) { replace(why, errorBox(e)); }
          },
        }, 'Why this group?')),
      payloadPre(r.payload, (line) => isGuiltyLine(line, g)),
      why));
  }
  if (d.next_cursor) out.push(h('nav', { class: 'pager' }, h('a', { class: 'button', href: link('guilty', id, { ...filt, cursor: d.next_cursor }) }, 'Older ›')));
  return out;
}

// ---------------------------------------------------------------------------
// Crash rate and new in build

export function renderRate(view, route, ctx) {
  const p = route.params;
  const params = { days: p.get('days') || '7', builds: p.get('builds') || '8' };
  const go = (over) => navigate('rate', null, { ...params, ...over });
  append(view, h('h1', {}, 'Crash rate per 1000 machines'),
    h('form', { class: 'filters inline-filters' },
      field('Window', select('days', ['1', '7', '14', '30', '90'].map((d) => [d, `last ${d} days`]), params.days, { onchange: (e) => go({ days: e.target.value }) })),
      field('Builds', select('builds', ['4', '8', '12', '20'].map((b) => [b, `${b} latest`]), params.builds, { onchange: (e) => go({ builds: e.target.value }) }))),
    section('', async () => {
      const d = await api('/api/crashes/rate', { params });
      if (!d.builds.length) return empty('No active machines on numeric builds in this window.');
      const builds = [...d.builds].reverse();
      return [
        h('p', { class: 'muted' }, `Crashes (${d.classes.join(', ')}) received in the last ${d.days} days per 1000 machines active on the build in that window.`),
        barChart(builds.map((b) => b.build), [{ label: 'crashes per 1000 machines', data: builds.map((b) => b.per_1000_machines) }], { x: 'Builds', y: 'per 1000 machines' }),
        h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'rate' },
          h('thead', {}, h('tr', {}, ['Build', 'Active machines', 'Crashes', 'Per 1000 machines'].map((c) => h('th', {}, c)))),
          h('tbody', {}, d.builds.map((b) => h('tr', {}, h('td', {}, b.build), h('td', {}, fmtInt(b.machines)), h('td', {}, fmtInt(b.crashes)),
            h('td', {}, Number(b.per_1000_machines).toLocaleString('en-US', { maximumFractionDigits: 1 }))))))),
      ];
    }));
}

export function renderNew(view, route, ctx) {
  const p = route.params;
  const params = { build: p.get('build') || '', page: p.get('page') || '1', page_size: '20' };
  const go = (over) => navigate('new', null, { build: params.build, page: params.page, ...over });
  const picker = h('form', { class: 'filters inline-filters' }, loading('builds'));
  const body = h('div', {}, loading('new groups'));
  append(view, h('h1', {}, 'New in build'), picker, body);
  api('/api/records/filters').then((f) => {
    const numeric = (f.builds || []).filter((b) => /^[0-9]+$/.test(b));
    replace(picker, field('Build', select('build', [['', 'latest with a crash'], ...numeric.map((b) => [b, b])], params.build, { onchange: (e) => go({ build: e.target.value, page: '1' }) })));
  }, (e) => replace(picker, errorBox(e)));
  api('/api/crashes/new', { params }).then((d) => {
    if (!ctx.current()) return;
    const head = h('p', {}, d.build ? `Guilty groups with crashes on build ${d.build} and on no earlier numeric build${d.previous_build ? ` (the previous build is ${d.previous_build})` : ''}.` : 'No numeric build has crashes yet.');
    if (!d.guilties.length) { replace(body, head, empty('Nothing new in this build.')); return; }
    const page = Number(d.page);
    replace(body, head, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'new' },
      h('thead', {}, h('tr', {}, ['#', 'Guilty', 'Crashes', 'Machines', 'First day', 'Comment', ''].map((c) => h('th', {}, c)))),
      h('tbody', {}, d.guilties.map((g) => h('tr', {},
        h('td', {}, String(g.rank)),
        h('td', {}, h('a', { href: link('guilty', g.guilty_id) }, ellipsis(guiltyText(g), 'w-guilty'))),
        h('td', {}, fmtInt(g.crashes)), h('td', {}, fmtInt(g.machines)), h('td', {}, g.first_day ?? ''),
        h('td', {}, ellipsis(g.comment ?? '', 'w-comment')),
        h('td', {}, g.hidden ? h('span', { class: 'tag warn' }, 'hidden') : '')))))),
    h('nav', { class: 'pager' },
      page > 1 ? h('button', { type: 'button', onclick: () => go({ page: String(page - 1) }) }, '‹ Previous') : null,
      h('span', {}, `Page ${page} of ${d.pages || 1} · ${fmtInt(d.total_guilties)} groups`),
      page < d.pages ? h('button', { type: 'button', onclick: () => go({ page: String(page + 1) }) }, 'Next ›') : null));
  }, (e) => replace(body, errorBox(e)));
}
