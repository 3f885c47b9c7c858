-- A product's prices come back in the order they were given, as Polar's do. Prices created in one
-- request share their created_at, so created_at alone leaves them in no particular order: a
-- sequence numbers every price as it is inserted (a multi-row INSERT numbers its rows in the order
-- of its VALUES) and breaks those ties. Prices that existed before this migration are numbered in
-- whatever order the table held them; their ties were arbitrary already.
ALTER TABLE product_prices ADD COLUMN position bigserial;

DROP INDEX product_prices_product_id_idx;
CREATE INDEX product_prices_product_id_idx ON product_prices (product_id, created_at, position);
