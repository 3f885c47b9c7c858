// The one clock. Everything that asks "what time is it" asks here, so tests (and the test-mode API)
// can move time forward to run renewals and expiries without waiting.
let offsetMs = 0;

export const clock = {
  now(): Date {
    return new Date(Date.now() + offsetMs);
  },
  advance(ms: number): void {
    offsetMs += ms;
  },
  reset(): void {
    offsetMs = 0;
  },
};
