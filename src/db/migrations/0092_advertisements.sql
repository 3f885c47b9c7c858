-- Advertisement campaigns: what a customer holding an `ads` benefit grant shows where the merchant
-- displays its backers' ads. The grant names its campaign in `properties.advertisement_campaign_id`:
-- the id is reserved when the benefit is granted (so every ads grant carries one, as Polar's grant
-- schema requires), and the campaign row is written under it once the customer fills it in.
CREATE TABLE advertisement_campaigns (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz,
  deleted_at timestamptz,
  customer_id uuid NOT NULL REFERENCES customers (id),
  views integer NOT NULL DEFAULT 0,
  clicks integer NOT NULL DEFAULT 0,
  image_url text NOT NULL,
  image_url_dark text,
  text text NOT NULL,
  link_url text NOT NULL
);
CREATE INDEX advertisement_campaigns_customer_id_idx ON advertisement_campaigns (customer_id);

-- The public list and get find a campaign's grants by the id in their properties.
CREATE INDEX benefit_grants_advertisement_campaign_id_idx ON benefit_grants ((properties ->> 'advertisement_campaign_id'))
  WHERE properties ? 'advertisement_campaign_id';

-- Ads grants made before campaigns existed get their campaign id now.
UPDATE benefit_grants AS grants
SET properties = grants.properties || jsonb_build_object('advertisement_campaign_id', gen_random_uuid()::text)
FROM benefits
WHERE benefits.id = grants.benefit_id AND benefits.type = 'ads' AND NOT grants.properties ? 'advertisement_campaign_id';
