// Picks the storage driver the settings name (FLOE_STORAGE).
import type { Config } from '../config.js';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';
import type { Storage } from './storage.js';

export function createStorage(config: Config): Storage {
  const settings = config.storage;
  if (settings.driver === 's3') return new S3Storage(settings);
  // The base URL is read on each use: the test harness learns its port after the app is built.
  return new LocalStorage(settings.directory, () => config.baseUrl, config.secret);
}
