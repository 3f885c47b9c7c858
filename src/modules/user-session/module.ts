// Dashboard sessions (their sign-in pages are the dashboard's).
import type { FloeModule } from '../../kit/module.js';
import { registerUserSessionResolver } from './service.js';

export const userSessionModule: FloeModule = {
  name: 'user-session',
  tokens: registerUserSessionResolver,
};
