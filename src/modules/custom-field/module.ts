// Custom fields.
import type { FloeModule } from '../../kit/module.js';
import { customFieldRoutes } from './routes.js';

export const customFieldModule: FloeModule = {
  name: 'custom-field',
  routes: customFieldRoutes,
};
