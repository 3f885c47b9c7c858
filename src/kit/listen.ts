// Notifications from PostgreSQL (LISTEN/NOTIFY) on one connection per database handle, outside the
// pool: a change committed by any process (an API process, a `floe worker`, psql) reaches every
// process listening, at once. Connected on first use; whoever follows a channel learns when the
// connection is lost (what is notified meanwhile is gone) and when it listens again (read what you
// follow again).
import pg from 'pg';

const RECONNECT_MS = 1_000;
export const APPLICATION_NAME = 'floe notifications';

export interface ChannelFollower {
  notify(payload: string): void;
  /** Listening again after a lost connection: notifications may have been missed. */
  resync(): void;
  /** The connection is lost: until `resync`, nothing is notified. */
  lost?(): void;
}

export class Notifications {
  private readonly channels = new Map<string, Set<ChannelFollower>>();
  private client: pg.Client | undefined;
  /** The channels LISTENed to on the current connection (or being so)... */
  private listened = new Map<string, Promise<unknown>>();
  /** ...and those whose LISTEN is done. */
  private confirmed = new Set<string>();
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly url: string) {}

  /** Follows `channel` for the life of this object; it is listened to from the next `ready()`. */
  follow(channel: string, follower: ChannelFollower): void {
    // Channels are identifiers of Floe's own, written into LISTEN.
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    let followers = this.channels.get(channel);
    if (!followers) this.channels.set(channel, (followers = new Set()));
    followers.add(follower);
  }

  /** Whether `channel` is listened to now, so that nothing notified on it is being missed. */
  isListening(channel: string): boolean {
    return this.client !== undefined && this.confirmed.has(channel);
  }

  /** Resolves once every followed channel is listened to. */
  async ready(): Promise<void> {
    if (this.closed) throw new Error('notifications closed');
    if (!this.client) {
      this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
      await this.connecting;
    }
    const client = this.client!;
    for (const channel of this.channels.keys()) {
      if (!this.listened.has(channel)) this.listened.set(channel, this.listen(client, channel, this.confirmed));
    }
    await Promise.all(this.listened.values());
  }

  private async listen(client: pg.Client, channel: string, confirmed: Set<string>): Promise<void> {
    await client.query(`LISTEN ${channel}`);
    confirmed.add(channel);
  }

  private async connect(): Promise<void> {
    // Named, so that an operator (or a test) can tell it in pg_stat_activity.
    const client = new pg.Client({ connectionString: this.url, application_name: APPLICATION_NAME });
    client.on('notification', (message) => {
      if (message.payload === undefined) return;
      for (const follower of this.channels.get(message.channel) ?? []) follower.notify(message.payload);
    });
    // A lost connection: forget it and reconnect, whether or not anyone asks.
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listened = new Map();
      this.confirmed = new Set();
      client.end().catch(() => {});
      for (const follower of this.followers()) follower.lost?.();
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('notifications closed');
    }
    // The channels are listened to by ready(), which connected (a lost connection emptied what was listened).
    this.client = client;
  }

  private followers(): ChannelFollower[] {
    return [...this.channels.values()].flatMap((followers) => [...followers]);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ready().then(
        () => {
          for (const follower of this.followers()) follower.resync();
        },
        () => this.scheduleReconnect(),
      );
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

/**
 * Values read from the database per key (an organization's id), kept by a process while a channel
 * announces every change of a key as it commits, whichever process made it: an announcement forgets
 * that key. While the channel is not being listened to (before the first `ready`, after a lost
 * connection) nothing is kept and every question is a query.
 */
export class NotifiedCache<V> {
  private readonly values = new Map<string, V>();
  /** Bumped by every forgetting: a read that began before one must not be kept. */
  private generation = 0;

  constructor(
    private readonly notifications: Notifications,
    private readonly channel: string,
    private readonly maxKeys = 10_000,
  ) {
    notifications.follow(channel, { notify: (key) => this.forget(key), resync: () => this.forget(), lost: () => this.forget() });
  }

  /** The key's value, kept or read by `read`. */
  async get(key: string, read: (key: string) => Promise<V>): Promise<V> {
    if (this.values.has(key)) return this.values.get(key) as V;
    const listening = this.notifications.isListening(this.channel);
    if (!listening) this.notifications.ready().catch(() => {});
    const generation = this.generation;
    const value = await read(key);
    if (listening && generation === this.generation) {
      if (this.values.size >= this.maxKeys) this.values.clear();
      this.values.set(key, value);
    }
    return value;
  }

  forget(key?: string): void {
    this.generation += 1;
    if (key === undefined) this.values.clear();
    else this.values.delete(key);
  }
}
