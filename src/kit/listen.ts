// Notifications from PostgreSQL (LISTEN/NOTIFY) on a connection of the process's own, outside the
// pool: a change committed by any process (an API process, a `floe worker`, psql) reaches every
// process listening, at once. Connected on first use; after a lost connection it reconnects and
// says so, since what was notified meanwhile is gone (listeners then read what they follow again).
import pg from 'pg';

const RECONNECT_MS = 1_000;

export class NotificationListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotification: (payload: string) => void,
    private readonly onReconnect: () => void,
  ) {}

  /** Resolves once the channel is listened to. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('notification listener closed'));
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.onNotification(message.payload);
    });
    // A lost connection: forget it and reconnect, whether or not anyone asks.
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      // The channel is a fixed identifier of Floe's, never user input.
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('notification listener closed');
    }
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ready().then(
        () => this.onReconnect(),
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
