// Rate limits on the endpoints anyone can call and someone could abuse (sign-in codes, license-key
// validation and activation, the checkout's client calls): a fixed window per rule and caller,
// counted where every Floe process sees it: Redis when REDIS_URL is set, else PostgreSQL. Past the
// limit the caller gets 429 with Retry-After. A route names its rule in `config.rateLimit`.
import type { FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { clock } from './clock.js';
import type { Database } from './db.js';
import { TooManyRequests } from './errors.js';
import type { App } from './http.js';

export interface RateLimitRule {
  /** Names the counter; two routes with the same name share it. */
  name: string;
  /** Requests allowed per window and caller. */
  limit: number;
  windowMs: number;
  /** Who is counted: the client's address by default. */
  key?: (request: FastifyRequest) => string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RateLimitRule;
  }
}

const MINUTE = 60_000;

/**
 * Floe's rules, per client address. Generous for a person or a program using a key; far below
 * what guessing codes or testing stolen cards needs.
 */
export const RATE_LIMITS = {
  signInCodes: { name: 'sign-in-codes', limit: 20, windowMs: 15 * MINUTE },
  signInAttempts: { name: 'sign-in-attempts', limit: 30, windowMs: 15 * MINUTE },
  licenseKeys: { name: 'license-keys', limit: 600, windowMs: MINUTE },
  checkoutClient: { name: 'checkout-client', limit: 300, windowMs: MINUTE },
  checkoutConfirm: { name: 'checkout-confirm', limit: 30, windowMs: MINUTE },
} satisfies Record<string, RateLimitRule>;

/** Counts a hit in the caller's current window and answers the count so far. */
export interface RateLimitStore {
  hit(key: string, windowStart: number, windowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Windows older than this are deleted now and then (the longest window Floe uses is an hour). */
const KEEP_MS = 2 * 3600_000;

export function postgresRateLimitStore(db: Database): RateLimitStore {
  let hits = 0;
  return {
    async hit(key, windowStart) {
      const row = await sql<{ count: number }>`
        INSERT INTO rate_limit_hits (key, window_start, count) VALUES (${key}, ${new Date(windowStart)}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_hits.count + 1
        RETURNING count`.execute(db);
      // Old windows go one batch at a time, from whichever process counts the thousandth hit.
      if (++hits % 1000 === 0) await sql`DELETE FROM rate_limit_hits WHERE window_start < ${new Date(clock.now().getTime() - KEEP_MS)}`.execute(db);
      return row.rows[0]!.count;
    },
    async close() {},
  };
}

export function redisRateLimitStore(url: string): RateLimitStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', () => {});
  return {
    async hit(key, windowStart, windowMs) {
      const name = `floe:rl:${key}:${windowStart}`;
      const [[, count]] = (await redis.multi().incr(name).pexpire(name, windowMs + 1000).exec()) as [[Error | null, number], unknown];
      return count;
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * Checks each route's `config.rateLimit` before its body is read. `enabled: false` (the
 * FLOE_RATE_LIMITS setting) turns limits off, e.g. for a benchmark from one address.
 */
export function registerRateLimits(app: App, store: RateLimitStore, enabled: boolean): void {
  if (!enabled) return;
  app.addHook('onRequest', async (request) => {
    const rule = request.routeOptions.config.rateLimit;
    if (!rule) return;
    const now = clock.now().getTime();
    const windowStart = now - (now % rule.windowMs);
    const caller = rule.key ? rule.key(request) : request.ip;
    const count = await store.hit(`${rule.name}:${caller}`, windowStart, rule.windowMs);
    if (count > rule.limit) throw new TooManyRequests((windowStart + rule.windowMs - now) / 1000);
  });
  app.addHook('onClose', () => store.close());
}
