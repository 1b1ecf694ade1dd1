/**
 * Exponential backoff for shop postbacks. Cloudflare Queues cap one retry delay at 12 h and
 * max_retries at 100, so delays come from a configured list (the last step repeats) and
 * dead-lettering is decided by elapsed time since the delivery was queued, not by a count.
 */
export function retryDelaySeconds(schedule: number[], failedAttempts: number): number {
  const i = Math.max(0, Math.min(failedAttempts - 1, schedule.length - 1));
  return schedule[i] ?? 60;
}

export function shouldDeadLetter(queuedAt: string, now: Date, deadLetterAfterSeconds: number): boolean {
  return now.getTime() - Date.parse(queuedAt) >= deadLetterAfterSeconds * 1000;
}
