/**
 * Where replies may go. With normal delivery the bot POSTs each reply to the
 * inbound activity's `serviceUrl`. With an app id, the channel's signed token
 * vouches for that address; without one (local use, the Emulator, tests)
 * anyone could name any address and make this server POST to it (SSRF), so
 * only configured origins, or loopback by default, are accepted.
 */
import type { Config } from '../config/config.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function mayReplyTo(serviceUrl: string | undefined, config: Pick<Config, 'microsoftAppId' | 'trustedServiceUrls'>): boolean {
  if (config.microsoftAppId) return true;
  if (!serviceUrl) return false;
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (config.trustedServiceUrls.length > 0) return config.trustedServiceUrls.includes(url.origin);
  return LOOPBACK_HOSTS.has(url.hostname);
}
