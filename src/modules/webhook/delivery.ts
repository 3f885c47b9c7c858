// Webhook delivery, from the outbox to the merchant's endpoint.
//
// 1. The dispatcher takes events not yet dispatched (`events.dispatched_at IS NULL`, claimed with
//    SKIP LOCKED) and, in one transaction, writes a `webhook_events` row per subscribed endpoint
//    with the body rendered for its format, then marks the events dispatched. A crash before the
//    commit leaves the events to the next dispatcher; none is lost, none fanned out twice.
// 2. Senders claim due webhook events with a lease (so several processes share the work, and a
//    sender that dies mid-send leaves its events to be sent again when the lease runs out: a
//    redelivery, never a drop), POST them signed the Standard Webhooks way, and record every
//    attempt. Only a 2xx is a success (redirects are not followed); failures are retried with
//    exponential backoff and jitter, up to 10 attempts. Every attempt of an event carries the
//    same `webhook-id`.
// Work is done in batches (one claim, one insert of attempts, one update) to keep up with bursts.
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { clock } from '../../kit/clock.js';
import type { Context } from '../../kit/context.js';
import { afterCommit, transaction, type Database } from '../../kit/db.js';
import { eventsRecorded } from '../../kit/events.js';
import { pollLoop, Signal } from '../../kit/poll.js';
import { newId } from '../../kit/ids.js';
import type { BackgroundTask, RunningTask } from '../../kit/module.js';
import { renderPayload } from './format.js';
import { publicOnlyLookup } from './url-safety.js';
import type { WebhookFormat } from '../../db/schema/webhook.js';

export const MAX_ATTEMPTS = 10;
const DISPATCH_BATCH = 500;
/** While events keep coming, how long the dispatcher lets them gather between batches. */
const DISPATCH_GATHER_MS = 20;
const SEND_BATCH = 200;
/** Raised when a transaction that made deliveries due commits (dispatch, redelivery). */
export const deliveriesDue = new Signal();
/** Bytes of a response body kept with the attempt. */
const RESPONSE_EXCERPT_BYTES = 2048;

/**
 * Fans a batch of recorded events out to the endpoints subscribed to them. One statement claims
 * the batch, marks it dispatched and answers, for each event, the endpoints to deliver it to (the
 * payload only then: most events of most organizations go nowhere); the deliveries are inserted in
 * the same transaction, so a crash between the two loses nothing.
 */
async function dispatchEvents(db: Database): Promise<number> {
  return transaction(db, async (trx) => {
    const now = clock.now();
    const fannedOut = (
      await sql<{ id: string; endpoint_id: string | null; format: WebhookFormat | null; payload: { type: string; data: unknown } | null; organization_name: string | null }>`
        WITH claimed AS (
          SELECT id FROM events WHERE dispatched_at IS NULL ORDER BY created_at, sequence LIMIT ${DISPATCH_BATCH} FOR UPDATE SKIP LOCKED
        ), marked AS (
          UPDATE events e SET dispatched_at = ${now} FROM claimed WHERE e.id = claimed.id
          RETURNING e.id, e.organization_id, e.type, e.payload
        )
        SELECT m.id, ep.id AS endpoint_id, ep.format, CASE WHEN ep.id IS NOT NULL THEN m.payload END AS payload, o.name AS organization_name
        FROM marked m
        LEFT JOIN webhook_endpoints ep ON ep.organization_id = m.organization_id AND ep.deleted_at IS NULL AND m.type = ANY(ep.events)
        LEFT JOIN organizations o ON ep.id IS NOT NULL AND o.id = m.organization_id`.execute(trx)
    ).rows;
    const rows = fannedOut.flatMap((row) =>
      row.endpoint_id && row.format && row.payload
        ? [
            {
              id: newId(),
              created_at: now,
              event_id: row.id,
              endpoint_id: row.endpoint_id,
              payload: renderPayload(row.format, row.payload, row.organization_name ?? ''),
              attempts: 0,
              next_attempt_at: now,
            },
          ]
        : [],
    );
    if (rows.length > 0) afterCommit(trx, () => deliveriesDue.raise());
    for (let start = 0; start < rows.length; start += 1000) {
      await trx.insertInto('webhook_events').values(rows.slice(start, start + 1000)).onConflict((oc) => oc.columns(['event_id', 'endpoint_id']).doNothing()).execute();
    }
    return new Set(fannedOut.map((row) => row.id)).size;
  });
}

interface ClaimedEvent {
  id: string;
  endpoint_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  deleted_at: Date | null;
}

interface Attempt {
  event: ClaimedEvent;
  succeeded: boolean;
  httpCode: number | null;
  response: string;
  durationMs: number;
}

