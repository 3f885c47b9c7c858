// External (GitHub) organizations, and their refresh.
import type { FloeModule } from '../../kit/module.js';
import { githubRefresh } from './jobs.js';
import { externalOrganizationRoutes } from './routes.js';

export const externalOrganizationModule: FloeModule = {
  name: 'external-organization',
  routes: externalOrganizationRoutes,
  tasks: [githubRefresh],
};
