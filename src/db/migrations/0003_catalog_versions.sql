-- A version per organization's catalog, bumped in the same transaction as any change to what a
-- product embeds (the product, its prices, benefits, medias and custom fields, and the benefits,
-- files and custom fields themselves). Reads that are expensive to assemble (a page of products)
-- are cached in-process under the versions they were read at, so a cache entry can never outlive a
-- change, whichever process made it.
CREATE TABLE catalog_versions (
    organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    version bigint NOT NULL
);

CREATE FUNCTION bump_catalog_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed record;
    organization uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    -- TG_ARGV[0] says how the row names its organization: directly, or through its product.
    IF TG_ARGV[0] = 'product' THEN
        SELECT p.organization_id INTO organization FROM products p WHERE p.id = changed.product_id;
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

CREATE TRIGGER products_catalog_version AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('organization');
CREATE TRIGGER benefits_catalog_version AFTER INSERT OR UPDATE OR DELETE ON benefits
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('organization');
CREATE TRIGGER files_catalog_version AFTER INSERT OR UPDATE OR DELETE ON files
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('organization');
CREATE TRIGGER custom_fields_catalog_version AFTER INSERT OR UPDATE OR DELETE ON custom_fields
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('organization');
CREATE TRIGGER product_prices_catalog_version AFTER INSERT OR UPDATE OR DELETE ON product_prices
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('product');
CREATE TRIGGER product_benefits_catalog_version AFTER INSERT OR UPDATE OR DELETE ON product_benefits
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('product');
CREATE TRIGGER product_medias_catalog_version AFTER INSERT OR UPDATE OR DELETE ON product_medias
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('product');
CREATE TRIGGER product_custom_fields_catalog_version AFTER INSERT OR UPDATE OR DELETE ON product_custom_fields
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_version('product');
