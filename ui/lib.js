// lib.js: what every view uses: building DOM safely, calling the API,
// the URL state, loading/empty/error states, formatting.
//
// Safety rule of the whole UI: values from records or from the API only
// ever become text (textContent, createTextNode, attribute values set
// with setAttribute on a fixed list of harmless attributes, URL
// components through encodeURIComponent).  Nothing is ever assigned to
// innerHTML, outerHTML or insertAdjacentHTML, and no value is turned into
// a regular expression or a script.

const SAFE_ATTRS = new Set(['class', 'title', 'id', 'type', 'name', 'value', 'placeholder', 'for',
  'role', 'colspan', 'min', 'max', 'step', 'maxlength', 'size', 'download', 'target', 'rel',
  'aria-label', 'aria-live', 'aria-current', 'aria-busy', 'width', 'height', 'autocomplete',
  'inputmode', 'pattern', 'data-testid', 'data-id', 'list', 'rows', 'cols', 'spellcheck', 'tabindex']);

/**
 * h(tag, attrs, ...children): an element.  attrs: safe attributes as
 * strings; `href` (checked: only our own "#/..." routes and "/api/..."
 * paths); `on*` functions become listeners; `checked`, `disabled`,
 * `selected`, `open`, `required`, `hidden` are properties.  Children are
 * nodes or text (null/false skipped, arrays flattened).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'href') el.setAttribute('href', safeHref(v));
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (['checked', 'disabled', 'selected', 'open', 'required', 'hidden', 'multiple'].includes(k)) el[k] = Boolean(v);
    else if (SAFE_ATTRS.has(k)) el.setAttribute(k, String(v));
    else throw new Error(`attribute ${k} is not allowed`);
  }
  append(el, children);
  return el;
}

/** Append children (nodes, text, arrays) to el. */
export function append(el, ...children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace el's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Links may point only at the UI's routes or the gateway's API. */
export function safeHref(v) {
  const s = String(v);
  if (s.startsWith('#/') || s.startsWith('/api/') || s === '/') return s;
  return '#/';
}

// ---------------------------------------------------------------------------
// Routes and the URL state: #/view/arg?key=value&...

/** The current route: {view, arg, params (URLSearchParams)}. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const [view, ...rest] = path.split('/');
  return { view: decodeURIComponent(view || ''), arg: rest.length ? decodeURIComponent(rest.join('/')) : null, params };
}

/** A "#/view/arg?..." link; empty values are left out. */
export function link(view, arg = null, params = {}) {
  let s = `#/${encodeURIComponent(view)}`;
  if (arg !== null && arg !== undefined) s += `/${encodeURIComponent(arg)}`;
  const q = query(params);
  return q ? `${s}?${q}` : s;
}

/** A query string of the non-empty values of params (object or URLSearchParams). */
export function query(params) {
  const u = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [k, v] of entries) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    u.set(k, String(v));
  }
  return u.toString();
}

