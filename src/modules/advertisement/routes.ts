import { writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { customerOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { AdvertisementCampaign, AdvertisementCampaignListResource, AdvertisementCampaignUpdate, AdvertisementListQuery } from './schemas.js';
import * as service from './service.js';

// Public, as Polar's: the merchant's site shows its backers' ads.
export function advertisementRoutes(app: App, { db }: Context): void {
  const tags = ['advertisements'];
  app.get('/v1/advertisements/', {
    schema: { tags, summary: 'List Campaigns', operationId: 'advertisements:list', description: 'List active advertisement campaigns for a benefit.', querystring: AdvertisementListQuery, response: { 200: AdvertisementCampaignListResource } },
    handler: (request) => service.listCampaigns(db, request.query),
  });

  app.get('/v1/advertisements/:id', {
    schema: { tags, summary: 'Get Campaign', operationId: 'advertisements:get', description: 'Get an advertisement campaign by ID.', params: IdParams, response: { 200: AdvertisementCampaign } },
    handler: (request) => service.getCampaign(db, request.params.id),
  });

  app.post('/v1/advertisements/:id/view', {
    schema: { tags, summary: 'Track View', operationId: 'advertisements:track_view', description: 'Track a view on an advertisement campaign.', params: IdParams, response: { 204: { type: 'null' } } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.trackView(trx, request.params.id));
      return reply.code(204).send();
    },
  });

  // Floe's: the holder of an ads grant fills its campaign in (Polar manages campaigns outside its API).
  app.put('/v1/customer-portal/benefit-grants/:id/advertisement-campaign', {
    schema: { tags: ['customer_portal'], summary: 'Update Advertisement Campaign', operationId: 'customer_portal:benefit-grants:update_advertisement_campaign', params: IdParams, body: AdvertisementCampaignUpdate, response: { 200: AdvertisementCampaign } },
    config: { auth: { subjects: ['customer'], scopes: writeScopes('customer_portal') } },
    handler: (request) => transaction(db, (trx) => service.saveGrantCampaign(trx, customerOf(request), request.params.id, request.body)),
  });
}
