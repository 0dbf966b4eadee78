// app.js: the telemetrics UI's entry point: the tabs, the router (the
// view and every filter live in the URL's fragment, #/view/arg?filters,
// so a reload or a shared link restores them), and who the user is.

import { api, currentRoute, errorBox, h, link, replace, session } from './lib.js';
import { destroyCharts } from './charts.js';
import * as records from './views/records.js';
import * as crashes from './views/crashes.js';
import * as fleet from './views/fleet.js';
import * as manage from './views/manage.js';

// Tabs, in the reference's order, then the new views.
const TABS = [
  ['records', 'Records'], ['builds', 'Builds'], ['stats', 'Stats'], ['crashes', 'Crashes'],
  ['mce', 'MCE'], ['thermal', 'Thermal'], ['population', 'Population'],
  ['rate', 'Crash rate'], ['new', 'New in build'], ['quarantine', 'Quarantine'], ['manage', 'Guilty management'],
];

// view name -> [render function, the tab it belongs to]
const VIEWS = {
  records: [records.renderRecords, 'records'],
  record: [records.renderRecord, 'records'],
  builds: [fleet.renderBuilds, 'builds'],
  stats: [fleet.renderStats, 'stats'],
  crashes: [crashes.renderCrashes, 'crashes'],
  guilty: [crashes.renderGuilty, 'crashes'],
  rate: [crashes.renderRate, 'rate'],
  new: [crashes.renderNew, 'new'],
  mce: [fleet.renderMce, 'mce'],
  thermal: [fleet.renderThermal, 'thermal'],
  population: [fleet.renderPopulation, 'population'],
  quarantine: [fleet.renderQuarantine, 'quarantine'],
  manage: [manage.renderManage, 'manage'],
};

const main = document.getElementById('main');
const nav = document.getElementById('tabs');
let cleanup = null;
let generation = 0;

function renderNav(active) {
  replace(nav, TABS.map(([view, label]) => h('a', {
    href: link(view), class: view === active ? 'tab active' : 'tab', 'aria-current': view === active ? 'page' : null,
  }, label)));
}

function route() {
  const r = currentRoute();
  if (!VIEWS[r.view]) {
    location.replace(link('records'));
    return;
  }
  const [render, tab] = VIEWS[r.view];
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  destroyCharts();
  renderNav(tab);
  const gen = ++generation;
  const view = h('div', { class: `view view-${r.view}` });
  replace(main, view);
  document.title = `${TABS.find(([v]) => v === tab)[1]} - telemetrics`;
  try {
    const c = render(view, r, { current: () => gen === generation });
    cleanup = c || null;
  } catch (e) {
    replace(view, errorBox(e));
  }
  window.scrollTo(0, 0);
}

async function start() {
  const who = document.getElementById('who');
  try {
    Object.assign(session, await api('/api/whoami'));
    if (session.auth) replace(who, h('span', { title: 'HTTP Basic user' }, `${session.user} (${session.role})`));
    else replace(who, h('span', { class: 'muted', title: 'The gateway runs without an auth file' }, 'no access control'));
  } catch (e) {
    replace(who, h('span', { class: 'muted' }, 'user unknown'));
  }
  window.addEventListener('hashchange', route);
  route();
}

start();
