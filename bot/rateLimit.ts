/** A fixed-window request limit per client address: enough to stop one client from starving the others. */
export interface RateLimiter {
  allow(client: string, now?: number): boolean;
}

export function createRateLimiter(perMinute: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    allow(client, now = Date.now()) {
      const w = windows.get(client);
      if (!w || now - w.start >= 60_000) {
        if (windows.size > 10_000) windows.clear(); // bound memory under address churn
        windows.set(client, { start: now, count: 1 });
        return true;
      }
      w.count += 1;
      return w.count <= perMinute;
    },
  };
}
