// The grant engine's jobs (see grants.ts): enqueued by the changes that entitle customers or take
// their entitlement away, in the transaction of that change.
import type { JobHandler } from '../../kit/jobs.js';
import { evaluateOrder, evaluateProduct, evaluateSubscription, GRANT_JOBS, revokeBenefitGrants, updateBenefitGrants, updateGrant } from './grants.js';

export const benefitJobs: Record<string, JobHandler> = {
  [GRANT_JOBS.forOrder]: (context, payload) => evaluateOrder(context, String(payload.orderId)),
  [GRANT_JOBS.forSubscription]: (context, payload) => evaluateSubscription(context, String(payload.subscriptionId)),
  [GRANT_JOBS.forProduct]: (context, payload) => evaluateProduct(context, String(payload.productId)),
  [GRANT_JOBS.forBenefit]: (context, payload) => updateBenefitGrants(context, String(payload.benefitId)),
  [GRANT_JOBS.revokeForBenefit]: (context, payload) => revokeBenefitGrants(context, String(payload.benefitId)),
  [GRANT_JOBS.forGrant]: (context, payload) => updateGrant(context, String(payload.grantId)),
};
