// Every operation of Floe's OpenAPI document, fuzzed: property-based requests (fast-check) whose
// body, query and path values come from the operation's own schemas, mixed with what a schema
// forbids (wrong types, missing and extra fields, huge and negative numbers, NUL, lone surrogates,
// long strings, malformed ids, another organization's ids), under several callers. For every
// answer: no 5xx, every 4xx in Polar's error shape, and nothing written by a refused request.
//
// Bounded and replayable: FLOE_FUZZ_RUNS requests per operation (default 16), FLOE_FUZZ_SEED
// replays a run (the seed is printed).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { startTestApp } from '../helpers/app.js';
import { loadOperations, fillPath, type JsonSchema, type Operation } from '../helpers/operations.js';
import { buildShop, type Shop } from '../helpers/shop.js';
import { startFakeGitHub } from '../modules/external-organization/github-server.js';

const RUNS = Number(process.env.FLOE_FUZZ_RUNS ?? 16);
const SEED = process.env.FLOE_FUZZ_SEED ? Number(process.env.FLOE_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`fuzz seed ${SEED} (FLOE_FUZZ_SEED=${SEED} replays), ${RUNS} runs per operation`);

const github = await startFakeGitHub();
const floe = await startTestApp({ FLOE_GITHUB_TOKEN: github.token, FLOE_GITHUB_API_URL: github.url });
const worker = floe.startWorker();
/** The merchant under test, and another organization whose ids the requests also carry. */
const own = await buildShop(floe, github);
const other = await buildShop(floe, github);
// No job runs while fuzzing: a job's writes would be taken for a refused request's.
await worker.stop();
const operations = await loadOperations(floe);

// ---------------------------------------------------------------- what a refused request wrote

/**
 * Whether anything was written: per table, its row count and the newest row version's xmin. An
 * insert or update makes a row version whose xmin is a transaction id newer than any before it; a
 * delete lowers the count; a rolled-back write leaves only invisible versions. This is read in the
 * test's own statement and does not depend on the statistics collector (pg_stat_* counters are
 * flushed per backend, late, and count rolled-back work). `rate_limits` is left out: counting a
 * refused attempt is what a rate limit is for.
 */
