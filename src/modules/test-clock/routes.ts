// Floe's own endpoints (no Polar path uses /v1/floe/), registered in test mode only.
import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { merchantOf, type App } from '../../kit/http.js';
import { TestClock, TestClockAdvance, TestClockQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['floe'];

export function testClockRoutes(app: App, context: Context): void {
  if (!context.config.testMode) return;
  const { db } = context;

  app.get('/v1/floe/test-clock', {
    schema: { tags, summary: 'Get Test Clock', description: "The organization's time (test mode).", operationId: 'floe:test_clock:get', querystring: TestClockQuery, response: { 200: TestClock } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('subscriptions') } },
    handler: (request) => service.getTestClock(db, merchantOf(request), request.query.organization_id),
  });

  app.post('/v1/floe/test-clock', {
    schema: {
      tags,
      summary: 'Advance Test Clock',
      description: "Moves the organization's time forward and answers once everything that fell due meanwhile (renewals, retries, period ends, expiries) has been carried out.",
      operationId: 'floe:test_clock:advance',
      body: TestClockAdvance,
      response: { 200: TestClock },
    },
    // Carrying out a year of renewals for many subscriptions can take longer than a request may.
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('subscriptions') }, timeLimit: false },
    handler: (request) => service.advanceTestClock(context, merchantOf(request), request.body),
  });
}
