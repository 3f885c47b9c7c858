// License keys: the keys the organization's license-key benefits have granted, filtered by
// benefit, a page at a time; each leads to its key's screen. Keys show masked (`display_key`).
import { listAll } from '../api.js';
import { badge, day, draw, html, onSubmit, pager, select, table } from '../ui.js';

const PAGE_SIZE = 20;
const statusTone = (status) => (status === 'granted' ? 'good' : 'bad');

export default async function licenseKeys(ctx) {
  const organizationId = ctx.organization.id;
  const page = Math.max(1, Number.parseInt(ctx.query.page ?? '1', 10) || 1);
  const benefitId = ctx.query.benefit_id ?? '';
  const [result, benefits] = await Promise.all([
    ctx.api('GET', '/v1/license-keys', { query: { organization_id: organizationId, benefit_id: benefitId, page, limit: PAGE_SIZE } }),
    listAll('/v1/benefits/', { organization_id: organizationId, type: 'license_keys' }),
  ]);
  const benefitById = new Map(benefits.map((benefit) => [benefit.id, benefit]));
  const hrefOf = (target, filter = benefitId) => {
    const search = new URLSearchParams(Object.entries({ benefit_id: filter, page: target > 1 ? String(target) : '' }).filter(([, value]) => value));
    return `${ctx.base}/license-keys${search.size ? `?${search}` : ''}`;
  };

  draw(
    ctx.main,
    html`<div class="toolbar"><h1>License keys</h1>
<form id="license-key-filters" class="row">${select('Benefit', 'benefit_id', [['', 'All benefits'], ...benefits.map((benefit) => [benefit.id, benefit.description])], { value: benefitId })}<button type="submit" class="secondary">Filter</button></form></div>
${table(
      [
        { label: 'Key', cell: (key) => html`<code>${key.display_key}</code>` },
        { label: 'Customer', cell: (key) => key.customer.email },
        { label: 'Benefit', cell: (key) => benefitById.get(key.benefit_id)?.description ?? '' },
        { label: 'Status', cell: (key) => badge(key.status, statusTone(key.status)) },
        { label: 'Usage', cell: (key) => `${key.usage}${key.limit_usage === null ? '' : ` of ${key.limit_usage}`}` },
        { label: 'Validations', cell: (key) => String(key.validations) },
        { label: 'Expires', cell: (key) => (key.expires_at ? day(key.expires_at) : 'Never') },
      ],
      result.items,
      { empty: benefitId ? 'This benefit has granted no keys yet.' : 'No license keys yet: a license-key benefit grants them with a purchase.', rowLink: (key) => `${ctx.base}/license-keys/${key.id}` },
    )}
${pager(result.pagination, page, hrefOf)}`,
  );

  onSubmit(ctx.main.querySelector('#license-key-filters'), (body) => ctx.navigate(hrefOf(1, body.benefit_id ?? '')));
}
