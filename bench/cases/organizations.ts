// GET /v1/organizations/{id} with a personal token: auth (cached token lookup) + one query. Measured
// against the one-query baseline in alternating rounds.
import type { BenchCase } from './types.js';

export const organizationCase: BenchCase = {
  name: 'organizations',
  async run({ floeUrl, merchant, measureAgainst }) {
    const { measurement, baseline, ratio } = await measureAgainst('select', 'GET /v1/organizations/{id}', {
      url: `${floeUrl}/v1/organizations/${merchant.organizationId}`,
      headers: { authorization: `Bearer ${merchant.token}` },
    });
    return [{ measurement, baseline: 'select', paired: { baseline, ratio }, target: '≥ 60% of one-query baseline', met: (value) => (value ?? 0) >= 0.6 }];
  },
};
