// A checkout's event stream: Polar's `GET /v1/checkouts/custom/client/{client_secret}/stream`
// (left out of its OpenAPI, as Polar's), which the checkout page listens on to learn without
// polling that the payment went through. Server-sent events, each `data: {"id", "key", "payload"}`
// as Polar's: `checkout.updated` with the checkout's status, and `checkout.order_created` once its
// order exists. An event reaches the streams open in this process when the transaction that causes
// it commits; a change made by another process (a separate `floe worker`) is found by each stream's
// status check, once a second. Once the status is final (succeeded, expired, failed) nothing more
// can happen: the stream ends after that commit's events, so its connection can serve again.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { CheckoutRow } from '../../db/schema/commerce.js';
import { afterCommit, type Transaction } from '../../kit/db.js';

export interface CheckoutStreamEvent {
  id: string;
  key: 'checkout.updated' | 'checkout.order_created';
  payload: { status?: CheckoutRow['status'] };
}

type Listener = (event: CheckoutStreamEvent) => void;

const listeners = new Map<string, Set<Listener>>();

/** Sends the event to the checkout's open streams once `trx` commits. */
export function publishCheckoutEvent(trx: Transaction, clientSecret: string, key: CheckoutStreamEvent['key'], payload: CheckoutStreamEvent['payload'] = {}): void {
  afterCommit(trx, () => {
    for (const listener of listeners.get(clientSecret) ?? []) listener({ id: randomUUID(), key, payload });
  });
}

/** Calls `listener` with each event of the checkout until the returned function is called. */
function subscribe(clientSecret: string, listener: Listener): () => void {
  let set = listeners.get(clientSecret);
  if (!set) listeners.set(clientSecret, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(clientSecret);
  };
}

/** How often an open stream checks for a change made by another process, and sends a keep-alive. */
const STREAM_CHECK_MS = 1_000;
const STREAM_PING_MS = 15_000;
const FINAL_STATUSES: ReadonlySet<CheckoutRow['status']> = new Set(['succeeded', 'expired', 'failed']);

/**
 * Sends the checkout's events on `response` as server-sent events, from the status it has now,
 * until the status is final or the client goes away; answers a function that ends the stream.
 */
export function streamCheckoutEvents(
  response: ServerResponse,
  clientSecret: string,
  initialStatus: CheckoutRow['status'],
  currentStatus: () => Promise<CheckoutRow['status'] | undefined>,
): () => void {
  let status = initialStatus;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Headers now: the page waits for them before it goes on to confirm.
  response.flushHeaders();
  let ending = false;
  const send = (event: CheckoutStreamEvent) => {
    if (ending) return;
    if (event.key === 'checkout.updated' && event.payload.status) status = event.payload.status;
    // The events of one commit leave in one write, and a final status ends the stream after them.
    if (!response.writableCorked) {
      response.cork();
      process.nextTick(() => {
        response.uncork();
        if (FINAL_STATUSES.has(status)) close();
      });
    }
    response.write(`data: ${JSON.stringify(event)}\n\n`);
  };
  const unsubscribe = subscribe(clientSecret, send);
  const check = setInterval(() => {
    currentStatus().then(
      (current) => {
        if (current !== undefined && current !== status) send({ id: randomUUID(), key: 'checkout.updated', payload: { status: current } });
      },
      () => {},
    );
  }, STREAM_CHECK_MS);
  // A comment now and then keeps proxies from closing a quiet stream.
  const ping = setInterval(() => response.write(': ping\n\n'), STREAM_PING_MS);
  const close = () => {
    if (ending) return;
    ending = true;
    unsubscribe();
    clearInterval(check);
    clearInterval(ping);
    response.end();
  };
  response.on('close', close);
  if (FINAL_STATUSES.has(status)) process.nextTick(close);
  return close;
}
