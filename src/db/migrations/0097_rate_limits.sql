-- Rate-limit counters shared by every Floe process (when no REDIS_URL is set): one row per rule,
-- caller and fixed window. UNLOGGED: counters need no crash safety, and writing them skips the WAL.
CREATE UNLOGGED TABLE rate_limit_hits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
