// A checkout's event stream: Polar's `GET /v1/checkouts/custom/client/{client_secret}/stream`
// (left out of its OpenAPI, as Polar's), which the checkout page listens on to learn without
// polling that the payment went through. Server-sent events, each `data: {"id", "key", "payload"}`
// as Polar's: `checkout.updated` with the checkout's status, and `checkout.order_created` once its
// order exists. An event reaches the streams open in this process when the transaction that causes
// it commits; a change made by another process (a separate `floe worker`) is found by each stream's
// status check, once a second.
import { randomUUID } from 'node:crypto';
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
export function subscribe(clientSecret: string, listener: Listener): () => void {
  let set = listeners.get(clientSecret);
  if (!set) listeners.set(clientSecret, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(clientSecret);
  };
}