/** Go to a route (a new history entry, so Back works). */
export function navigate(view, arg, params) {
  const target = link(view, arg, params);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

// ---------------------------------------------------------------------------
// The API

/** An API error: the gateway's JSON error shape, plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code ? body.code : null;
    this.details = body && body.details ? body.details : null;
    this.hint = body && body.hint ? body.hint : null;
  }
}

/**
 * api(path, {params, method, body, signal}): the parsed JSON answer, or an
 * ApiError.  GET parameters go in the query string; a body is sent as
 * JSON.
 */
export async function api(path, { params = null, method = 'GET', body = undefined, signal } = {}) {
  const q = params ? query(params) : '';
  const init = { method, headers: { Accept: 'application/json' }, signal, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(q ? `${path}?${q}` : path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', message: 'the gateway cannot be reached', details: String(e.message || e) });
  }
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) throw new ApiError(r.status, json || { message: `HTTP ${r.status} ${r.statusText}`, details: text.slice(0, 200) });
  return json;
}

/** The user: {auth, user, role}; admin when there is no access control. */
export const session = { auth: false, user: null, role: 'admin' };
export const isAdmin = () => session.role === 'admin';

// ---------------------------------------------------------------------------
// States

export const loading = (what = '') => h('div', { class: 'state loading', role: 'status', 'aria-live': 'polite' },
  h('span', { class: 'spinner' }), `Loading${what ? ` ${what}` : ''}…`);

export const empty = (text) => h('div', { class: 'state empty' }, text);

/** The JSON error shape, rendered. */
export function errorBox(e, title = 'Error') {
  if (e && e.name === 'AbortError') return null;
  const box = h('div', { class: 'state error', role: 'alert' },
    h('strong', {}, `${title}: `), e && e.message ? e.message : String(e));
  const meta = [];
  if (e && e.status) meta.push(`HTTP ${e.status}`);
  if (e && e.code) meta.push(`code ${e.code}`);
  if (meta.length) append(box, [' ', h('span', { class: 'muted' }, `(${meta.join(', ')})`)]);
  if (e && e.details) append(box, h('div', { class: 'details' }, e.details));
  if (e && e.hint) append(box, h('div', { class: 'hint' }, `Hint: ${e.hint}`));
  return box;
}

/**
 * section(title, loader): a card that shows a loading state, then what
 * loader() returns (nodes), an error box if it throws.
 */
export function section(title, loader, { cls = '' } = {}) {
  const body = h('div', { class: 'card-body' }, loading());
  const card = h('section', { class: `card ${cls}` }, title ? h('h2', {}, title) : null, body);
  Promise.resolve().then(loader).then((nodes) => replace(body, nodes), (e) => replace(body, errorBox(e)));
  return card;
}

/** A transient message at the top of the page. */
export function toast(text, kind = 'ok') {
  const area = document.getElementById('toasts');
  if (!area) return;
  const t = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  area.appendChild(t);
  setTimeout(() => t.remove(), 6000);
}

// ---------------------------------------------------------------------------
// Formatting

export const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

/** "2026-11-27 07:01:50 UTC" (the API's form) to a Date, or null. */
export function parseTs(s) {
  if (!s) return null;
  const d = new Date(String(s).replace(' UTC', 'Z').replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "3 hours ago" (the reference's timesince). */
export function timeSince(s) {
  const d = parseTs(s);
  if (!d) return s || '';
  let secs = Math.floor((Date.now() - d.getTime()) / 1000);
  if (secs < 0) secs = 0;
  for (const [unit, n] of [['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]]) {
    const v = Math.floor(secs / n);
    if (v >= 1) return `${v} ${unit}${v > 1 ? 's' : ''} ago`;
  }
  return 'just now';
}

export const SEVERITY = { 1: 'low', 2: 'med', 3: 'high', 4: 'crit' };
export const severityBadge = (s) => h('span', { class: `sev sev${Number(s) || 0}`, title: `severity ${s}` },
  `${s} ${SEVERITY[s] || ''}`.trim());

/** A horizontal bar of value/max, with the number beside it. */
export function bar(value, max, label = null) {
  const pct = max > 0 ? Math.max(2, Math.round((100 * value) / max)) : 0;
  return h('span', { class: 'bar', title: label ?? String(value) },
    h('span', { class: 'bar-fill', style: { width: `${pct}%` } }), h('span', { class: 'bar-num' }, fmtInt(value)));
}

/** A cell that shows a long text shortened, the whole on hover. */
export const ellipsis = (text, cls = '') => h('span', { class: `ellipsis ${cls}`, title: text ?? '' }, text ?? '');

/** <select> with options [[value, label], ...] and the current value. */
export function select(name, options, value, attrs = {}) {
  return h('select', { name, id: `f-${name}`, ...attrs },
    options.map(([v, l]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, l)));
}

export const field = (label, control) => h('label', { class: 'field' }, h('span', {}, label), control);

/** A modal dialog with a title and content; returns the <dialog>. */
export function dialog(title, content, { onClose } = {}) {
  const dlg = h('dialog', { class: 'modal' },
    h('div', { class: 'modal-head' }, h('h3', {}, title),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dlg.close() }, '×')),
    h('div', { class: 'modal-body' }, content));
  dlg.addEventListener('close', () => { dlg.remove(); if (onClose) onClose(); });
  document.body.appendChild(dlg);
  dlg.showModal();
  return dlg;
}

/** A <pre> of a payload, line by line; lines for which mark(line) is true are highlighted. */
export function payloadPre(text, mark = () => false) {
  const pre = h('pre', { class: 'payload' });
  for (const line of String(text ?? '').split('\n')) {
    pre.appendChild(mark(line) ? h('mark', { class: 'chosen' }, line) : document.createTextNode(line));
    pre.appendChild(document.createTextNode('\n'));
  }
  return pre;
}

export function showPayload(record) {
  dialog(`Record ${record.id}: payload`, [
    h('p', { class: 'muted' }, `${record.classification} · ${record.machine_id} · build ${record.build}`),
    payloadPre(record.payload),
    h('p', {}, h('a', { href: link('record', record.id) }, 'Record details')),
  ]);
}

/**
 * followJob(out, job, label): show a background reclassification job's
 * progress (GET /api/reclassify/{id}, twice a second) until it is done or
 * failed; resolves to the finished job, or null on failure.  Polling stops,
 * resolving to null, once `out` has left the page (the user went to
 * another view, or closed the dialog it is in).  The job goes on in the
 * database whatever this page does.
 */
export async function followJob(out, job, label) {
  const buttons = [...document.querySelectorAll('button.write')];
  buttons.forEach((b) => { b.disabled = true; });
  const bar = h('progress', { max: 1, value: 0, 'aria-label': label });
  const text = h('span', { class: 'muted' }, '');
  replace(out, h('div', { class: 'state loading', role: 'status', 'data-testid': 'progress' }, bar, ` ${label}… `, text));
  try {
    for (;;) {
      const p = Number(job.progress) || 0;
      bar.value = p;
      text.textContent = `${job.state}, ${Math.round(p * 100)} %, ${fmtInt(job.updated)} crashes changed group`;
      if (job.state === 'done' || job.state === 'failed') break;
      await new Promise((ok) => setTimeout(ok, 500));
      if (!out.isConnected) return null;
      job = await api(`/api/reclassify/${job.id}`);
    }
    if (job.state === 'failed') {
      replace(out, h('div', { class: 'state error', role: 'alert' }, `Reclassification ${job.id} failed: `, job.error ?? 'unknown error'));
      return null;
    }
    return job;
  } catch (e) {
    replace(out, errorBox(e, label));
    return null;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