const signers = new Map<string, Webhook>();
/** The SDK verifies with the endpoint secret's UTF-8 bytes as the key (base64 for the library). */
function signerFor(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size > 1000) signers.clear();
    signer = new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
    signers.set(secret, signer);
  }
  return signer;
}

async function readExcerpt(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= RESPONSE_EXCERPT_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}

async function attempt(agent: Agent, timeoutMs: number, event: ClaimedEvent): Promise<Attempt> {
  const started = performance.now();
  const timestamp = clock.now();
  const signature = signerFor(event.secret).sign(event.id, timestamp, event.payload);
  try {
    const response = await request(event.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Floe webhooks',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: event.payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(response.body);
    const succeeded = response.statusCode >= 200 && response.statusCode < 300;
    return { event, succeeded, httpCode: response.statusCode, response: excerpt, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { event, succeeded: false, httpCode: null, response: message.slice(0, RESPONSE_EXCERPT_BYTES), durationMs: Math.round(performance.now() - started) };
  }
}

function backoffMs(baseMs: number, attempts: number): number {
  const exponential = baseMs * 2 ** (attempts - 1);
  return exponential * (0.75 + Math.random() * 0.5);
}

async function sendDueEvents(context: Context, agent: Agent): Promise<number> {
  const { db, config } = context;
  const now = clock.now();
  const leaseUntil = new Date(now.getTime() + config.webhooks.timeoutMs + 5000);
  const claimed = (
    await sql<ClaimedEvent>`
      UPDATE webhook_events we SET locked_until = ${leaseUntil}, attempts = we.attempts + 1
      FROM webhook_endpoints ep
      WHERE ep.id = we.endpoint_id AND we.id IN (
        SELECT id FROM webhook_events
        WHERE next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})
        ORDER BY next_attempt_at
        LIMIT ${SEND_BATCH}
        FOR UPDATE SKIP LOCKED)
      RETURNING we.id, we.endpoint_id, we.payload, we.attempts, ep.url, ep.secret, ep.deleted_at`.execute(db)
  ).rows;
  if (claimed.length === 0) return 0;
  const live = claimed.filter((event) => event.deleted_at === null);
  const attempts = await Promise.all(live.map((event) => attempt(agent, config.webhooks.timeoutMs, event)));
  const finished = clock.now();
  await transaction(db, async (trx) => {
    if (attempts.length > 0) {
      await trx
        .insertInto('webhook_deliveries')
        .values(attempts.map((result) => ({ id: newId(), created_at: finished, webhook_event_id: result.event.id, endpoint_id: result.event.endpoint_id, succeeded: result.succeeded, http_code: result.httpCode, response: result.response, duration_ms: result.durationMs })))
        .execute();
    }
    const outcomes = [
      ...attempts.map((result) => {
        const retry = !result.succeeded && result.event.attempts < MAX_ATTEMPTS;
        const next = retry ? new Date(finished.getTime() + backoffMs(config.webhooks.retryBaseMs, result.event.attempts)) : null;
        return sql`(${result.event.id}::uuid, ${result.succeeded}::boolean, ${result.httpCode}::integer, ${next}::timestamptz)`;
      }),
      // An endpoint deleted meanwhile: its events are not sent.
      ...claimed.filter((event) => event.deleted_at !== null).map((event) => sql`(${event.id}::uuid, NULL::boolean, NULL::integer, NULL::timestamptz)`),
    ];
    await sql`
      UPDATE webhook_events we SET succeeded = coalesce(o.succeeded, we.succeeded), last_http_code = coalesce(o.http_code, we.last_http_code),
        next_attempt_at = o.next_attempt_at, locked_until = NULL, modified_at = ${finished}
      FROM (VALUES ${sql.join(outcomes)}) AS o (id, succeeded, http_code, next_attempt_at)
      WHERE we.id = o.id`.execute(trx);
  });
  return claimed.length;
}

export const webhookDelivery: BackgroundTask = {
  name: 'webhooks',
  start(context: Context): RunningTask {
    const agent = new Agent({
      keepAliveTimeout: 10_000,
      ...(context.config.webhooks.allowPrivateUrls ? {} : { connect: { lookup: publicOnlyLookup } }),
    });
    // Fan-out is not latency-critical to the millisecond: while busy, gather events for a batch.
    const dispatcher = pollLoop('webhook dispatch', context, eventsRecorded, () => dispatchEvents(context.db), { gatherMs: DISPATCH_GATHER_MS });
    const sender = pollLoop('webhook delivery', context, deliveriesDue, () => sendDueEvents(context, agent));
    let stopping: Promise<void> | undefined;
    return {
      stop() {
        stopping ??= Promise.all([dispatcher.stop(), sender.stop()]).then(() => agent.close());
        return stopping;
      },
    };
  },
};
