// A checkout's event stream: Polar's `GET /v1/checkouts/custom/client/{client_secret}/stream`
// (left out of its OpenAPI, as Polar's), which the checkout page listens on to learn without
// polling that the payment went through. Server-sent events, each `data: {"id", "key", "payload"}`
// as Polar's: `checkout.updated` with the checkout's status at every change, and
// `checkout.order_created` once its order exists. The changes come from PostgreSQL: a trigger
// announces each one as it commits (migration 0082), whichever process made it, and each Floe
// process with streams open listens (kit/listen.ts). Once the status is final (succeeded, expired,
// failed) nothing more can happen: the stream ends after that change, so its connection can serve
// again.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { CheckoutRow } from '../../db/schema/commerce.js';
import type { Notifications } from '../../kit/listen.js';

type Status = CheckoutRow['status'];

/** What the trigger announces. */
interface CheckoutChange {
  client_secret: string;
  status: Status;
  order_created: boolean;
}

interface Subscriber {
  change(change: CheckoutChange): void;
  /** Notifications may have been lost (the listening connection dropped): look again. */
  resync(): void;
}

const CHANNEL = 'floe_checkout';
/** A comment now and then keeps proxies from closing a quiet stream. */
const STREAM_PING_MS = 15_000;
const FINAL_STATUSES: ReadonlySet<Status> = new Set(['succeeded', 'expired', 'failed']);

export class CheckoutStreams {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly open = new Set<() => void>();

  constructor(
    private readonly notifications: Notifications,
    private readonly currentStatus: (clientSecret: string) => Promise<Status | undefined>,
  ) {
    notifications.follow(CHANNEL, {
      notify: (payload) => {
        const change = JSON.parse(payload) as CheckoutChange;
        for (const subscriber of this.subscribers.get(change.client_secret) ?? []) subscriber.change(change);
      },
      resync: () => {
        for (const set of this.subscribers.values()) for (const subscriber of set) subscriber.resync();
      },
    });
  }

  /**
   * Streams the checkout's changes on the response `take` hands over, from the status it has now,
   * until the status is final or the client goes away. False, with nothing taken, when no checkout
   * has this client secret.
   */
  async stream(clientSecret: string, take: () => ServerResponse): Promise<boolean> {
    // Listening before reading the status: a change committed in between is not missed.
    await this.notifications.ready();
    const early: CheckoutChange[] = [];
    let deliver = (change: CheckoutChange) => void early.push(change);
    let resync = () => {};
    const unsubscribe = this.subscribe(clientSecret, { change: (change) => deliver(change), resync: () => resync() });
    let status: Status | undefined;
    try {
      status = await this.currentStatus(clientSecret);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (status === undefined) {
      unsubscribe();
      return false;
    }

    const response = take();
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // Headers now: the page waits for them before it goes on to confirm.
    response.flushHeaders();
    let ended = false;
    const write = (key: 'checkout.updated' | 'checkout.order_created', payload: { status?: Status }) =>
      response.write(`data: ${JSON.stringify({ id: randomUUID(), key, payload })}\n\n`);
    deliver = (change) => {
      if (ended) return;
      status = change.status;
      // A change's events leave in one write.
      response.cork();
      write('checkout.updated', { status: change.status });
      if (change.order_created) write('checkout.order_created', {});
      process.nextTick(() => response.uncork());
      if (FINAL_STATUSES.has(change.status)) close();
    };
    resync = () => {
      this.currentStatus(clientSecret).then(
        (current) => {
          if (current !== undefined && current !== status) deliver({ client_secret: clientSecret, status: current, order_created: current === 'succeeded' });
        },
        () => {},
      );
    };
    const ping = setInterval(() => response.write(': ping\n\n'), STREAM_PING_MS);
    const close = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(ping);
      this.open.delete(close);
      // After the last change's events are written (uncorked on the next tick).
      process.nextTick(() => response.end());
    };
    this.open.add(close);
    response.on('close', close);
    for (const change of early) deliver(change);
    if (FINAL_STATUSES.has(status)) close();
    return true;
  }

  private subscribe(clientSecret: string, subscriber: Subscriber): () => void {
    let set = this.subscribers.get(clientSecret);
    if (!set) this.subscribers.set(clientSecret, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(clientSecret);
    };
  }

  /** Ends every open stream (Floe is stopping). */
  endAll(): void {
    for (const close of [...this.open]) close();
  }
}
