// Renewals per second: 100,000 monthly subscriptions, each with its customer, saved card and first
// order, fall due on a database of their own while two `floe worker` processes run, which renew
// them as in production (the billing sweep claims batches with SKIP LOCKED; each renewal charges the
// card through the test processor, writes its order, moves the period, records its events and its
// e-mail with its job). Timed from the instant the first fell due until none is left due, and
// compared with pgbench's TPC-B on the same PostgreSQL: a renewal writes about as many rows as one
// of its transactions. Twice: all due at one instant, and spread over one second in whole
// milliseconds (as checkouts stamp them, about 100 a millisecond).
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Tables } from '../../src/db/schema/index.js';
import { addMonths } from '../../src/kit/calendar.js';
import { openDatabase, transaction, type Database } from '../../src/kit/db.js';
import { newId } from '../../src/kit/ids.js';
import { findOrCreateOrganization } from '../../src/modules/organization/service.js';
import { BILLING_BATCH } from '../../src/modules/subscription/billing.js';
import { lockDue } from '../../src/modules/subscription/repository.js';
import { findOrCreateUser } from '../../src/modules/user/service.js';
import { cpuSince, createBenchDatabase, hostCpuSince, measurePgbench, postgresPids, startFloeWorker, type Measurement } from '../harness.js';
import type { BenchCase, CaseResult } from './types.js';

const SUBSCRIPTIONS = 100_000;
const WORKERS = 2;
const PRICE_AMOUNT = 1500;
/** The target: renewals/s as a share of pgbench's TPC-B tps. */
const TARGET_SHARE = 0.3;
/** From writing the subscriptions to the first falling due: time to write their orders and VACUUM ANALYZE. */
const DUE_AFTER_MS = 30_000;
const POLL_MS = 200;
const DRAIN_TIMEOUT_MS = 1_200_000;
const PGBENCH_SECONDS = 10;

interface Catalog {
  organizationId: string;
  productId: string;
  priceId: string;
}

async function seedCatalog(db: Database): Promise<Catalog> {
  const organizationId = await transaction(db, async (trx) => {
    const user = await findOrCreateUser(trx, 'renewals@example.com');
    return (await findOrCreateOrganization(trx, user.id, { name: 'Renewals', slug: 'renewals' })).id;
  });
  const productId = newId();
  const priceId = newId();
  await db.insertInto('products').values({ id: productId, organization_id: organizationId, name: 'Bench membership', is_recurring: true, metadata: '{}' }).execute();
  await db
    .insertInto('product_prices')
    .values({ id: priceId, product_id: productId, type: 'recurring', recurring_interval: 'month', amount_type: 'fixed', price_amount: PRICE_AMOUNT, price_currency: 'usd' })
    .execute();
  return { organizationId, productId, priceId };
}

/** The customers and their saved cards, as checkouts leave them (a billing address, Stripe's test Visa). */
async function seedCustomers(db: Database, { organizationId }: Catalog, createdAt: Date): Promise<void> {
  await sql`INSERT INTO customers (id, created_at, organization_id, email, name, billing_address)
    SELECT gen_random_uuid(), ${createdAt}, ${organizationId}, 'subscriber' || n || '@example.com', 'Subscriber ' || n, '{"country": "US"}'::jsonb
    FROM generate_series(1, ${SUBSCRIPTIONS}) n`.execute(db);
  await sql`INSERT INTO payment_methods (id, created_at, organization_id, customer_id, processor_id, brand, last4)
    SELECT gen_random_uuid(), created_at, organization_id, id, 'pm_card_visa', 'visa', '4242' FROM customers WHERE organization_id = ${organizationId}`.execute(db);
}

/**
 * One active monthly subscription a customer, due `dueAt` plus up to `spreadMs` (whole ms) and
 * started a month before, with the order its checkout wrote: the columns checkout/confirm.ts
 * (handleSuccess) writes.
 */
async function seedSubscriptions(db: Database, { organizationId, productId, priceId }: Catalog, dueAt: Date, spreadMs: number): Promise<void> {
  await sql`INSERT INTO subscriptions (id, created_at, organization_id, customer_id, product_id, price_id, amount, currency, recurring_interval, status,
      current_period_start, current_period_end, billing_cycle_anchor, due_at, payment_method_id, started_at, custom_field_data, metadata)
    SELECT gen_random_uuid(), due - interval '1 month', ${organizationId}, customer_id, ${productId}, ${priceId}, ${PRICE_AMOUNT}, 'usd', 'month', 'active',
      due - interval '1 month', due, due - interval '1 month', due, id, due - interval '1 month', '{}', '{}'
    FROM (SELECT id, customer_id, ${dueAt}::timestamptz + floor(random() * ${spreadMs}) * interval '1 millisecond' AS due
      FROM payment_methods WHERE organization_id = ${organizationId}) method`.execute(db);
  await sql`INSERT INTO orders (id, created_at, organization_id, customer_id, product_id, product_price_id, subscription_id, amount, tax_amount, currency,
      billing_reason, billing_address, custom_field_data, metadata, subscription_period_start)
    SELECT gen_random_uuid(), s.started_at, s.organization_id, s.customer_id, s.product_id, s.price_id, s.id, s.amount, 0, s.currency,
      'subscription_create', c.billing_address, '{}', '{}', s.started_at
    FROM subscriptions s JOIN customers c ON c.id = s.customer_id`.execute(db);
}

