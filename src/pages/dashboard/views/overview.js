// Overview: revenue, orders, MRR and active subscriptions over a chosen range and interval, from
// the metrics API, each as a chart with its figure (sums for flows, the last value for stocks).
import { draw, html, money, onSubmit, select, field } from '../ui.js';

const CHARTS = [
  { slug: 'revenue', label: 'Revenue', currency: true, total: 'sum' },
  { slug: 'orders', label: 'Orders', currency: false, total: 'sum' },
  { slug: 'monthly_recurring_revenue', label: 'Monthly recurring revenue', currency: true, total: 'last' },
  { slug: 'active_subscriptions', label: 'Active subscriptions', currency: false, total: 'last' },
];
const RANGES = [
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['365', 'Last 12 months'],
];
const INTERVALS = [
  ['day', 'By day'],
  ['week', 'By week'],
  ['month', 'By month'],
];

const isoDay = (date) => date.toISOString().slice(0, 10);

export default async function overview(ctx) {
  const days = RANGES.some(([value]) => value === ctx.query.range) ? ctx.query.range : '30';
  const interval = INTERVALS.some(([value]) => value === ctx.query.interval) ? ctx.query.interval : days === '365' ? 'month' : 'day';
  // The organization's own time (its test clock in test mode), so moved time shows in the charts.
  const now = ctx.config.testMode ? new Date((await ctx.api('GET', '/v1/floe/test-clock', { query: { organization_id: ctx.organization.id } })).now) : new Date();
  const end = isoDay(now);
  const start = isoDay(new Date(now.getTime() - (Number(days) - 1) * 86400000));
  const metrics = await ctx.api('GET', '/v1/metrics/', { query: { start_date: start, end_date: end, interval, organization_id: ctx.organization.id } });

  const totalOf = (chart) => {
    const values = metrics.periods.map((period) => period[chart.slug] ?? 0);
    return chart.total === 'sum' ? values.reduce((sum, value) => sum + value, 0) : (values.at(-1) ?? 0);
  };
  const format = (chart, value) => (chart.currency ? money(value, 'usd') : new Intl.NumberFormat('en-US').format(value));

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>Overview</h1>
<form id="range" class="row">${select('Range', 'range', RANGES, { value: days })}${select('Interval', 'interval', INTERVALS, { value: interval })}<button type="submit" class="secondary">Show</button></form></div>
<p class="muted">${start} to ${end}${ctx.config.testMode ? ' (the organization\'s test clock)' : ''}</p>
<div class="figures">${CHARTS.map(
      (chart) => html`<section class="card figure" data-metric="${chart.slug}"><h2>${chart.label}</h2><p class="value" data-total="${totalOf(chart)}">${format(chart, totalOf(chart))}</p><div class="chart" id="chart-${chart.slug}" role="img" aria-label="${chart.label} ${interval === 'day' ? 'by day' : `by ${interval}`}"></div></section>`,
    )}</div>`,
  );

  onSubmit(ctx.main.querySelector('#range'), (body) => ctx.navigate(`${ctx.base}?range=${body.range}&interval=${body.interval}`));

  // uPlot comes from the registry (node_modules), served by Floe; without it the figures still show.
  if (!window.uPlot) return;
  const times = metrics.periods.map((period) => Date.parse(period.timestamp) / 1000);
  for (const chart of CHARTS) {
    const element = ctx.main.querySelector(`#chart-${chart.slug}`);
    const width = Math.max(200, element.clientWidth);
    const values = metrics.periods.map((period) => (chart.currency ? (period[chart.slug] ?? 0) / 100 : (period[chart.slug] ?? 0)));
    new window.uPlot(
      {
        width,
        height: 160,
        legend: { show: false },
        cursor: { points: { size: 6 } },
        scales: { x: { time: true } },
        axes: [{ stroke: '#666', grid: { show: false } }, { stroke: '#666', size: 56, values: (_u, ticks) => ticks.map((tick) => (chart.currency ? `$${tick}` : String(tick))) }],
        series: [{}, { label: chart.label, stroke: '#0062ff', width: 2, fill: 'rgba(0,98,255,.08)', points: { show: values.length < 40 } }],
      },
      [times, values],
      element,
    );
  }
}
