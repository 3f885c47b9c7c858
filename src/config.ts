// Every setting Floe reads, read and checked once at start. A bad value stops the process with a
// message that names the variable, rather than failing later in some unrelated place.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** An external PostgreSQL; when absent Floe runs its embedded one in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * A streaming replica of that PostgreSQL: reads that may lag (lists, metrics, the portal's lists)
   * go there, everything else to the primary (src/kit/read-replica.ts).
   */
  databaseReadUrl: string | undefined;
  /** Connections each process keeps to PostgreSQL. */
  databasePoolSize: number;
  dataDir: string;
  /** Public URL used in links (checkout pages, portal, file URLs), without a trailing slash. */
  baseUrl: string;
  /** Signing key for token hashes and signed URLs. */
  secret: string;
  logLevel: string;
  /** Where uploaded files live (see src/storage/). */
  storage: StorageConfig;
  webhooks: WebhookConfig;
  /** Third parties that Discord and GitHub benefits are granted through; null when not configured. */
  integrations: { discord: IntegrationConfig | null; github: IntegrationConfig | null };
  /** Where e-mails go (smtp:// or smtps://); without it they are logged and kept in the outbox page. */
  smtpUrl: string | undefined;
  /** The From address of Floe's e-mails. */
  emailFrom: string;
  /**
   * Test mode: each organization's test clock (/v1/floe/test-clock) can move time forward. On by
   * default while the public URL is on this machine; never on for a public FLOE_BASE_URL.
   */
  testMode: boolean;
  /** Days between a failed renewal charge and each retry (the last failing ends the subscription). */
  dunningRetryDays: number[];
  /**
   * Rate limits on the public endpoints (src/kit/rate-limit.ts). On by default for a public
   * FLOE_BASE_URL; off for one on this machine, where a test suite calls from one address far
   * faster than any buyer (FLOE_RATE_LIMITS=true turns them on there).
   */
  rateLimits: boolean;
  /** Where rate-limit counters live when set (else PostgreSQL). */
  redisUrl: string | undefined;
  /** How long a request may take before it is answered 503 (and a client may take to send it). */
  requestTimeLimitMs: number;
}

/** Whether a URL points at this machine (local development, tests) rather than a deployment. */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export interface IntegrationConfig {
  /** A Discord bot token, or a GitHub token allowed to manage the repositories' collaborators. */
  token: string;
  apiUrl: string;
}

export interface WebhookConfig {
  /** Base of the exponential backoff between delivery attempts (Polar: 5 s). */
  retryBaseMs: number;
  /** Allows endpoints on loopback and private networks (for local development). */
  allowPrivateUrls: boolean;
  /** How long one delivery attempt may take (Polar: 20 s). */
  timeoutMs: number;
}

export type StorageConfig =
  | { driver: 'local'; directory: string }
  | {
      driver: 's3';
      /** An S3-protocol endpoint other than AWS (MinIO, R2, ...); AWS when absent. */
      endpoint: string | undefined;
      region: string;
      /** Private files (downloadables). */
      bucket: string;
      /** Files with a public URL (product media, organization avatars). */
      publicBucket: string;
      /** Credentials; the AWS SDK's default chain (environment, profile, instance role) when absent. */
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
      /** Base of public URLs (e.g. a CDN in front of the public bucket); the bucket's own URL when absent. */
      publicBaseUrl: string | undefined;
    };

export class ConfigError extends Error {}

type Environment = Record<string, string | undefined>;

function readPort(environment: Environment): number {
  const raw = environment.PORT;
  if (raw === undefined || raw === '') return 8000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${raw}"`);
  }
  return port;
}

function readUrl(name: string, raw: string | undefined, protocols: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return raw;
}

/** The secret is generated on first start and kept in the data dir, so tokens survive restarts. */
function readSecret(environment: Environment, dataDir: string): string {
  const given = environment.FLOE_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < 16) throw new ConfigError('FLOE_SECRET must be at least 16 characters');
    return given;
  }
  const path = join(dataDir, 'secret');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    try {
      // 'wx' fails when another process created it first; then theirs is the one to use.
      writeFileSync(path, secret, { flag: 'wx', mode: 0o600 });
      return secret;
    } catch {
      return readFileSync(path, 'utf8').trim();
    }
  }
}

/**
 * Few connections serve best: PostgreSQL runs a process per connection, and more of them than the
 * cores can run at once only queue there, at a cost (20 buyers on two cores: 247 purchases/s with
 * 10 connections, 208/s with 20).
 */
export const DEFAULT_POOL_SIZE = 10;

