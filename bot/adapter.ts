/**
 * The CloudAdapter and its authentication. With no MicrosoftAppId it accepts
 * unauthenticated requests (Emulator, local use); with one, requests need a
 * valid Bot Framework token. In-process callers (terminal chat, local Direct
 * Line, evaluation) run through the same adapter with a trusted identity.
 */
import {
  CloudAdapter, ConfigurationBotFrameworkAuthentication, ConfigurationServiceClientCredentialFactory,
  type Activity, type InvokeResponse, type ResourceResponse, type TurnContext,
} from 'botbuilder';
import { ClaimsIdentity, AuthenticationConstants, type AuthenticateRequestResult } from 'botframework-connector';
import type { Config } from '../config/config.js';
import { translator, type I18n } from '../i18n/i18n.js';
import type { Logger } from '../logging/logger.js';
import { turnLocale } from '../dialogs/assistantMeta.js';
import { message } from '../dialogs/replies.js';

/**
 * CloudAdapter plus one entry for activities that come from inside this process
 * (never from the network): they skip token validation but run the same pipeline.
 */
export class AssistantAdapter extends CloudAdapter {
  constructor(
    auth: ConfigurationBotFrameworkAuthentication,
    private readonly trustedRequest: () => AuthenticateRequestResult,
    private readonly replyTimeoutMs = 10_000,
  ) {
    super(auth);
  }

  /**
   * Normal delivery POSTs each reply to the channel. A channel that never answers would hold the turn (and
   * its request) open for minutes; the SDK's connector client takes no timeout, so the turn stops waiting here.
   */
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReplyTimeoutError(this.replyTimeoutMs)), this.replyTimeoutMs);
    });
    try {
      return await Promise.race([super.sendActivities(context, activities), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async processTrusted(activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(this.trustedRequest(), activity, logic);
  }
}

export interface AdapterParts {
  readonly adapter: AssistantAdapter;
  readonly auth: ConfigurationBotFrameworkAuthentication;
}

export function createAdapter(config: Config, i18n: I18n, logger: Logger): AdapterParts {
  const settings = {
    MicrosoftAppId: config.microsoftAppId,
    MicrosoftAppPassword: config.microsoftAppPassword,
    MicrosoftAppType: config.microsoftAppType,
    MicrosoftAppTenantId: config.microsoftAppTenantId,
  };
  const auth = new ConfigurationBotFrameworkAuthentication(settings, new ConfigurationServiceClientCredentialFactory(settings));

  const trustedRequest = (): AuthenticateRequestResult => {
    const claimsIdentity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: config.microsoftAppId },
      { type: AuthenticationConstants.AppIdClaim, value: config.microsoftAppId },
    ], true);
    return {
      claimsIdentity,
      audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
      connectorFactory: auth.createConnectorFactory(claimsIdentity),
      callerId: undefined as unknown as string,
    };
  };
  const adapter = new AssistantAdapter(auth, trustedRequest, config.replyTimeoutMs);

  // One generic apology to the user; the details only in the (masked) log.
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error('turn failed', { error, activityType: context.activity.type, channel: context.activity.channelId });
    // A channel that did not take the reply will not take an apology either.
    if (error instanceof ReplyTimeoutError) return;
    try {
      const locale = turnLocale(context);
      await context.sendActivity(message({ text: translator(i18n, locale)('error'), locale, meta: { kind: 'info' } }));
    } catch (sendError) {
      logger.error('could not send the apology', { error: sendError });
    }
  };
  return { adapter, auth };
}

export type { Activity };

export class ReplyTimeoutError extends Error {
  constructor(ms: number) {
    super(`The channel did not accept a reply within ${ms} ms.`);
    this.name = 'ReplyTimeoutError';
  }
}
