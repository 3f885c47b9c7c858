// The floors Floe is measured against, on the same PostgreSQL and with the same pool size:
// bare Fastify routes answering `{}`, doing one primary-key SELECT, and doing one single-row UPDATE;
// and the metrics computed by plain GROUP BY queries over the raw orders and subscriptions.
import Fastify from 'fastify';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../src/config.js';
import { openDatabase } from '../src/kit/db.js';
import { getMetricsFromRawTables } from '../src/modules/metrics/service.js';
import type { MetricsQuery } from '../src/modules/metrics/schemas.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
// The same pool size as Floe's default.
const pool = new pg.Pool({ connectionString: url, max: DEFAULT_POOL_SIZE });

await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, name text NOT NULL, counter integer NOT NULL DEFAULT 0)');
const { rows } = await pool.query<{ id: string }>(
  `INSERT INTO bench_rows (id, name) SELECT gen_random_uuid(), 'row ' || n FROM generate_series(1, 1000) n
   ON CONFLICT DO NOTHING RETURNING id`,
);
const ids = rows.map((row) => row.id);
let next = 0;
const pick = () => ids[next++ % ids.length];

const app = Fastify({ logger: false });
app.get('/empty', async () => ({}));
app.get('/select', async () => (await pool.query('SELECT * FROM bench_rows WHERE id = $1', [pick()])).rows[0]);
app.post('/update', async () => {
  const result = await pool.query('UPDATE bench_rows SET counter = counter + 1 WHERE id = $1 RETURNING *', [pick()]);
  return result.rows[0];
});
// The organization's metrics without the rollups (no authentication: the organization is named).
const metricsDb = openDatabase(url, { max: DEFAULT_POOL_SIZE }).db;
app.get<{ Querystring: MetricsQuery & { organization_id: string } }>('/metrics-naive', async (request) => {
  const { organization_id: organizationId, ...query } = request.query;
  return getMetricsFromRawTables(metricsDb, { kind: 'organization', organizationId, scopes: new Set(['metrics:read']) }, query);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
