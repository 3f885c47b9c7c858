// The signed-in user (Polar's private users API): what the dashboard shows in its header.
import { WEB_DEFAULT } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { ResourceNotFound } from '../../kit/errors.js';
import type { App } from '../../kit/http.js';
import { UserRead } from './schemas.js';

export function userRoutes(app: App, { db }: Context): void {
  app.get('/v1/users/me', {
    schema: { tags: ['users'], summary: 'Get Authenticated User', operationId: 'users:get_authenticated', hide: true, response: { 200: UserRead } },
    config: { auth: { subjects: ['user'], scopes: [WEB_DEFAULT] } },
    handler: async (request) => {
      const subject = request.subject;
      if (subject.kind !== 'user') throw new Error('unreachable: route accepts users only');
      const user = await db.selectFrom('users').selectAll().where('id', '=', subject.userId).executeTakeFirst();
      if (!user) throw new ResourceNotFound();
      return { ...user, avatar_url: null, account_id: null, accepted_terms_of_service: true, oauth_accounts: [] };
    },
  });
}