const UNWATCHED_TABLES = new Set(['rate_limits', 'kysely_migration', 'kysely_migration_lock', 'schema_migrations']);
const tables = (await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`.execute(floe.db)).rows
  .map((row) => row.tablename)
  .filter((name) => !UNWATCHED_TABLES.has(name));
const fingerprintQuery = sql.raw(
  `SELECT json_build_object(${tables.map((name) => `'${name}', (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${name}")`).join(', ')}) AS tables`,
);
/** The first transaction id not yet completed, cluster-wide: while it stays, no write committed anywhere. */
const nextTransactionQuery = sql<{ xmax: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`;

let cached: { xmax: string; tables: Record<string, string> } | undefined;
async function fingerprint(): Promise<Record<string, string>> {
  const { xmax } = (await nextTransactionQuery.execute(floe.db)).rows[0]!;
  // Other databases on the same server move xmax too; then the tables are read again.
  if (cached?.xmax === xmax) return cached.tables;
  const result = await fingerprintQuery.execute(floe.db);
  const tablesNow = (result.rows[0] as { tables: Record<string, string> }).tables;
  cached = { xmax: (await nextTransactionQuery.execute(floe.db)).rows[0]!.xmax === xmax ? xmax : '', tables: tablesNow };
  return tablesNow;
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((name) => before[name] !== after[name]);
}

// ---------------------------------------------------------------- values

const ids = (shop: Shop) => [
  shop.organizationId, shop.productId, shop.priceId, shop.recurringProductId, shop.recurringPriceId, shop.benefitId, shop.licenseBenefitId,
  shop.downloadableBenefitId, shop.adsBenefitId, shop.customFieldId, shop.discountId, shop.checkoutLinkId, shop.checkoutId, shop.customerId,
  shop.orderId, shop.subscriptionId, shop.grantId, shop.adsGrantId, shop.campaignId, shop.licenseKeyId, shop.activationId, shop.fileId,
  shop.webhookEndpointId, shop.webhookEventId, shop.organizationAccessTokenId, shop.repositoryId, shop.plainCustomerId, shop.merchant.userId,
];
const knownIds = [...ids(own), ...ids(other)];
/** Strings that are not what a path id should be, some not even valid percent-encoding once sent. */
const MALFORMED = ['not-a-uuid', '', ' ', '0', '-1', '99999999999999999999999', '00000000-0000-0000-0000-00000000000', 'ZZZZZZZZ-0000-0000-0000-000000000000', '\u0000', 'a\u0000b', '\ud800', '\udfff', '🙂', '../..', '%', '%00', "' OR 1=1 --", 'x'.repeat(4000), 'null', 'true', '{}', '[]'];
const SPECIAL_STRINGS = ['\u0000', 'nul\u0000inside', '\ud800', 'lone \udc00 low', '\uffff', '🙂‍🙂', 'é'.normalize('NFD'), '\u202e', 'x'.repeat(20_000), '', ' ', "'; DROP TABLE orders; --", '<script>alert(1)</script>', '%s%n', '\\', '"'];
const SPECIAL_NUMBERS = [0, -1, -0.5, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53, -(2 ** 53), 2 ** 63, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2];

const hostileString = fc.oneof(
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...knownIds),
);
const hostileScalar = fc.oneof(hostileString, fc.constantFrom(...SPECIAL_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
/** Any JSON at all: what a caller may send where the schema wants something else. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostileScalar, { maxKeys: 3 }) },
);

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...knownIds) }, { weight: 1, arbitrary: fc.uuid() });
    case 'date-time':
      return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
    case 'date':
      return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    case 'email':
      return fc.oneof(fc.emailAddress(), fc.constantFrom('buyer@example.com', 'UPPER@Example.COM'));
    case 'uri':
      return fc.oneof(fc.webUrl(), fc.constant('https://example.com/a?b=c'));
  }
  if (schema.pattern === '^https?://') return fc.webUrl();
  if (schema.pattern === '^usd$') return fc.constant('usd');
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 30, minLength + 30);
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((value) => value.length >= minLength && value.length <= (schema.maxLength ?? Infinity));
  return fc.string({ minLength, maxLength });
}

/** Values the schema allows (roughly: formats and bounds are followed, so requests get past validation). */
function allowed(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return fc.oneof(...union.map((member) => value({ ...schema, anyOf: undefined, oneOf: undefined, discriminator: undefined, ...member }, depth)));
  const type = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'object'];
  if (type.length > 1) return fc.oneof(...type.map((one: string) => allowed({ ...schema, type: one }, depth)));
  switch (type[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? Math.max((schema.minimum ?? 0) + 5000, 5000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'string':
      return stringFor(schema);
    case 'array':
      return fc.array(schema.items ? value(schema.items, depth + 1) : hostileScalar, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    default:
      return objectOf(schema, depth);
  }
}

function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  if (depth > 4 || Object.keys(properties).length === 0) return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), hostileScalar, { maxKeys: 3 });
  const fields = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, value(property, depth + 1)]));
  const required = ((schema.required ?? []) as string[]).filter((name) => name in fields);
  return fc
    .tuple(
      // Mostly every required field (so the request gets deep), sometimes some missing.
      fc.oneof({ weight: 4, arbitrary: fc.record(fields, { requiredKeys: required }) }, { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) }),
      // Extra fields, now and then.
      fc.option(fc.dictionary(fc.constantFrom('extra', 'id', 'organization_id', 'created_at', '__proto__', 'constructor', 'is_admin'), hostile, { maxKeys: 2 }), { freq: 4 }),
    )
    .map(([record, extra]) => ({ ...(extra ?? {}), ...record }));
}

/** A value for the schema: mostly allowed, sometimes anything. */
function value(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: allowed(schema, depth) }, { weight: 1, arbitrary: hostile });
}

function queryText(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item) ?? '';
}

/** A query string: each parameter from its schema (arrays repeated), now and then a bad or an unknown one. */
function queryFor(operation: Operation): fc.Arbitrary<string> {
  const parameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const entries = parameters.map((parameter) =>
    fc.option(
      fc.oneof(
        { weight: 4, arbitrary: allowed(parameter.schema, 1) },
        { weight: 1, arbitrary: fc.oneof(hostileString, fc.constantFrom(...SPECIAL_NUMBERS).map(String), fc.constantFrom('', 'abc', '1e999', '-5', '0x10')) },
      ).map((item) => [parameter.name, item] as const),
      { freq: 2 },
    ),
  );
  const unknown = fc.option(fc.tuple(fc.constantFrom('unknown', 'organization_id[]', 'limit', '__proto__'), hostileString), { freq: 5 });
  return fc.tuple(fc.tuple(...entries), unknown).map(([chosen, extra]) => {
    const search = new URLSearchParams();
    for (const entry of chosen) {
      if (!entry) continue;
      const [name, item] = entry;
      for (const one of Array.isArray(item) ? item : [item]) search.append(name, queryText(one));
    }
    if (extra) search.append(extra[0], extra[1]);
    const text = search.toString();
    return text ? `?${text}` : '';
  });
}

