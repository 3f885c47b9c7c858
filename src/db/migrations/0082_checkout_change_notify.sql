-- Every change of a checkout is announced on the channel floe_checkout when it commits, whichever
-- process made it: the checkout's event streams, open in any Floe process, learn of it at once.
-- `order_created`: the checkout has just succeeded, and its order is written in the same transaction.
CREATE FUNCTION notify_checkout_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('floe_checkout', json_build_object(
        'client_secret', NEW.client_secret,
        'status', NEW.status,
        'order_created', NEW.status = 'succeeded' AND OLD.status IS DISTINCT FROM 'succeeded'
    )::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER checkouts_notify_change AFTER UPDATE ON checkouts
    FOR EACH ROW EXECUTE FUNCTION notify_checkout_change();
