// charts.js: Chart.js (ui/node_modules/chart.js, served as
// /vendor/chart.umd.js) with the reference's palette.  Chart.js draws
// labels, legends and tooltips on a canvas: data never becomes HTML.
// Legends that the page shows itself are built with lib.h (text only).

import { h } from './lib.js';

export const COLORS = ['#3e95cd', '#8e5ea2', '#3cba9f', '#e8c3b9', '#c45850', '#ff8c00', '#483d8b',
  '#00bfff', '#1e90ff', '#008000', '#df42f4', '#c7f441', '#f47641', '#f44141', '#43f441'];
export const color = (i) => (i < COLORS.length ? COLORS[i] : '#E0E0E0');

const live = new Set();

/** Destroy the charts of the previous view. */
export function destroyCharts() {
  for (const c of live) c.destroy();
  live.clear();
}

/**
 * chart(config, {height, label}): a wrapper <div> holding a canvas with a
 * Chart.js chart (created once the canvas is in the document).
 */
export function chart(config, { height = 260, label = 'chart' } = {}) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const box = h('div', { class: 'chart', style: { height: `${height}px` } }, canvas);
  const Chart = window.Chart;
  if (!Chart) {
    box.replaceChildren(h('div', { class: 'state error' }, 'Chart.js is not available (/vendor/chart.umd.js).'));
    return box;
  }
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return;
    const c = new Chart(canvas, {
      ...config,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        ...config.options,
        plugins: { ...(config.options && config.options.plugins) },
      },
    });
    live.add(c);
  });
  return box;
}

/** A bar chart of labels and one or more datasets [{label, data}]. */
export function barChart(labels, datasets, { title = '', x = '', y = '', stacked = false, legend = datasets.length > 1, height, horizontal = false } = {}) {
  return chart({
    type: 'bar',
    data: {
      labels,
      datasets: datasets.map((d, i) => ({ backgroundColor: color(d.colorIndex ?? i), maxBarThickness: 30, ...d })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      plugins: { title: { display: Boolean(title), text: title, font: { size: 16 } }, legend: { display: legend, position: 'right' } },
      scales: {
        x: { stacked, title: { display: Boolean(x), text: x } },
        y: { stacked, beginAtZero: true, title: { display: Boolean(y), text: y } },
      },
    },
  }, { height, label: title || y });
}

/** A line chart over labels. */
export function lineChart(labels, datasets, { title = '', y = '', height } = {}) {
  return chart({
    type: 'line',
    data: { labels, datasets: datasets.map((d, i) => ({ borderColor: color(i), backgroundColor: color(i), tension: 0.2, ...d })) },
    options: {
      plugins: { title: { display: Boolean(title), text: title, font: { size: 16 } }, legend: { position: 'bottom' } },
      scales: { y: { beginAtZero: true, title: { display: Boolean(y), text: y } } },
    },
  }, { height, label: title });
}

/**
 * A pie chart with the reference's own legend: list items with a colour
 * swatch, the value's text and its count (built as text).
 */
export function pieWithLegend(rows, { title = '', valueKey = 'value', countKey = 'records' } = {}) {
  const labels = rows.map((r) => String(r[valueKey] ?? '(none)'));
  const data = rows.map((r) => r[countKey]);
  const pie = chart({
    type: 'doughnut',
    data: { labels, datasets: [{ data, backgroundColor: rows.map((_, i) => color(i)) }] },
    options: { plugins: { legend: { display: false }, title: { display: Boolean(title), text: title, font: { size: 16 } } } },
  }, { height: 240, label: title });
  const legend = h('ul', { class: 'legend' }, rows.map((r, i) => h('li', {},
    h('span', { class: 'swatch', style: { background: color(i) } }),
    h('span', { class: 'legend-label', title: labels[i] }, labels[i]),
    h('span', { class: 'legend-count' }, Number(data[i]).toLocaleString('en-US')))));
  return h('div', { class: 'pie-with-legend' }, pie, legend);
}
