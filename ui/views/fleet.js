// views/fleet.js: Builds, Stats, MCE, Thermal, Population (the
// reference's charts) and the quarantine summary.

import {
  api, append, bar, ellipsis, empty, field, fmtInt, h, link, navigate, section, select,
} from '../lib.js';
import { barChart, lineChart, pieWithLegend } from '../charts.js';

const DAY_CHOICES = [['', 'all time'], ['1', 'last day'], ['7', 'last 7 days'], ['30', 'last 30 days'], ['90', 'last 90 days'], ['365', 'last year']];

/** A row of selects that navigate on change. */
function controls(view, params, items) {
  return h('form', { class: 'filters inline-filters' }, items.map(([label, name, choices]) =>
    field(label, select(name, choices, params[name] ?? '', { onchange: (e) => navigate(view, null, { ...params, [name]: e.target.value }) }))));
}

export function renderBuilds(view, route) {
  const params = { days: route.params.get('days') || '', all: route.params.get('all') || '' };
  append(view, h('h1', {}, 'Builds'),
    controls('builds', params, [['Received', 'days', DAY_CHOICES], ['Builds', 'all', [['', 'numeric only'], ['true', 'all, numeric first']]]]),
    section('Records per build', async () => {
      const d = await api('/api/builds', { params });
      if (!d.builds.length) return empty('No records yet.');
      const max = Math.max(...d.builds.map((b) => b.records));
      return [
        barChart(d.builds.map((b) => b.build), [{ label: 'Records per Build', data: d.builds.map((b) => b.records) }], { title: 'Records per Build', x: 'Builds', y: 'Records', legend: false }),
        h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'builds' },
          h('thead', {}, h('tr', {}, ['Build', 'Records'].map((c) => h('th', {}, c)))),
          h('tbody', {}, [...d.builds].reverse().map((b) => h('tr', {},
            h('td', {}, h('a', { href: link('records', null, { build: b.build }) }, b.build)),
            h('td', {}, bar(b.records, max))))))),
      ];
    }));
}

const STAT_DIMS = [['classification', 'Records per Classification', 'classification'], ['platform', 'Records per Platform', null],
  ['severity', 'Records per Severity', 'severity'], ['arch', 'Records per Architecture', null], ['os', 'Records per OS', 'system_name'],
  ['source', 'Records per Source', 'data_source']];

export function renderStats(view, route) {
  const params = { days: route.params.get('days') || '', top: route.params.get('top') || '15' };
  append(view, h('h1', {}, 'Stats'),
    controls('stats', params, [['Received', 'days', DAY_CHOICES], ['Values shown', 'top', [['10', '10'], ['15', '15'], ['50', '50']]]]),
    section('', async () => {
      const d = await api('/api/stats', { params });
      if (!d.total) return empty('No records yet.');
      return [h('p', {}, `${fmtInt(d.total)} records`, d.days ? ` received in the last ${d.days} days` : ' received in all (counts outlive the retention purge)'),
        h('div', { class: 'grid2' }, STAT_DIMS.map(([dim, title, filter]) => {
        const rows = d[dim] || [];
        const other = d.others && d.others[dim];
        const all = other ? [...rows, { value: `(${other.values} others)`, records: other.records, other: true }] : rows;
        const card = h('section', { class: 'card', 'data-testid': `stat-${dim}` }, h('h2', {}, title),
          rows.length ? pieWithLegend(all, { title: '' }) : empty('None.'));
        if (filter && rows.length) {
          append(card, h('p', { class: 'muted' }, 'Show records: ', rows.slice(0, 5).map((r, i) => [i ? ', ' : '',
            h('a', { href: link('records', null, { [filter]: r.value }) }, String(r.value))])));
        }
        return card;
      })), retention()];
    }));
}

/** What the database keeps (the retention rules; changed in SQL by an administrator). */
function retention() {
  return section('Data retention', async () => {
    const r = await api('/api/retention');
    const days = (n) => (n === 0 ? 'kept' : `${n} day${n === 1 ? '' : 's'}`);
    return [
      h('p', {}, `Records are purged after ${days(r.default_days)} by default; the oldest stored day is ${r.oldest_day ?? 'none'}; `,
        r.scheduled ? 'the purge is scheduled (pg_cron).' : 'no purge is scheduled in pg_cron (see docs/aggregates.md for the cron line).'),
      r.rules.length ? h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'retention' },
        h('thead', {}, h('tr', {}, ['Field', 'Value', 'Kept'].map((c) => h('th', {}, c)))),
        h('tbody', {}, r.rules.map((x) => h('tr', {}, h('td', {}, x.field), h('td', { class: 'mono' }, String(x.value)), h('td', {}, days(x.max_days))))))) : null,
    ];
  });
}

