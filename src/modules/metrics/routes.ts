import { MERCHANT, WEB_DEFAULT } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { merchantOf, type App } from '../../kit/http.js';
import { MetricsLimits, MetricsQuery, MetricsResponse } from './schemas.js';
import * as service from './service.js';

const tags = ['metrics'];

export function metricsRoutes(app: App, { readDb }: Context): void {
  app.get('/v1/metrics/', {
    schema: {
      tags,
      summary: 'Get Metrics',
      description: 'Get metrics about your orders and subscriptions.',
      operationId: 'metrics:get',
      querystring: MetricsQuery,
      response: { 200: MetricsResponse },
    },
    config: { auth: { subjects: MERCHANT, scopes: [WEB_DEFAULT, 'metrics:read'] } },
    handler: (request) => service.getMetrics(readDb, merchantOf(request), request.query),
  });

  app.get('/v1/metrics/limits', {
    schema: { tags, summary: 'Get Metrics Limits', description: 'Get the interval limits for the metrics endpoint.', operationId: 'metrics:limits', response: { 200: MetricsLimits } },
    config: { auth: { subjects: MERCHANT, scopes: [WEB_DEFAULT, 'metrics:read'] } },
    handler: () => service.getLimits(),
  });
}
