-- Webhooks. Domain events are written to `events` in the transaction of their change (the outbox);
-- a dispatcher fans each out to the organization's subscribed endpoints as `webhook_events` (one
-- per event and endpoint: its id is the `webhook-id` every attempt carries), and senders deliver
-- those, recording each attempt in `webhook_deliveries`.

CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  url text NOT NULL,
  format text NOT NULL CHECK (format IN ('raw', 'discord', 'slack')),
  secret text NOT NULL,
  events text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX webhook_endpoints_organization_id_idx ON webhook_endpoints (organization_id) WHERE deleted_at IS NULL;

-- Events not yet fanned out, found without scanning the whole outbox.
ALTER TABLE events ADD COLUMN dispatched_at timestamptz;
CREATE INDEX events_undispatched_idx ON events (created_at) WHERE dispatched_at IS NULL;

CREATE TABLE webhook_events (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  event_id uuid NOT NULL REFERENCES events (id),
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
  -- the body as sent (raw JSON, or the Discord/Slack message)
  payload text NOT NULL,
  -- null: not yet attempted; then the outcome of the last attempt
  succeeded boolean,
  last_http_code integer,
  attempts integer NOT NULL DEFAULT 0,
  -- pending until delivered or out of attempts
  next_attempt_at timestamptz,
  -- a sender's lease: if it dies mid-send, the event is sent again once the lease has passed
  locked_until timestamptz,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_events_due_idx ON webhook_events (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_events_endpoint_id_idx ON webhook_events (endpoint_id, created_at DESC);

CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  webhook_event_id uuid NOT NULL REFERENCES webhook_events (id),
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
  succeeded boolean NOT NULL,
  http_code integer,
  -- the start of the response body (or the network error), capped
  response text,
  duration_ms integer
);
CREATE INDEX webhook_deliveries_endpoint_id_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_webhook_event_id_idx ON webhook_deliveries (webhook_event_id);
