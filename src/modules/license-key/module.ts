// License keys: the merchant's API and the customer's.
import type { FloeModule } from '../../kit/module.js';
import { customerLicenseKeyRoutes, licenseKeyRoutes } from './routes.js';

export const licenseKeyModule: FloeModule = {
  name: 'license-key',
  routes: (app, context) => {
    licenseKeyRoutes(app, context);
    customerLicenseKeyRoutes(app, context);
  },
};
