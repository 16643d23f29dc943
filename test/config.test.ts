/** Settings are validated together, with every problem in one message, and frozen. */
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../config/config.js';

describe('configuration', () => {
  it('runs with no settings at all, on embedded defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.microsoftAppId).toBe('');
    expect(config.dataRequestDeadline).toEqual({ regime: 'CN-PIPL', days: 15, kind: 'working' });
    expect(config.policyFiles).toHaveLength(2);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every invalid setting at once', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', HELPDESK_WEBHOOK_URL: 'ftp://x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join(' ')).toMatch(/PORT.*LOG_LEVEL.*HELPDESK_WEBHOOK_URL/s);
    }
  });

  it('needs a tenant for a single-tenant app', () => {
    expect(() => loadConfig({ MicrosoftAppId: 'x', MicrosoftAppType: 'SingleTenant' })).toThrow(/MicrosoftAppTenantId/);
  });
});
