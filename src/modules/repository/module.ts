// Repositories.
import type { FloeModule } from '../../kit/module.js';
import { repositoryRoutes } from './routes.js';

export const repositoryModule: FloeModule = {
  name: 'repository',
  routes: repositoryRoutes,
};