/**
 * The plans of the billing sweep's claim with every subscription due: the statement exactly as
 * repository.lockDue sends it (caught from a run rolled back), explained as PostgreSQL plans it for
 * these values, then as the generic plan of the prepared statement Floe makes of it.
 */
async function explainClaim(url: string, until: Date): Promise<{ custom: string; generic: string }> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  let claim: CompiledQuery | undefined;
  const db = new Kysely<Tables>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (/^select/i.test(event.query.sql)) claim ??= event.query;
    },
  });
  const rolledBack = new Error('rolled back');
  try {
    await db
      .transaction()
      .execute(async (trx) => {
        await lockDue(trx, { until, limit: BILLING_BATCH });
        throw rolledBack;
      })
      .catch((error: unknown) => {
        if (error !== rolledBack) throw error;
      });
    if (!claim) throw new Error('the claim ran no statement');
    const { sql: text, parameters } = claim;
    const client = await pool.connect();
    try {
      // EXPLAIN ANALYZE takes the rows' locks: each in a transaction rolled back.
      const plan = async (statement: string, values: readonly unknown[] = []) => {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(statement, [...values]);
          return rows.map((row) => row['QUERY PLAN']).join('\n');
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const custom = await plan(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, parameters);
      await client.query(`PREPARE claim AS ${text}`);
      await client.query('SET plan_cache_mode = force_generic_plan');
      const literals = parameters.map((value) => client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value)));
      const generic = await plan(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE claim(${literals.join(', ')})`);
      return { custom, generic };
    } finally {
      client.release(true);
    }
  } finally {
    await db.destroy();
  }
}

/** A plan on one line: its nodes, sort keys and actual times. */
function summary(plan: string): string {
  return plan
    .split('\n')
    .map((line) => line.trim().replace(/^->\s*/, ''))
    .filter((line) => /^(Limit|LockRows|Sort|Incremental Sort|Sort Key|Presorted Key|Index|Seq Scan|Bitmap|Execution Time)/.test(line) && !line.startsWith('Index Cond'))
    .join(' → ');
}

const usesDueIndex = (plan: string) => plan.includes('subscriptions_due_at_idx') && !plan.includes('Seq Scan on subscriptions');

interface Drain {
  /** When the last was renewed, half of them, 99% of them: ms after the first fell due. */
  doneMs: number;
  halfMs: number;
  mostMs: number;
}

/** Polls how many are still due by `until` until none is; times from `from`. */
async function drain(db: Database, from: Date, until: Date): Promise<Drain> {
  let halfMs: number | undefined;
  let mostMs: number | undefined;
  for (;;) {
    const { rows } = await sql<{ due: number }>`SELECT count(*)::int AS due FROM subscriptions WHERE due_at <= ${until}`.execute(db);
    const due = rows[0]?.due ?? 0;
    const elapsed = Date.now() - from.getTime();
    if (due <= SUBSCRIPTIONS / 2) halfMs ??= elapsed;
    if (due <= SUBSCRIPTIONS / 100) mostMs ??= elapsed;
    if (due === 0) return { doneMs: elapsed, halfMs: halfMs ?? elapsed, mostMs: mostMs ?? elapsed };
    if (elapsed > DRAIN_TIMEOUT_MS) throw new Error(`${due} renewals still due after ${DRAIN_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** What the drain left: each subscription renewed exactly once, and how far its e-mails got. */
async function check(db: Database, dueAt: Date, until: Date) {
  const orders = await sql<{ orders: number; subscriptions: number }>`
    SELECT count(*)::int AS orders, count(DISTINCT subscription_id)::int AS subscriptions FROM orders WHERE billing_reason = 'subscription_cycle'`.execute(db);
  const moved = await sql<{ moved: number }>`
    SELECT count(*)::int AS moved FROM subscriptions
    WHERE status = 'active' AND current_period_start BETWEEN ${dueAt} AND ${until} AND due_at = current_period_end AND due_at > ${until}`.execute(db);
  const jobs = await sql<{ emails: number; sent: number }>`
    SELECT count(*)::int AS emails, count(done_at)::int AS sent FROM jobs WHERE name = 'email.send'`.execute(db);
  return {
    orders: orders.rows[0]?.orders ?? 0,
    renewed: orders.rows[0]?.subscriptions ?? 0,
    moved: moved.rows[0]?.moved ?? 0,
    emails: jobs.rows[0]?.emails ?? 0,
    sent: jobs.rows[0]?.sent ?? 0,
  };
}

/** PostgreSQL's processes that work for this database: its backends, and the server's own (WAL writer, checkpointer…). */
async function serverProcessesOf(db: Database): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL`.execute(db);
  return rows.map((row) => row.pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const format = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

interface Run {
  drain: Drain;
  result: Awaited<ReturnType<typeof check>>;
  cpu: { floe: number; postgres: number; host: number };
  plans: { custom: string; generic: string };
}

/** Seeds a fresh database, starts the workers, lets the subscriptions fall due and times the drain. */
async function renewAll(spreadMs: number): Promise<Run> {
  const database = await createBenchDatabase();
  const handle = openDatabase(database.url, { max: 2 });
  const workers: Awaited<ReturnType<typeof startFloeWorker>>[] = [];
  try {
    const catalog = await seedCatalog(handle.db);
    await seedCustomers(handle.db, catalog, addMonths(new Date(), -1));
    await sql`VACUUM ANALYZE`.execute(handle.db);
    // The workers run (and find nothing due) before the subscriptions are written.
    for (let index = 0; index < WORKERS; index++) workers.push(await startFloeWorker(database.url, `floe-bench-renewals-${index}`));
    const dueAt = new Date(Date.now() + DUE_AFTER_MS);
    const until = new Date(dueAt.getTime() + spreadMs);
    await seedSubscriptions(handle.db, catalog, dueAt, spreadMs);
    await sql`VACUUM ANALYZE`.execute(handle.db);
    const plans = await explainClaim(database.url, until);
    if (Date.now() >= dueAt.getTime()) throw new Error(`seeding took past the instant the subscriptions fell due: raise DUE_AFTER_MS (${DUE_AFTER_MS} ms)`);
    await sleep(dueAt.getTime() - Date.now());

    const floeCpu = cpuSince(workers.flatMap((worker) => (worker.process.pid ? [worker.process.pid] : [])));
    const postgresCpu = cpuSince(postgresPids());
    const hostCpu = hostCpuSince();
    const drained = await drain(handle.db, dueAt, until);
    const cpu = { floe: floeCpu(), postgres: postgresCpu(await serverProcessesOf(handle.db)), host: hostCpu() };
    const result = await check(handle.db, dueAt, until);
    return { drain: drained, result, cpu, plans };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await handle.close();
    await database.close();
  }
}

function resultOf(label: string, run: Run, tps: { before: number | null; after: number | null }): CaseResult {
  const { drain: drained, result, cpu, plans } = run;
  const perSecond = SUBSCRIPTIONS / (drained.doneMs / 1000);
  const doubled = result.orders - result.renewed;
  const measurement: Measurement = {
    name: `renewals: ${format(SUBSCRIPTIONS)} subscriptions due ${label} (${WORKERS} \`floe worker\`)`,
    requestsPerSecond: perSecond,
    p50: drained.halfMs,
    p99: drained.mostMs,
    errors: SUBSCRIPTIONS - result.renewed + doubled,
    non2xx: 0,
  };
  const reference = tps.before && tps.after ? (tps.before + tps.after) / 2 : (tps.before ?? tps.after);
  const share = reference ? perSecond / reference : undefined;
  const versus = reference
    ? `${Math.round((share ?? 0) * 100)}% of pgbench TPC-B (${format(reference)} tps, the mean of ${format(tps.before ?? 0)} right before and ${format(tps.after ?? 0)} right after; 20 clients, same PostgreSQL)`
    : 'pgbench not installed';
  const perRenewal = (ms: number) => format(ms / SUBSCRIPTIONS, 2);
  const others = Math.max(0, cpu.host - cpu.floe - cpu.postgres);
  const index = usesDueIndex(plans.custom) && usesDueIndex(plans.generic) ? 'uses' : 'does NOT use';
  return {
    measurement,
    target: `≥ ${TARGET_SHARE * 100}% of pgbench TPC-B tps`,
    met: (_ratio, m) => share !== undefined && share >= TARGET_SHARE && m.errors === 0 && result.moved === SUBSCRIPTIONS,
    note:
      `renewals/s in the req/s column; p50/p99: ms from the first falling due until half / 99% were renewed, all of them in ${format(drained.doneMs / 1000, 1)} s — ${versus}. ` +
      `${format(result.orders)} \`subscription_cycle\` orders for ${format(result.renewed)} subscriptions (${format(doubled)} doubled), ${format(result.moved)} periods moved once; ` +
      `${format(result.sent)} of ${format(result.emails)} renewal e-mail jobs done by then. ` +
      `CPU per renewal: Floe's workers ${perRenewal(cpu.floe)} ms, PostgreSQL (this database's backends and the server's own processes) ${perRenewal(cpu.postgres)} ms; everything else on the host ${format(others / 1000, 1)} core-s during the drain. ` +
      `The claim ${index} subscriptions_due_at_idx without a scan of all (EXPLAIN ANALYZE, every subscription due): ` +
      `custom plan \`${summary(plans.custom)}\`; generic plan \`${summary(plans.generic)}\``,
  };
}

export const renewalCase: BenchCase = {
  name: 'renewals',
  async run() {
    const results: CaseResult[] = [];
    let before = await measurePgbench(PGBENCH_SECONDS);
    for (const [label, spreadMs] of [['at one instant', 0], ['within one second', 1000]] as const) {
      const run = await renewAll(spreadMs);
      const after = await measurePgbench(PGBENCH_SECONDS);
      results.push(resultOf(label, run, { before, after }));
      before = after;
    }
    return results;
  },
};
