// views/manage.js: guilty management: the blacklist rules (the shipped
// defaults included: list, add, remove), hidden groups (unhide), and
// reclassification with its progress.  Writes need the admin role; a
// viewer sees everything read-only.

import {
  api, append, dialog, ellipsis, empty, errorBox, field, fmtInt, followJob, h, isAdmin, link, loading, replace, section,
  select, session, toast,
} from '../lib.js';

/**
 * run(out, label, f): a management request: every write button is
 * disabled while it runs, and the elapsed time is shown until the answer.
 */
async function run(out, label, f) {
  const buttons = [...document.querySelectorAll('button.write')];
  buttons.forEach((b) => { b.disabled = true; });
  const started = Date.now();
  const progress = h('progress', { 'aria-label': label });
  const elapsed = h('span', { class: 'muted' }, '0 s');
  replace(out, h('div', { class: 'state loading', role: 'status', 'data-testid': 'progress' }, progress, ` ${label}… `, elapsed));
  const timer = setInterval(() => { elapsed.textContent = `${Math.round((Date.now() - started) / 1000)} s`; }, 500);
  try {
    const r = await f();
    clearInterval(timer);
    return r;
  } catch (e) {
    clearInterval(timer);
    replace(out, errorBox(e, label));
    return null;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

export function renderManage(view, route, ctx) {
  const filter = route.params.get('q') || '';
  const status = h('div', { class: 'action-status', 'aria-live': 'polite', 'data-testid': 'status' });
  const rules = h('div', {}, loading('the blacklist'));
  const hidden = h('div', {}, loading('hidden groups'));
  const admin = isAdmin();
  append(view, h('h1', {}, 'Guilty management'),
    admin ? null : h('p', { class: 'state empty' }, `You are logged in as ${session.user} (${session.role}): changes need the admin role.`),
    status,
    h('section', { class: 'card' }, h('h2', {}, 'Reclassify'), h('p', {}, 'A blacklist change reclassifies the crashes it affects in the background; its progress shows here. Changes made with "reclassify" off wait until they are applied; a full pass recomputes every crash.'),
      h('div', { class: 'filter-actions' },
        h('button', { type: 'button', class: 'write', disabled: !admin, 'data-testid': 'apply', onclick: () => reclassify('affected') }, 'Apply pending changes'),
        h('button', { type: 'button', class: 'write danger', disabled: !admin, onclick: () => reclassify('all') }, 'Reclassify all crashes'))),
    admin ? addForm() : null,
    h('section', { class: 'card' }, h('h2', {}, 'Hidden groups'), hidden),
    h('section', { class: 'card' }, h('h2', {}, 'Blacklist rules'),
      h('p', { class: 'muted' }, 'A frame matched by a rule is passed over when the guilty frame of a crash is chosen. Built-in rules are the shipped defaults.'),
      field('Find', h('input', {
        type: 'search', id: 'rule-filter', value: filter, placeholder: 'function or module',
        oninput: (e) => {
          filterRules(e.target.value);
          // keep the search in the URL without re-rendering the page
          history.replaceState(null, '', link('manage', null, { q: e.target.value.trim() }));
        },
      })),
      rules));

  let allRules = [];
  function filterRules(q) {
    const needle = q.trim().toLowerCase();
    for (const tr of rules.querySelectorAll('tbody tr')) {
      tr.hidden = Boolean(needle) && !tr.textContent.toLowerCase().includes(needle);
    }
  }

  async function loadRules() {
    try {
      const d = await api('/api/blacklist');
      if (!ctx.current()) return;
      allRules = d.rules;
      const table = h('table', { 'data-testid': 'rules' },
        h('thead', {}, h('tr', {}, ['', 'Id', 'Function', 'Module', 'Match', 'Comment', 'Built-in'].map((c) => h('th', {}, c)))),
        h('tbody', {}, d.rules.map((r) => h('tr', { 'data-id': r.id },
          h('td', {}, h('button', { type: 'button', class: 'small write', disabled: !admin, onclick: () => removeRule(r) }, 'Remove')),
          h('td', {}, String(r.id)),
          h('td', { class: 'mono' }, ellipsis(r.function, 'w-guilty')),
          h('td', { class: 'mono' }, ellipsis(r.module ?? '(any)', 'w-module')),
          h('td', {}, r.match),
          h('td', {}, ellipsis(r.comment ?? '', 'w-comment')),
          h('td', {}, r.builtin ? 'yes' : '')))));
      replace(rules, h('p', {}, `${fmtInt(d.rules.length)} rules · ${fmtInt(d.pending_changes)} changes not applied yet`),
        d.rules.length ? h('div', { class: 'table-wrap' }, table) : empty('No rules.'));
      filterRules(document.getElementById('rule-filter')?.value || '');
    } catch (e) { replace(rules, errorBox(e)); }
  }

  async function loadHidden() {
    try {
      const d = await api('/api/guilties/hidden');
      if (!ctx.current()) return;
      if (!d.guilties.length) { replace(hidden, empty('No hidden groups.')); return; }
      replace(hidden, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'hidden' },
        h('thead', {}, h('tr', {}, ['Id', 'Group', 'Comment', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, d.guilties.map((g) => h('tr', { 'data-id': g.id },
          h('td', {}, String(g.id)),
          h('td', {}, h('a', { href: link('guilty', g.id) }, ellipsis(`${g.function} - [${g.module}]`, 'w-guilty'))),
          h('td', {}, ellipsis(g.comment ?? '', 'w-comment')),
          h('td', {}, h('button', {
            type: 'button', class: 'small write', disabled: !admin, onclick: async () => {
              const r = await run(status, 'Unhiding', () => api(`/api/guilties/${g.id}`, { method: 'POST', body: { hidden: false } }));
              if (r) { replace(status, h('div', { class: 'state ok' }, `Group ${g.id} is no longer hidden.`)); loadHidden(); }
            },
          }, 'Unhide'))))))));
    } catch (e) { replace(hidden, errorBox(e)); }
  }

  async function reclassify(scope) {
    const label = scope === 'all' ? 'Reclassifying every crash' : 'Applying the pending changes';
    const job = await run(status, label, () => api('/api/reclassify', { method: 'POST', body: { scope } }));
    if (!job) return;
    reclassified(await followJob(status, job, label));
  }

  // A finished job (or null, when following it failed and said why).
  function reclassified(done) {
    if (!done || !ctx.current()) return;
    replace(status, h('div', { class: 'state ok', 'data-testid': 'reclassified' },
      `Done: ${fmtInt(done.updated)} crashes changed group (${fmtInt(done.changes)} blacklist changes applied).`));
    loadRules();
  }

  function removeRule(rule) {
    const dlg = dialog('Remove a blacklist rule', [
      h('p', {}, 'Remove the rule ', h('code', {}, `${rule.function}${rule.match === 'prefix' ? '*' : ''}`), rule.module ? [' in ', h('code', {}, rule.module)] : ' (any module)', rule.builtin ? ' (a shipped default)' : '', '? The crashes it affected are reclassified in the background.'),
      h('div', { class: 'filter-actions' },
        h('button', {
          type: 'button', class: 'primary danger', 'data-testid': 'confirm-remove', onclick: async () => {
            dlg.close();
            const r = await run(status, 'Removing the rule', () => api(`/api/blacklist/${rule.id}`, { method: 'DELETE' }));
            if (!r) return;
            loadRules();
            const done = r.job ? await followJob(status, r.job, 'Reclassifying the affected crashes') : null;
            if (done) {
              replace(status, h('div', { class: 'state ok', 'data-testid': 'removed' }, `Removed rule ${rule.id}; ${fmtInt(done.updated)} crashes reclassified.`));
            }
          },
        }, 'Remove'),
        h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel')),
    ]);
  }

  function addForm() {
    const fn = h('input', { name: 'function', id: 'r-function', required: true, maxlength: 1024, placeholder: 'g_assertion_message or __GI_*', autocomplete: 'off', spellcheck: 'false' });
    const mod = h('input', { name: 'module', id: 'r-module', maxlength: 1024, placeholder: '/usr/lib64/libglib-2.0.so.0 (empty: any)', autocomplete: 'off', spellcheck: 'false' });
    const match = select('match', [['exact', 'exact'], ['prefix', 'prefix (function starts with)']], 'exact');
    const comment = h('input', { name: 'comment', id: 'r-comment', maxlength: 1000 });
    const recl = h('input', { type: 'checkbox', id: 'r-reclassify', checked: true });
    const form = h('form', { class: 'card', 'data-testid': 'add-rule' },
      h('h2', {}, 'Add a rule'),
      h('div', { class: 'filter-grid' }, field('Function', fn), field('Module', mod), field('Match', match), field('Comment', comment)),
      h('div', { class: 'filter-actions' },
        h('label', { class: 'inline', for: 'r-reclassify' }, recl, ' reclassify the affected crashes now'),
        h('button', { type: 'submit', class: 'primary write' }, 'Add rule')));
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const body = { function: fn.value.trim(), module: mod.value.trim() || null, match: match.value, comment: comment.value.trim() || null, reclassify: recl.checked };
      const r = await run(status, 'Adding the rule', () => api('/api/blacklist', { method: 'POST', body }));
      if (!r) return;
      toast('Rule added.');
      form.reset();
      loadRules();
      const done = r.job ? await followJob(status, r.job, 'Reclassifying the affected crashes') : null;
      if (!r.job) {
        replace(status, h('div', { class: 'state ok', 'data-testid': 'added' }, `Added rule ${r.rule.id} (${r.rule.function}); not reclassified yet.`));
      } else if (done) {
        replace(status, h('div', { class: 'state ok', 'data-testid': 'added' }, `Added rule ${r.rule.id} (${r.rule.function}); `,
          `${fmtInt(done.updated)} crashes reclassified.`));
        loadRules();
      }
    };
    return form;
  }

  // A job started earlier (from this page, another tab or another user)
  // goes on in the database: coming back to the page follows it again.
  async function resumeJob() {
    try {
      const d = await api('/api/reclassify');
      if (!ctx.current()) return;
      const job = d.jobs.find((j) => j.state === 'queued' || j.state === 'running');
      if (!job || status.firstChild) return;  // none, or this page started one meanwhile
      reclassified(await followJob(status, job, job.scope === 'all' ? 'Reclassifying every crash' : 'Applying the pending changes'));
    } catch (e) { replace(status, errorBox(e, 'Reclassification jobs')); }
  }

  loadRules();
  loadHidden();
  resumeJob();
  return null;
}

