// How Floe takes money: one interface, whatever takes it. The built-in test processor behaves like
// Stripe's test mode; a Stripe processor can stand behind the same interface later. The API names
// every processor `stripe`, the only name the seed-era API knows.
//
// A checkout of a subscription both charges the card and keeps it (Stripe's
// `setup_future_usage: off_session`): `charge` answers the saved card along with the charge, and
// renewals and retries charge it later with `chargeSaved`. A customer replacing the card saves a
// new one with `savePaymentMethod`.

export interface Charge {
  /** The processor's id of the payment (a Stripe PaymentIntent id, `pi_…`). */
  id: string;
  amount: number;
  currency: string;
}

/** A card kept with the processor, as the processor names it (Stripe's PaymentMethod). */
export interface SavedPaymentMethod {
  /** The processor's id (`pm_…`). */
  id: string;
  brand: string;
  last4: string;
}

export type Decline = { ok: false; declineCode: string; message: string };

export type ChargeResult = { ok: true; charge: Charge; paymentMethod?: SavedPaymentMethod } | Decline;

export interface ChargeRequest {
  /** The confirmation token the checkout form produced (Stripe's `ctoken_…`, or a test token). */
  confirmationTokenId: string;
  amount: number;
  currency: string;
  /** Makes retries of one charge safe: the same key never charges twice. */
  idempotencyKey: string;
  customerEmail: string;
  /** Keep the card for later charges (a subscription's first payment). */
  savePaymentMethod?: boolean;
}

export interface SavedChargeRequest {
  /** The saved card's processor id (SavedPaymentMethod.id). */
  paymentMethodId: string;
  amount: number;
  currency: string;
  /** As ChargeRequest's: a renewal retried after a crash charges once. */
  idempotencyKey: string;
  customerEmail: string;
}

export interface PaymentProcessor {
  /** The name the API reports (`payment_processor`). */
  readonly name: 'stripe';
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Charges a saved card with no customer present (a renewal, a retry). */
  chargeSaved(request: SavedChargeRequest): Promise<ChargeResult>;
  /** Keeps the card a confirmation token stands for, without charging it (replacing a card). */
  savePaymentMethod(request: { confirmationTokenId: string; customerEmail: string }): Promise<{ ok: true; paymentMethod: SavedPaymentMethod } | Decline>;
}
