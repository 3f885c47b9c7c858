// The built-in processor: Stripe's test mode without the network. Test tokens succeed or decline as
// Stripe's do; anything else is an invalid token. A charge is remembered by its idempotency key, so
// a retried confirmation returns the first outcome instead of charging again.
import { randomBytes } from 'node:crypto';
import type { ChargeRequest, ChargeResult, PaymentProcessor } from './processor.js';
import { TEST_TOKENS } from './test-cards.js';

const REMEMBERED_CHARGES = 10_000;

export class TestPaymentProcessor implements PaymentProcessor {
  readonly name = 'stripe' as const;
  private readonly outcomes = new Map<string, ChargeResult>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const previous = this.outcomes.get(request.idempotencyKey);
    if (previous) return previous;
    const outcome = this.decide(request);
    if (this.outcomes.size >= REMEMBERED_CHARGES) this.outcomes.clear();
    this.outcomes.set(request.idempotencyKey, outcome);
    return outcome;
  }

  private decide(request: ChargeRequest): ChargeResult {
    const known = Object.hasOwn(TEST_TOKENS, request.confirmationTokenId) ? TEST_TOKENS[request.confirmationTokenId as keyof typeof TEST_TOKENS] : undefined;
    if (!known) return { ok: false, declineCode: 'invalid_token', message: `No such confirmation token: ${request.confirmationTokenId}` };
    if (!known.ok) return { ok: false, declineCode: known.declineCode, message: known.message };
    return { ok: true, charge: { id: `pi_test_${randomBytes(12).toString('hex')}`, amount: request.amount, currency: request.currency } };
  }
}
