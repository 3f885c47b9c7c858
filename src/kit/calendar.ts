// Calendar arithmetic in UTC, as billing counts it: a month after Jan 31 is the last day of
// February, and counting from an anchor (not from the previous result) brings the 31st back in
// March. ISO 8601 durations (P1M, P7D, PT12H…) are applied the same way.

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** `date` moved by whole months, its day of the month kept or, past the month's end, its last day. */
export function addMonths(date: Date, months: number): Date {
  const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  return new Date(Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** The end of the period that starts at or after `start`: the first anchor + n intervals later than `start`. */
export function periodEndAfter(anchor: Date, interval: 'month' | 'year', start: Date): Date {
  const step = interval === 'month' ? 1 : 12;
  const monthsBetween = (start.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (start.getUTCMonth() - anchor.getUTCMonth());
  let periods = Math.max(1, Math.floor(monthsBetween / step));
  while (periods > 1 && addMonths(anchor, (periods - 1) * step) > start) periods -= 1;
  while (addMonths(anchor, periods * step) <= start) periods += 1;
  return addMonths(anchor, periods * step);
}

const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** An ISO 8601 duration of whole units (P1M, P1Y2M, P7D, PT36H…), or undefined when malformed. */
export function parseDuration(text: string): Duration | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const unit = (index: number) => Number(match[index] ?? 0);
  return { years: unit(1), months: unit(2), weeks: unit(3), days: unit(4), hours: unit(5), minutes: unit(6), seconds: unit(7) };
}

export function addDuration(date: Date, duration: Duration): Date {
  const moved = addMonths(date, duration.years * 12 + duration.months);
  return new Date(moved.getTime() + (duration.weeks * 7 + duration.days) * DAY_MS + ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000);
}
