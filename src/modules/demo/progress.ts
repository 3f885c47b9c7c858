// How `floe demo` shows its progress: on a terminal, one line redrawn in place (a bar, the month,
// the counts); otherwise (a log, a pipe) a plain line as each month is done.
import type { DemoProgress } from './service.js';

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

const count = (value: number) => value.toLocaleString('en-US');

function describe(progress: DemoProgress): string {
  return `month ${progress.month}/${progress.months}, day ${progress.day}/${progress.days}: ${count(progress.orders)} of ${count(progress.targetOrders)} orders, ${count(progress.subscriptions)} subscriptions, ${count(progress.customers)} customers`;
}

export interface ProgressDisplay {
  update(progress: DemoProgress): void;
  /** Ends the display (a terminal's line is left as drawn last). */
  done(): void;
}

export function progressDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  let last: DemoProgress | undefined;
  if (stream.isTTY) {
    let drawnAt = 0;
    const draw = (progress: DemoProgress) => {
      const filled = Math.round((progress.day / progress.days) * BAR_WIDTH);
      const percent = Math.floor((progress.day / progress.days) * 100);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${describe(progress)} (${elapsed()})`;
      stream.write(`\r${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}\x1b[K`);
    };
    return {
      update(progress) {
        last = progress;
        if (Date.now() - drawnAt < REDRAW_MS && progress.day < progress.days) return;
        drawnAt = Date.now();
        draw(progress);
      },
      done() {
        if (last) draw(last);
        stream.write('\n');
      },
    };
  }
  return {
    update(progress) {
      // A month's line is written once its last day is done: when the next month's first day comes, or the end.
      if (last && progress.month !== last.month) stream.write(`floe: demo ${describe(last)} (${elapsed()})\n`);
      if (progress.day === progress.days) stream.write(`floe: demo ${describe(progress)} (${elapsed()})\n`);
      last = progress;
    },
    done() {},
  };
}
