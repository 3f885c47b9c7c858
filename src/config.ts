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
  dataDir: string;
  /** Public URL used in links (checkout pages, portal, file URLs), without a trailing slash. */
  baseUrl: string;
  /** Signing key for token hashes and signed URLs. */
  secret: string;
  logLevel: string;
}

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

export function readConfig(environment: Environment = process.env): Config {
  const port = readPort(environment);
  const host = environment.HOST || '127.0.0.1';
  const databaseUrl = readUrl('DATABASE_URL', environment.DATABASE_URL, ['postgres:', 'postgresql:']);
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
  return { port, host, databaseUrl, dataDir, baseUrl, secret: readSecret(environment, dataDir), logLevel };
}
