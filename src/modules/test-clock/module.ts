// The test clock (test mode).
import type { FloeModule } from '../../kit/module.js';
import { testClockRoutes } from './routes.js';

export const testClockModule: FloeModule = {
  name: 'test-clock',
  routes: testClockRoutes,
};
