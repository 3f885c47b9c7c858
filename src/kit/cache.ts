// A bounded in-process cache, least recently used out first. Only for values whose key says
// everything they depend on (e.g. the catalog versions a page was read at), so an entry is either
// right or never asked for again; nothing here expires or invalidates.

export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /**
   * The value of `key` as of `version` (a version the caller read alongside what names the key, so
   * the pair says everything the value depends on): read by `read` once and kept. Without a version,
   * read every time; a missing value is never kept.
   */
  async readThrough(key: string, version: number | undefined, read: () => Promise<V | undefined>): Promise<V | undefined> {
    if (version === undefined) return read();
    const versionedKey = `${key}@${version}`;
    const cached = this.get(versionedKey);
    if (cached !== undefined) return cached;
    const value = await read();
    if (value !== undefined) this.set(versionedKey, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