export function renderMce(view, route) {
  const params = { weeks: route.params.get('weeks') || '13', top: route.params.get('top') || '10' };
  append(view, h('h1', {}, 'MCE'),
    controls('mce', params, [['Weeks', 'weeks', [['4', 'last 4'], ['13', 'last 13'], ['26', 'last 26'], ['52', 'last 52']]], ['Top machines', 'top', [['10', '10'], ['25', '25'], ['50', '50'], ['100', '100']]]]),
    section('', async () => {
      const d = await api('/api/mce', { params });
      if (!d.records) return empty('No machine-check errors in this window.');
      const weeks = [...new Set(d.by_week.map((w) => w.iso_week))].sort();
      const classes = [...new Set(d.by_week.map((w) => w.classification))].sort();
      const byWeek = classes.map((c, i) => ({
        label: c, colorIndex: i, data: weeks.map((wk) => (d.by_week.find((w) => w.iso_week === wk && w.classification === c) || { records: 0 }).records),
      }));
      const builds = [...new Set(d.top_machines.flatMap((m) => m.builds.map((b) => b.build)))].sort();
      const maxcnt = Math.max(1, ...d.top_machines.flatMap((m) => m.builds.map((b) => b.records)));
      return [
        h('p', {}, `${fmtInt(d.records)} MCE records from ${fmtInt(d.machines)} machines in the last ${d.weeks} weeks`),
        h('section', { class: 'card' }, h('h2', {}, 'MCE reports by week'), barChart(weeks, byWeek, { x: 'ISO week', y: 'MCE count', stacked: true })),
        h('section', { class: 'card' }, h('h2', {}, `Top ${d.top_machines.length} MCE by machine id`),
          h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'mce-machines' },
            h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Machine ID'), builds.map((b) => h('th', {}, b)), h('th', {}, 'Total'))),
            h('tbody', {}, d.top_machines.map((m, i) => h('tr', {},
              h('td', {}, String(i + 1)),
              h('td', { class: 'mono' }, h('a', { href: link('records', null, { machine_id: m.machine_id, classification: 'org.clearlinux/mce/*' }) }, ellipsis(m.machine_id, 'w-id'))),
              builds.map((b) => {
                const x = m.builds.find((y) => y.build === b);
                return h('td', {}, x ? bar(x.records, maxcnt) : '');
              }),
              h('td', {}, fmtInt(m.records)))))))),
        h('div', { class: 'grid2' },
          h('section', { class: 'card' }, h('h2', {}, 'MCE reports by status'),
            barChart(d.by_status.map((s) => s.status ?? '(none)'), [{ label: 'MCE count', data: d.by_status.map((s) => s.records) }], { x: 'Last 32 bits of status code', y: 'MCE count', legend: false })),
          h('section', { class: 'card' }, h('h2', {}, 'MCE reports by build'),
            barChart(d.by_build.map((b) => b.build), [{ label: 'MCE count', data: d.by_build.map((b) => b.records) }], { x: 'Builds', y: 'MCE count', legend: false }))),
        h('section', { class: 'card' }, h('h2', {}, 'MCE reports by classification'), pieWithLegend(d.by_class, { valueKey: 'classification' })),
      ];
    }));
}

export function renderThermal(view, route) {
  const params = { weeks: route.params.get('weeks') || '5', top: route.params.get('top') || '10' };
  append(view, h('h1', {}, 'Thermal'),
    controls('thermal', params, [['Weeks', 'weeks', [['5', 'last 5'], ['13', 'last 13'], ['26', 'last 26'], ['52', 'last 52']]], ['Top machines', 'top', [['10', '10'], ['25', '25'], ['50', '50']]]]),
    section('', async () => {
      const d = await api('/api/thermal', { params });
      if (!d.by_week.length) return empty('No thermal events in this window.');
      const weeks = [...d.by_week].sort((a, b) => (a.iso_week < b.iso_week ? -1 : 1));
      const max = Math.max(1, ...d.top_machines.map((m) => m.records));
      return [
        h('p', {}, `${fmtInt(d.machines)} machines reported thermal events in the last ${d.weeks} weeks`),
        h('section', { class: 'card' }, h('h2', {}, 'Thermal reports by week'),
          barChart(weeks.map((w) => w.iso_week), [
            { label: 'records', data: weeks.map((w) => w.records) },
            { label: 'machines', data: weeks.map((w) => w.machines) }], { x: 'ISO week', y: 'count' })),
        h('section', { class: 'card' }, h('h2', {}, 'Machines with the most thermal events'),
          h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'thermal-machines' },
            h('thead', {}, h('tr', {}, ['#', 'Machine ID', 'Records'].map((c) => h('th', {}, c)))),
            h('tbody', {}, d.top_machines.map((m, i) => h('tr', {}, h('td', {}, String(i + 1)),
              h('td', { class: 'mono' }, h('a', { href: link('records', null, { machine_id: m.machine_id, classification: 'org.clearlinux/mce/thermal' }) }, ellipsis(m.machine_id, 'w-id'))),
              h('td', {}, bar(m.records, max)))))))),
      ];
    }));
}

