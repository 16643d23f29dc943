/**
 * The activity handler: welcome on conversationUpdate, every message through
 * the root dialog, state saved at the end of each turn.
 */
import { ActivityHandler, ActivityTypes, BotTelemetryClientKey, type ConversationState, type StatePropertyAccessor, type TurnContext, type UserState } from 'botbuilder';
import {
  DialogEvents, DialogSet, DialogTurnStatus, runDialog, type Dialog, type DialogState, type DialogStateManagerConfiguration,
} from 'botbuilder-dialogs';
import { SkillValidation, type ClaimsIdentity } from 'botframework-connector';
import type { I18n } from '../i18n/i18n.js';
import { RootDialog } from '../dialogs/RootDialog.js';
import { turnLocale } from '../dialogs/assistantMeta.js';
import { welcomeMessage } from '../dialogs/replies.js';

/** Sent by the web page when the user switches language (the event's `locale` is the new one). */
export const LOCALE_CHANGED_EVENT = 'webchat/localeChanged';

export class PrivacyAssistantBot extends ActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly userState: UserState,
    private readonly rootDialog: RootDialog,
    private readonly i18n: I18n,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== botId);
      if (joined) await context.sendActivity(welcomeMessage(this.i18n, turnLocale(context)));
      await next();
    });

    // The page's language switch: the welcome and its menu again, in the language just chosen.
    this.onEvent(async (context, next) => {
      if (context.activity.name === LOCALE_CHANGED_EVENT) await context.sendActivity(welcomeMessage(this.i18n, turnLocale(context)));
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // A message goes straight to the root dialog (no onMessage handler): ActivityHandler would get there through a
    // dozen async layers (run, onTurnActivity, the Turn, Message and Dialog handler chains), with no other handler
    // registered for any of them here. Every other activity type goes through ActivityHandler.
    if (context.activity.type === ActivityTypes.Message) await runRootDialog(this.rootDialog, context, this.dialogState);
    else await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }
}

/**
 * The SDK's runDialog, without what this bot does not use on every turn: a second DialogStateManager whose memory
 * scopes load and save nothing here (no BotState is registered in turn state), and a trace of a snapshot of the
 * dialog memory that the reply contract drops on every channel but the Emulator. Both cost a fifth of the
 * dialogs' time per turn. The Emulator (which shows the trace) and calls from a parent bot (a skill: end of
 * conversation and reprompt from the parent, end of conversation back to it) go through runDialog itself.
 */
/** botbuilder-dialogs' turn-state key for the DialogStateManager configuration (memory/dialogStateManager.js). */
const STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';
let stateManagerConfiguration: DialogStateManagerConfiguration | undefined;

export async function runRootDialog(dialog: Dialog, context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
  const identity = context.turnState.get<ClaimsIdentity | undefined>(context.adapter.BotIdentityKey);
  if (context.activity.channelId === 'emulator' || (identity && SkillValidation.isSkillClaim(identity.claims))) {
    await runDialog(dialog, context, accessor);
    return;
  }
  // No dialog running (no flow): an answer, clarification, fallback or small talk is replied to without the dialog
  // machinery (RootDialog.replyWithoutDialogs); anything else runs the dialogs below.
  if (dialog instanceof RootDialog && !(await accessor.get(context))?.dialogStack?.length && await dialog.replyWithoutDialogs(context)) return;
  const dialogSet = new DialogSet(accessor);
  dialogSet.telemetryClient = context.turnState.get(BotTelemetryClientKey) ?? dialog.telemetryClient;
  dialogSet.add(dialog);
  // Every DialogStateManager of a turn uses one configuration (memory scopes, path resolvers), which the SDK
  // works out at the turn's first one from the components registered in the process and keeps in turn state.
  // Nothing here registers any per turn or per process after the start: the first turn's serves every turn.
  const seeded = !context.turnState.has('memoryScopes') && !context.turnState.has('pathResolvers');
  if (seeded && stateManagerConfiguration && !context.turnState.has(STATE_MANAGER_CONFIGURATION)) {
    context.turnState.set(STATE_MANAGER_CONFIGURATION, stateManagerConfiguration);
  }
  const dc = await dialogSet.createContext(context);
  if (seeded) stateManagerConfiguration ??= context.turnState.get<DialogStateManagerConfiguration>(STATE_MANAGER_CONFIGURATION);
  // As runDialog: the turn's services are the root dialog context's services.
  context.turnState.forEach((service, key) => { dc.services.push(key, service); });
  // As runDialog: an error is offered to the dialogs (bubbling from the leaf); one they handle continues the turn.
  for (;;) {
    try {
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) await dc.beginDialog(dialog.id);
      return;
    } catch (error) {
      if (!(await dc.emitEvent(DialogEvents.error, error, true, true))) throw error;
    }
  }
}
