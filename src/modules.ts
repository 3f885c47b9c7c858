// Every module of Floe, in the order of the API reference: what each brings (routes, jobs,
// background tasks, token kinds) is declared in its module.ts, and read from here by the app
// (src/app.ts) and by workers (src/worker.ts).
import type { FloeModule } from './kit/module.js';
import { mailJobs } from './kit/mail.js';
import { accessTokenModule } from './modules/access-token/module.js';
import { advertisementModule } from './modules/advertisement/module.js';
import { benefitModule } from './modules/benefit/module.js';
import { checkoutLinkModule } from './modules/checkout-link/module.js';
import { checkoutModule } from './modules/checkout/module.js';
import { customFieldModule } from './modules/custom-field/module.js';
import { customerPortalModule } from './modules/customer-portal/module.js';
import { customerSessionModule } from './modules/customer-session/module.js';
import { customerModule } from './modules/customer/module.js';
import { discountModule } from './modules/discount/module.js';
import { downloadableModule } from './modules/downloadable/module.js';
import { externalOrganizationModule } from './modules/external-organization/module.js';
import { fileModule } from './modules/file/module.js';
import { licenseKeyModule } from './modules/license-key/module.js';
import { metricsModule } from './modules/metrics/module.js';
import { oauth2Module } from './modules/oauth2/module.js';
import { orderModule } from './modules/order/module.js';
import { organizationModule } from './modules/organization/module.js';
import { productModule } from './modules/product/module.js';
import { repositoryModule } from './modules/repository/module.js';
import { subscriptionModule } from './modules/subscription/module.js';
import { testClockModule } from './modules/test-clock/module.js';
import { userSessionModule } from './modules/user-session/module.js';
import { userModule } from './modules/user/module.js';
import { webhookModule } from './modules/webhook/module.js';
import { pagesModule } from './pages/module.js';

/** E-mail is the kit's (every module sends it); its sending job is run like any module's. */
const mailModule: FloeModule = { name: 'mail', jobs: mailJobs };

export const MODULES: readonly FloeModule[] = [
  userModule,
  userSessionModule,
  organizationModule,
  accessTokenModule,
  productModule,
  benefitModule,
  customFieldModule,
  discountModule,
  fileModule,
  customerModule,
  customerSessionModule,
  checkoutModule,
  checkoutLinkModule,
  orderModule,
  subscriptionModule,
  licenseKeyModule,
  downloadableModule,
  customerPortalModule,
  advertisementModule,
  webhookModule,
  metricsModule,
  externalOrganizationModule,
  repositoryModule,
  oauth2Module,
  testClockModule,
  mailModule,
  pagesModule,
];
