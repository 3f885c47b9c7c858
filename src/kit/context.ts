import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { PaymentProcessor } from '../payments/processor.js';
import type { Storage } from '../storage/storage.js';
import type { Authenticator } from './auth.js';
import type { Database } from './db.js';
import type { Notifications } from './listen.js';

/** What every module's routes and jobs are given: settings, the database (and its reader), the authenticator, file storage, the payment processor, a logger. */
export interface Context {
  config: Config;
  db: Database;
  /**
   * For reads that may lag (lists, metrics, the portal's lists): the read replica when one is
   * configured and current, else the primary (src/kit/read-replica.ts); `db` when there is none.
   */
  readDb: Database;
  /** The database's notifications (LISTEN, on a connection of their own). */
  notifications: Notifications;
  authenticator: Authenticator;
  storage: Storage;
  payments: PaymentProcessor;
  log: FastifyBaseLogger;
}
