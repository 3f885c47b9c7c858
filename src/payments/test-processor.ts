// The built-in processor: Stripe's test mode without the network. Test tokens succeed or decline as
// Stripe's do; anything else is an invalid token. A saved card is Stripe's test PaymentMethod of
// that card (`pm_card_visa`, `pm_card_chargeCustomerFail`…), so it means the same in every process
// and after a restart. A charge is remembered by its idempotency key, so a retried confirmation or
// renewal returns the first outcome instead of charging again.
import { randomBytes } from 'node:crypto';
import type { ChargeRequest, ChargeResult, Decline, PaymentProcessor, SavedChargeRequest, SavedPaymentMethod } from './processor.js';
import { FAILING_PAYMENT_METHODS, testCardOf } from './test-cards.js';

const REMEMBERED_CHARGES = 10_000;

export class TestPaymentProcessor implements PaymentProcessor {
  readonly name = 'stripe' as const;
  private readonly outcomes = new Map<string, ChargeResult>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.once(request.idempotencyKey, () => {
      const card = testCardOf(request.confirmationTokenId);
      if (!card) return invalidToken(request.confirmationTokenId);
      if (!card.checkout.ok) return { ok: false, declineCode: card.checkout.declineCode, message: card.checkout.message };
      const paymentMethod = request.savePaymentMethod ? { id: card.paymentMethod, brand: card.brand, last4: card.last4 } : undefined;
      return { ok: true, charge: newCharge(request.amount, request.currency), paymentMethod };
    });
  }

  async chargeSaved(request: SavedChargeRequest): Promise<ChargeResult> {
    return this.once(request.idempotencyKey, () => {
      if (!request.paymentMethodId.startsWith('pm_card_')) return { ok: false, declineCode: 'resource_missing', message: `No such PaymentMethod: '${request.paymentMethodId}'` };
      const failure = FAILING_PAYMENT_METHODS[request.paymentMethodId];
      if (failure) return { ok: false, ...failure };
      return { ok: true, charge: newCharge(request.amount, request.currency) };
    });
  }

  async savePaymentMethod(request: { confirmationTokenId: string }): Promise<{ ok: true; paymentMethod: SavedPaymentMethod } | Decline> {
    const card = testCardOf(request.confirmationTokenId);
    if (!card) return invalidToken(request.confirmationTokenId);
    // Stripe's SetupIntent declines the cards its charges decline at once.
    if (!card.checkout.ok) return { ok: false, declineCode: card.checkout.declineCode, message: card.checkout.message };
    return { ok: true, paymentMethod: { id: card.paymentMethod, brand: card.brand, last4: card.last4 } };
  }

  private once(idempotencyKey: string, decide: () => ChargeResult): ChargeResult {
    const previous = this.outcomes.get(idempotencyKey);
    if (previous) return previous;
    const outcome = decide();
    if (this.outcomes.size >= REMEMBERED_CHARGES) this.outcomes.clear();
    this.outcomes.set(idempotencyKey, outcome);
    return outcome;
  }
}

function invalidToken(token: string): Decline {
  return { ok: false, declineCode: 'invalid_token', message: `No such confirmation token: ${token}` };
}

function newCharge(amount: number, currency: string) {
  return { id: `pi_test_${randomBytes(12).toString('hex')}`, amount, currency };
}
