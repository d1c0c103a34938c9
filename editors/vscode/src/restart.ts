/**
 * When to restart a crashed server: exponential backoff, and at most `maxRestarts` crashes
 * within `windowMs`; past that the client gives up and says what to do. Pure (a clock is passed).
 */

export interface RestartOptions {
  /** Crashes tolerated within the window; one more and the client gives up. */
  maxRestarts: number;
  /** The sliding window, in milliseconds. */
  windowMs: number;
  /** Delay before the first restart in a window; doubles with each further crash. */
  initialDelayMs: number;
  /** The longest delay between a crash and its restart. */
  maxDelayMs: number;
}

export const DEFAULT_RESTART: RestartOptions = {
  maxRestarts: 5,
  windowMs: 3 * 60 * 1000,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
};

export type RestartDecision =
  | { action: 'restart'; delayMs: number; attempt: number; message: string }
  | { action: 'giveUp'; message: string };

/** Counts crashes in a sliding window and decides, for each crash, restart or give up. */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly options: RestartOptions = DEFAULT_RESTART,
    private readonly now: () => number = Date.now,
  ) {}

  /** The decision for a crash that happened now. */
  onCrash(): RestartDecision {
    const now = this.now();
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    const minutes = Math.round(this.options.windowMs / 60_000);
    const window = minutes >= 1 ? `${minutes} minute(s)` : `${this.options.windowMs} ms`;
    if (count > this.options.maxRestarts) {
      return {
        action: 'giveUp',
        message:
          `parsercraft-ls crashed ${count} times in ${window}; it will not be restarted. ` +
          'See the ParserCraft output for the cause (run `parsercraft-ls serve` in a terminal ' +
          'to see start-up errors), then run "ParserCraft: Restart Server".',
      };
    }
    const delayMs = Math.min(
      this.options.maxDelayMs,
      this.options.initialDelayMs * 2 ** (count - 1),
    );
    return {
      action: 'restart',
      delayMs,
      attempt: count,
      message: `parsercraft-ls stopped unexpectedly; restarting in ${delayMs} ms (restart ${count} of ${this.options.maxRestarts}).`,
    };
  }

  /** Forget past crashes (after a restart the user asked for). */
  reset(): void {
    this.crashes = [];
  }

  /** Crashes counted in the current window (as of the last crash). */
  get recentCrashes(): number {
    return this.crashes.length;
  }
}
