import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Authenticator } from './auth.js';
import type { Database } from './db.js';

/** What every module's routes and jobs are given: settings, the database, the authenticator, a logger. */
export interface Context {
  config: Config;
  db: Database;
  authenticator: Authenticator;
  log: FastifyBaseLogger;
}
