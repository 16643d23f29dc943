/**
 * The activity handler: welcome on conversationUpdate, every message through
 * the root dialog, state saved at the end of each turn.
 */
import { ActivityHandler, type ConversationState, type StatePropertyAccessor, type TurnContext, type UserState } from 'botbuilder';
import { runDialog, type DialogState } from 'botbuilder-dialogs';
import type { I18n } from '../i18n/i18n.js';
import type { RootDialog } from '../dialogs/RootDialog.js';
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

    this.onMessage(async (context, next) => {
      await runDialog(this.rootDialog, context, this.dialogState);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }
}
