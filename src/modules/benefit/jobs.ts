// The grant engine's jobs (see grants.ts): enqueued by the changes that entitle customers or take
// their entitlement away, in the transaction of that change.
import { registerJobHandler } from '../../kit/jobs.js';
import { evaluateOrder, evaluateProduct, evaluateSubscription, GRANT_JOBS, revokeBenefitGrants, updateBenefitGrants, updateGrant } from './grants.js';

registerJobHandler(GRANT_JOBS.forOrder, (context, payload) => evaluateOrder(context, String(payload.orderId)));
registerJobHandler(GRANT_JOBS.forSubscription, (context, payload) => evaluateSubscription(context, String(payload.subscriptionId)));
registerJobHandler(GRANT_JOBS.forProduct, (context, payload) => evaluateProduct(context, String(payload.productId)));
registerJobHandler(GRANT_JOBS.forBenefit, (context, payload) => updateBenefitGrants(context, String(payload.benefitId)));
registerJobHandler(GRANT_JOBS.revokeForBenefit, (context, payload) => revokeBenefitGrants(context, String(payload.benefitId)));
registerJobHandler(GRANT_JOBS.forGrant, (context, payload) => updateGrant(context, String(payload.grantId)));
