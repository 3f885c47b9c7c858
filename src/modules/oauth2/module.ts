// The OAuth2 and OpenID Connect provider.
import type { FloeModule } from '../../kit/module.js';
import { oauth2Routes } from './routes.js';
import { registerOAuth2TokenResolvers } from './service.js';

export const oauth2Module: FloeModule = {
  name: 'oauth2',
  routes: oauth2Routes,
  tokens: registerOAuth2TokenResolvers,
};
