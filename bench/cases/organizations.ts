// GET /v1/organizations/{id} with a personal token: auth (cached token lookup) + one query.
import { measure } from '../harness.js';
import type { BenchCase } from './types.js';

export const organizationCase: BenchCase = {
  name: 'organizations',
  async run({ floeUrl, merchant }) {
    const measurement = await measure('GET /v1/organizations/{id}', {
      url: `${floeUrl}/v1/organizations/${merchant.organizationId}`,
      headers: { authorization: `Bearer ${merchant.token}` },
    });
    return [{ measurement, baseline: 'select', target: '≥ 60% of one-query baseline', met: (ratio) => (ratio ?? 0) >= 0.6 }];
  },
};
