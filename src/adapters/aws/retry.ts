/** Exponential backoff with full jitter: attempt 1 waits up to base, attempt 2 up to 2×base, … */
export function backoffDelay(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * baseDelayMs * 2 ** (attempt - 1));
}

/** A sleep that tests can replace with an immediate one. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep. */
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
