-- Public checkouts embed their organization, and checkouts read their product, price and
-- organization from an in-process cache kept under the organization's catalog version. So a change
-- to the organization itself bumps that version too, in the same transaction.
CREATE OR REPLACE FUNCTION bump_catalog_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed record;
    organization uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    -- TG_ARGV[0] says how the row names its organization: directly, through its product, or by
    -- being it.
    IF TG_ARGV[0] = 'product' THEN
        SELECT p.organization_id INTO organization FROM products p WHERE p.id = changed.product_id;
    ELSIF TG_ARGV[0] = 'self' THEN
        organization := changed.id;
    ELSE
        organization := changed.organization_id;
    END IF;
    IF organization IS NOT NULL THEN
        INSERT INTO catalog_versions AS cv (organization_id, version) VALUES (organization, 1)
        ON CONFLICT (organization_id) DO UPDATE SET version = cv.version + 1;
    END IF;
    RETURN NULL;
END;
$$;

-- UPDATE only: a new organization has nothing cached yet, and a deleted one takes its version row with it.
CREATE TRIGGER organizations_catalog_version AFTER UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('self');