const WINDOWS = [['overall', 'Overall'], ['14', 'Past Two Weeks'], ['7', 'Past Week'], ['3', 'Three Days'], ['1', 'Past Day']];

export function renderPopulation(view, route) {
  const params = { days: route.params.get('days') || '30', all: route.params.get('all') || '' };
  append(view, h('h1', {}, 'Population'),
    controls('population', params, [['Daily series', 'days', [['14', '14 days'], ['30', '30 days'], ['90', '90 days']]], ['Builds', 'all', [['', 'numeric only'], ['true', 'all']]]]),
    section('', async () => {
      const d = await api('/api/population', { params });
      if (!d.builds.length) return empty('No machines yet.');
      const labels = d.builds.map((b) => b.build);
      const charts = WINDOWS.map(([w, title]) => {
        const internal = d.builds.map((b) => b.internal[w] ?? 0);
        const external = d.builds.map((b) => b.external[w] ?? 0);
        if (!internal.some(Boolean) && !external.some(Boolean)) return null;
        return h('section', { class: 'card', 'data-testid': `population-${w}` }, h('h2', {}, `Machines per Build (${title})`),
          barChart(labels, [{ label: 'Internal', data: internal, colorIndex: 0 }, { label: 'External', data: external, colorIndex: 1 }], { x: 'Builds', y: 'Machines', stacked: true }));
      });
      const series = d.series || [];
      return [
        h('p', { class: 'muted' }, 'A machine counts as active on a day, or on a build, if it sent any record then (distinct machine ids; the real client changes its id every three days).'),
        series.length ? h('section', { class: 'card' }, h('h2', {}, 'Active machines per day'),
          lineChart(series.map((s) => s.day), [{ label: 'Internal', data: series.map((s) => s.internal) }, { label: 'External', data: series.map((s) => s.external) }], { y: 'Machines' })) : null,
        charts,
      ];
    }));
}

export function renderQuarantine(view, route) {
  const params = { days: route.params.get('days') || '' };
  append(view, h('h1', {}, 'Quarantine'),
    controls('quarantine', params, [['Last seen', 'days', DAY_CHOICES]]),
    section('', async () => {
      const d = await api('/api/quarantine', { params });
      if (!d.records) return empty('No rejected records.');
      const maxR = Math.max(1, ...d.by_reason.map((r) => r.rejections));
      return [
        h('p', {}, `${fmtInt(d.records)} distinct records rejected, ${fmtInt(d.rejections)} times in all (re-sends included).`),
        h('section', { class: 'card' }, h('h2', {}, 'By reason'),
          h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'quarantine-reasons' },
            h('thead', {}, h('tr', {}, ['SQLSTATE', 'Reason', 'Rejections', 'Records', 'Machines', 'First seen', 'Last seen'].map((c) => h('th', {}, c)))),
            h('tbody', {}, d.by_reason.map((r) => h('tr', {},
              h('td', { class: 'mono' }, r.sqlstate), h('td', {}, ellipsis(r.reason, 'w-reason')),
              h('td', {}, bar(r.rejections, maxR)), h('td', {}, fmtInt(r.records)), h('td', {}, fmtInt(r.machines)),
              h('td', {}, r.first_seen ?? ''), h('td', {}, r.last_seen ?? ''))))))),
        h('section', { class: 'card' }, h('h2', {}, 'By probe'),
          h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'quarantine-probes' },
            h('thead', {}, h('tr', {}, ['Probe', 'Rejections', 'Records', 'Reasons'].map((c) => h('th', {}, c)))),
            h('tbody', {}, d.by_probe.map((p) => h('tr', {},
              h('td', { class: 'mono' }, p.probe ?? '(no classification)'), h('td', {}, fmtInt(p.rejections)), h('td', {}, fmtInt(p.records)),
              h('td', {}, h('ul', { class: 'plain' }, p.reasons.map((r) => h('li', {}, `${r.reason} (${r.sqlstate}): ${fmtInt(r.rejections)}`)))))))))),
      ];
    }));
}