function pathValueFor(name: string): fc.Arbitrary<string> {
  const real: Record<string, string[]> = {
    client_secret: [own.checkoutClientSecret, other.checkoutClientSecret],
    token: [own.downloadableToken, other.downloadableToken],
    slug: [own.organizationSlug, other.organizationSlug],
    client_id: [own.oauth2ClientId, other.oauth2ClientId],
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...(real[name] ?? knownIds)) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }) },
  );
}

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'text'; text: string; contentType: string };

const OAUTH2_FORM_FIELDS = ['grant_type', 'code', 'redirect_uri', 'client_id', 'client_secret', 'refresh_token', 'code_verifier', 'token', 'token_type_hint', 'scope'];
const formBody = fc
  .dictionary(fc.constantFrom(...OAUTH2_FORM_FIELDS), fc.oneof(hostileString, fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', own.oauth2ClientId, other.oauth2ClientId)), { maxKeys: 5 })
  .map((fields): Body => ({ kind: 'text', text: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' }));
const brokenBody = fc.constantFrom<Body>(
  { kind: 'none' },
  { kind: 'text', text: '{broken', contentType: 'application/json' },
  { kind: 'text', text: '', contentType: 'application/json' },
  { kind: 'text', text: '{"a": "\\u0000"}', contentType: 'application/json' },
  { kind: 'text', text: '{"__proto__": {"polluted": true}}', contentType: 'application/json' },
  { kind: 'text', text: 'name=x', contentType: 'application/x-www-form-urlencoded' },
  { kind: 'text', text: 'plain', contentType: 'text/plain' },
  { kind: 'text', text: '[1,2]', contentType: 'application/json' },
);

function bodyFor(operation: Operation): fc.Arbitrary<Body> {
  const isForm = operation.method === 'post' && ['/v1/oauth2/token', '/v1/oauth2/revoke', '/v1/oauth2/introspect'].includes(operation.path);
  if (isForm) return fc.oneof({ weight: 4, arbitrary: formBody }, { weight: 1, arbitrary: brokenBody });
  if (!operation.body) return fc.oneof({ weight: 4, arbitrary: fc.constant<Body>({ kind: 'none' }) }, { weight: 1, arbitrary: hostile.map((item): Body => ({ kind: 'json', value: item })) });
  return fc.oneof(
    { weight: 6, arbitrary: value(operation.body).map((item): Body => ({ kind: 'json', value: item })) },
    { weight: 1, arbitrary: hostile.map((item): Body => ({ kind: 'json', value: item })) },
    { weight: 1, arbitrary: brokenBody },
  );
}

// ---------------------------------------------------------------- callers

type Caller = 'merchant' | 'organization' | 'anonymous' | 'customer' | 'other-customer' | 'dashboard';

function callersFor(operation: Operation): fc.Arbitrary<Caller> {
  if (operation.path.startsWith('/v1/customer-portal/')) return fc.constantFrom<Caller>('customer', 'customer', 'customer', 'other-customer', 'merchant', 'anonymous');
  if (operation.path.startsWith('/v1/oauth2/')) return fc.constantFrom<Caller>('dashboard', 'dashboard', 'merchant', 'anonymous');
  return fc.constantFrom<Caller>('merchant', 'merchant', 'merchant', 'organization', 'anonymous', 'customer');
}

function headersOf(caller: Caller): Record<string, string> {
  switch (caller) {
    case 'merchant':
      return { authorization: `Bearer ${own.merchant.token}` };
    case 'organization':
      return { authorization: `Bearer ${own.organizationToken}` };
    case 'customer':
      return { authorization: `Bearer ${own.customerSessionToken}` };
    case 'other-customer':
      return { authorization: `Bearer ${own.plainCustomerSessionToken}` };
    case 'dashboard':
      return { cookie: `floe_session=${own.userSession}`, 'x-csrf-token': floe.context.authenticator.csrfToken(own.userSession) };
    case 'anonymous':
      return {};
  }
}

// ---------------------------------------------------------------- the answers

interface Sent {
  caller: Caller;
  url: string;
  body: Body;
}

/** Polar's error bodies: 422 `{error, detail: [{type, loc, msg, input}]}`, other 4xx `{error, detail}`; OAuth2's own endpoints RFC 6749's `{error, error_description}`. */
function assertErrorShape(operation: Operation, status: number, contentType: string | null, text: string): void {
  assert.match(contentType ?? '', /^application\/json/, `a ${status} is JSON`);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(typeof body.error, 'string', `a ${status} names its error: ${text.slice(0, 300)}`);
  if (status === 422) {
    assert.ok(Array.isArray(body.detail) && body.detail.length > 0, `a 422's detail is a list of issues: ${text.slice(0, 300)}`);
    for (const issue of body.detail as Record<string, unknown>[]) {
      assert.equal(typeof issue.type, 'string', `issue type: ${JSON.stringify(issue)}`);
      assert.ok(Array.isArray(issue.loc) && issue.loc.length > 0 && issue.loc.every((part) => typeof part === 'string' || typeof part === 'number'), `issue loc: ${JSON.stringify(issue)}`);
      assert.ok(['body', 'query', 'path', 'header', 'cookie'].includes(issue.loc[0] as string), `issue loc names where: ${JSON.stringify(issue)}`);
      assert.equal(typeof issue.msg, 'string', `issue msg: ${JSON.stringify(issue)}`);
      assert.ok('input' in issue, `issue input: ${JSON.stringify(issue)}`);
    }
    return;
  }
  // RFC 6749 §5.2 and RFC 7591 §3.2.2: the OAuth2 endpoints answer their own error shape, as Polar's authlib does.
  if (operation.path.startsWith('/v1/oauth2/') && typeof body.error_description === 'string') return;
  assert.equal(typeof body.detail, 'string', `a ${status}'s detail is a string: ${text.slice(0, 300)}`);
}

async function send(operation: Operation, sent: Sent): Promise<{ status: number; contentType: string | null; text: string }> {
  const headers: Record<string, string> = headersOf(sent.caller);
  let payload: string | undefined;
  if (sent.body.kind === 'json') {
    payload = JSON.stringify(sent.body.value) ?? 'null';
    headers['content-type'] = 'application/json';
  } else if (sent.body.kind === 'text') {
    payload = sent.body.text;
    headers['content-type'] = sent.body.contentType;
  }
  // GET and DELETE carry no body from a well-behaved client; send one now and then anyway (fetch refuses it on GET).
  if (operation.method === 'get') payload = undefined;
  if (payload === undefined) delete headers['content-type'];
  const response = await fetch(`${floe.baseUrl}${sent.url}`, { method: operation.method.toUpperCase(), headers, body: payload, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

function requestsFor(operation: Operation): fc.Arbitrary<Sent> {
  const pathNames = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  const pathValues = fc.tuple(...pathNames.map(pathValueFor)).map((values) => Object.fromEntries(pathNames.map((name, index) => [name, values[index]!])));
  return fc.record({ caller: callersFor(operation), path: pathValues, query: queryFor(operation), body: bodyFor(operation) }).map(({ caller, path, query, body }) => {
    let url: string;
    try {
      url = fillPath(operation.path, path) + query;
    } catch {
      // A lone surrogate cannot be URL-encoded: send the replacement character a browser would.
      url = fillPath(operation.path, Object.fromEntries(Object.entries(path).map(([name, item]) => [name, item.replace(/[\ud800-\udfff]/g, '\ufffd')]))) + query;
    }
    return { caller, url, body };
  });
}

// What fuzzing found once, pinned so that it stays fixed whatever the seed.
describe('found by fuzzing', () => {
  const get = async (url: string, caller: Caller = 'merchant') => {
    const response = await fetch(`${floe.baseUrl}${url}`, { headers: headersOf(caller) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  test('NUL and lone surrogates anywhere in a request are a 422 naming the place, not a database error', async () => {
    const nul = await get('/v1/checkouts/custom/client/a%00b', 'anonymous');
    assert.equal(nul.status, 422);
    assert.deepEqual(nul.body.detail, [{ type: 'string_unicode', loc: ['path', 'client_secret'], msg: 'Input should be a valid string: it holds a NUL character or an unpaired surrogate', input: 'a\u0000b' }]);
    const query = await get('/v1/products/?query=%00');
    assert.deepEqual(query.body.detail[0].loc, ['query', 'query']);
    const body = await floe.call(own.merchant.token, 'PATCH', `/v1/customers/${own.plainCustomerId}`, { name: 'x', metadata: { ['k\ud800']: 'v' } });
    assert.equal(body.status, 422);
    assert.deepEqual(body.body.detail[0].loc, ['body', 'metadata', 'k\ud800']);
  });

  test('page=1e300 (or 1e999, Infinity once coerced) is a page past the end: empty, not a bigint overflow', async () => {
    for (const page of ['1e300', '1e999']) {
      const far = await get(`/v1/custom-fields/?page=${page}`);
      assert.equal(far.status, 200, JSON.stringify(far.body));
      assert.deepEqual(far.body.items, []);
    }
  });

  test('1e999 in a JSON body (Infinity) is no integer: 422', async () => {
    const response = await fetch(`${floe.baseUrl}/v1/discounts/`, {
      method: 'POST',
      headers: { ...headersOf('merchant'), 'content-type': 'application/json' },
      body: `{"name": "Infinite", "type": "fixed", "amount": 1e999, "currency": "usd", "duration": "once", "organization_id": "${own.organizationId}"}`,
    });
    const body = (await response.json()) as { detail: { loc: unknown[] }[] };
    assert.equal(response.status, 422, JSON.stringify(body));
    assert.deepEqual(body.detail[0]?.loc, ['body', 'amount']);
  });

  test('a path parameter past the router limit (414) and a request line past the header limit (431) answer in Polar shape', async () => {
    const long = await get(`/v1/products/${'x'.repeat(1200)}`);
    assert.deepEqual([long.status, long.body], [414, { error: 'URITooLong', detail: 'A path parameter is too long.' }]);
    const huge = await get(`/v1/products/?query=${'x'.repeat(20_000)}`);
    assert.deepEqual([huge.status, huge.body], [431, { error: 'RequestHeaderFieldsTooLarge', detail: 'The request line or headers are too large.' }]);
  });

  test("another organization's price in a checkout's client update is a 422 on product_price_id", async () => {
    const response = await floe.call('', 'PATCH', `/v1/checkouts/custom/client/${own.checkoutClientSecret}`, { product_price_id: other.priceId });
    assert.equal(response.status, 422, JSON.stringify(response.body));
    assert.deepEqual(response.body.detail[0].loc, ['body', 'product_price_id']);
  });

  test('a license-key usage increment past 32 bits is a 422, not a bigint overflow', async () => {
    const response = await floe.call('', 'POST', '/v1/customer-portal/license-keys/validate', { key: own.licenseKey, organization_id: own.organizationId, increment_usage: 2 ** 63 });
    assert.equal(response.status, 422, JSON.stringify(response.body));
    assert.deepEqual(response.body.detail[0].loc, ['body', 'increment_usage']);
  });
});

// Deletions last, so that the other operations still find the shop's objects.
const ordered = [...operations].sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));

describe(`every operation, fuzzed (seed ${SEED})`, () => {
  before(() => assert.ok(operations.length > 100, `the document lists the operations (${operations.length})`));

  test('the write check sees a write', async () => {
    const before = await fingerprint();
    const response = await floe.call(own.merchant.token, 'PATCH', `/v1/customers/${own.plainCustomerId}`, { name: 'Renamed by the check' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    cached = undefined;
    assert.ok(changedTables(before, await fingerprint()).includes('customers'));
  });

  for (const [index, operation] of ordered.entries()) {
    test(operation.key, async () => {
      const result = await fc.check(
        fc.asyncProperty(requestsFor(operation), async (sent) => {
          const before = await fingerprint();
          const answer = await send(operation, sent);
          const where = `${operation.method.toUpperCase()} ${sent.url.slice(0, 300)} as ${sent.caller}, body ${JSON.stringify(sent.body).slice(0, 500)}`;
          assert.ok(answer.status < 500, `${where}: ${answer.status} ${answer.text.slice(0, 300)}`);
          if (answer.status >= 400) {
            assertErrorShape(operation, answer.status, answer.contentType, answer.text);
            const changed = changedTables(before, await fingerprint());
            assert.deepEqual(changed, [], `${where}: refused with ${answer.status} but wrote to ${changed.join(', ')}`);
          } else {
            cached = undefined;
          }
        }),
        // One seed per operation, derived from the run's: an operation replays alone with the same seed.
        { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
      );
      if (result.failed) {
        const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        assert.fail(`${operation.key} failed after ${result.numRuns} runs (seed ${SEED}, operation seed ${SEED + index}): ${error}`);
      }
    });
  }
});
