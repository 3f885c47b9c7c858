// Organizations and their members.
import type { FloeModule } from '../../kit/module.js';
import { organizationRoutes } from './routes.js';

export const organizationModule: FloeModule = {
  name: 'organization',
  routes: organizationRoutes,
};
