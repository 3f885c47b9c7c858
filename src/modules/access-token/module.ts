// Personal and organization access tokens.
import type { FloeModule } from '../../kit/module.js';
import { accessTokenRoutes } from './routes.js';
import { registerAccessTokenResolvers } from './service.js';

export const accessTokenModule: FloeModule = {
  name: 'access-token',
  routes: accessTokenRoutes,
  tokens: registerAccessTokenResolvers,
};
