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
import {
  ClaimsIdentity, AuthenticationConstants,
  type AuthenticateRequestResult, type ConnectorClient, type ConnectorFactory, type UserTokenClient,
} from 'botframework-connector';
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

/** How many connector and user-token clients are kept (least recently used go first). */
export const MAX_REUSED_CLIENTS = 100;

/** The bot's app id as the SDK reads it from a request's claims (audience claim, else app id claim). */
function appIdOf(identity: ClaimsIdentity): string | null {
  return identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? null;
}

/** A small LRU of promised clients; a client that could not be made is not kept. */
function reuse<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let client = cache.get(key);
  if (client) {
    cache.delete(key); // re-inserted below: most recently used last
  } else {
    client = make();
    client.catch(() => { if (cache.get(key) === client) cache.delete(key); });
    while (cache.size >= MAX_REUSED_CLIENTS) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, client);
  return client;
}

/**
 * The SDK's configuration authentication, except that it makes a ConnectorClient (and a UserTokenClient) once
 * per app id, audience and service URL instead of on every turn: each is an HTTP pipeline of a dozen policies,
 * a fifth of an echo bot's CPU per turn, and with expectReplies it is never even used. What a client is made
 * from (credentials for that app id and audience, the cloud's endpoints) is the same for every turn with the
 * same key, and the clients are made for concurrent use; their tokens refresh themselves.
 */
export class ReusingBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokenClients = new Map<string, Promise<UserTokenClient>>();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await super.authenticateRequest(activity, authHeader));
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await super.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusingFactory(super.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return reuse(this.userTokenClients, JSON.stringify(appIdOf(claimsIdentity)), () => super.createUserTokenClient(claimsIdentity));
  }

  private reusing(result: AuthenticateRequestResult): AuthenticateRequestResult {
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: this.reusingFactory(result.connectorFactory, appIdOf(result.claimsIdentity)) };
  }

  private reusingFactory(factory: ConnectorFactory, appId: string | null): ConnectorFactory {
    // The SDK's factory uses `audience ?? its default scope`: undefined and null are the same audience.
    return { create: (serviceUrl: string, audience?: string) =>
      reuse(this.connectors, JSON.stringify([appId, audience ?? null, serviceUrl]), () => factory.create(serviceUrl, audience)) };
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
  const auth = new ReusingBotFrameworkAuthentication(settings, new ConfigurationServiceClientCredentialFactory(settings));

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
