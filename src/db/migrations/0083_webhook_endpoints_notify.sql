-- Every change of an organization's webhook endpoints is announced on the channel
-- floe_webhook_endpoints (the organization's id) when it commits, whichever process made it: each
-- Floe process keeps the event types an organization's endpoints take, and forgets them then.
CREATE FUNCTION notify_webhook_endpoints_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('floe_webhook_endpoints', OLD.organization_id::text);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('floe_webhook_endpoints', NEW.organization_id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER webhook_endpoints_notify_change AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION notify_webhook_endpoints_change();