export function readConfig(environment: Environment = process.env): Config {
  const port = readPort(environment);
  const host = environment.HOST || '127.0.0.1';
  const databaseUrl = readUrl('DATABASE_URL', environment.DATABASE_URL, ['postgres:', 'postgresql:']);
  const databaseReadUrl = readUrl('DATABASE_READ_URL', environment.DATABASE_READ_URL, ['postgres:', 'postgresql:']);
  const rawDataDir = environment.FLOE_DATA_DIR || './.floe';
  const dataDir = isAbsolute(rawDataDir) ? rawDataDir : resolve(process.cwd(), rawDataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`FLOE_DATA_DIR "${dataDir}" cannot be created: ${(error as Error).message}`);
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const baseUrl = (
    readUrl('FLOE_BASE_URL', environment.FLOE_BASE_URL, ['http:', 'https:']) ?? `http://${urlHost}:${port}`
  ).replace(/\/+$/, '');
  const logLevel = environment.FLOE_LOG_LEVEL || 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(logLevel)) {
    throw new ConfigError(`FLOE_LOG_LEVEL must be one of ${levels.join(', ')}, got "${logLevel}"`);
  }
  return {
    port,
    host,
    databaseUrl,
    databaseReadUrl,
    databasePoolSize: readPositiveInteger('FLOE_DATABASE_POOL_SIZE', environment.FLOE_DATABASE_POOL_SIZE, DEFAULT_POOL_SIZE),
    dataDir,
    baseUrl,
    secret: readSecret(environment, dataDir),
    logLevel,
    storage: readStorage(environment, dataDir),
    webhooks: {
      retryBaseMs: readPositiveInteger('FLOE_WEBHOOK_RETRY_BASE_MS', environment.FLOE_WEBHOOK_RETRY_BASE_MS, 5000),
      allowPrivateUrls: readBoolean('FLOE_WEBHOOK_ALLOW_PRIVATE_URLS', environment.FLOE_WEBHOOK_ALLOW_PRIVATE_URLS, false),
      timeoutMs: readPositiveInteger('FLOE_WEBHOOK_TIMEOUT_MS', environment.FLOE_WEBHOOK_TIMEOUT_MS, 20000),
    },
    integrations: {
      discord: readIntegration(environment, 'DISCORD', 'FLOE_DISCORD_BOT_TOKEN', 'https://discord.com/api/v10'),
      github: readIntegration(environment, 'GITHUB', 'FLOE_GITHUB_TOKEN', 'https://api.github.com'),
    },
    smtpUrl: readUrl('FLOE_SMTP_URL', environment.FLOE_SMTP_URL, ['smtp:', 'smtps:']),
    emailFrom: environment.FLOE_EMAIL_FROM || 'Floe <noreply@floe.localhost>',
    testMode: readTestMode(environment, baseUrl),
    dunningRetryDays: readDayList('FLOE_DUNNING_RETRY_DAYS', environment.FLOE_DUNNING_RETRY_DAYS, [3, 5, 7]),
    rateLimits: readBoolean('FLOE_RATE_LIMITS', environment.FLOE_RATE_LIMITS, !isLocalUrl(baseUrl)),
    redisUrl: readUrl('REDIS_URL', environment.REDIS_URL, ['redis:', 'rediss:']),
    requestTimeLimitMs: readPositiveInteger('FLOE_REQUEST_TIME_LIMIT_MS', environment.FLOE_REQUEST_TIME_LIMIT_MS, 30_000),
  };
}

function readTestMode(environment: Environment, baseUrl: string): boolean {
  const local = isLocalUrl(baseUrl);
  const testMode = readBoolean('FLOE_TEST_MODE', environment.FLOE_TEST_MODE, local);
  // Moving time on a deployment would renew real customers' subscriptions early.
  if (testMode && !local) throw new ConfigError(`FLOE_TEST_MODE cannot be on for a public FLOE_BASE_URL (${baseUrl})`);
  return testMode;
}

function readDayList(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined || raw === '') return fallback;
  const days = raw.split(',').map((part) => Number(part.trim()));
  if (days.some((day) => !Number.isInteger(day) || day <= 0)) throw new ConfigError(`${name} must be a comma-separated list of positive whole days, got "${raw}"`);
  return days;
}

function readIntegration(environment: Environment, name: string, tokenVariable: string, defaultApiUrl: string): IntegrationConfig | null {
  const apiUrl = readUrl(`FLOE_${name}_API_URL`, environment[`FLOE_${name}_API_URL`], ['http:', 'https:']) ?? defaultApiUrl;
  const token = environment[tokenVariable];
  return token ? { token, apiUrl: apiUrl.replace(/\/+$/, '') } : null;
}

function readPositiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function readBoolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function readStorage(environment: Environment, dataDir: string): StorageConfig {
  const driver = environment.FLOE_STORAGE || 'local';
  if (driver === 'local') return { driver, directory: join(dataDir, 'files') };
  if (driver !== 's3') throw new ConfigError(`FLOE_STORAGE must be local or s3, got "${driver}"`);
  const bucket = environment.FLOE_S3_BUCKET;
  if (!bucket) throw new ConfigError('FLOE_S3_BUCKET is required when FLOE_STORAGE=s3');
  const accessKeyId = environment.FLOE_S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = environment.FLOE_S3_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError('FLOE_S3_ACCESS_KEY_ID and FLOE_S3_SECRET_ACCESS_KEY are set together or not at all');
  }
  const endpoint = readUrl('FLOE_S3_ENDPOINT', environment.FLOE_S3_ENDPOINT, ['http:', 'https:']);
  return {
    driver,
    endpoint: endpoint?.replace(/\/+$/, ''),
    region: environment.FLOE_S3_REGION || 'us-east-1',
    bucket,
    publicBucket: environment.FLOE_S3_PUBLIC_BUCKET || bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: readBoolean('FLOE_S3_FORCE_PATH_STYLE', environment.FLOE_S3_FORCE_PATH_STYLE, endpoint !== undefined),
    publicBaseUrl: readUrl('FLOE_S3_PUBLIC_BASE_URL', environment.FLOE_S3_PUBLIC_BASE_URL, ['http:', 'https:'])?.replace(/\/+$/, ''),
  };
}
