/**
 * Middleware that makes every turn follow CONTRACT.md: it picks the turn's
 * locale, and stamps each outgoing message with locale, speak, inputHint and
 * channelData.assistant (flow and step from the running flow). Dialogs build
 * content; this guarantees the envelope, including for SDK prompts.
 */
import { ActivityTypes, InputHints, type Activity, type Middleware, type TurnContext } from 'botbuilder';
import { resolveLocale, isLocale } from '../i18n/locale.js';
import { ssml } from '../voice/ssml.js';
import { flowPosition, setTurnLocale, turnLocale, type AssistantMeta } from '../dialogs/assistantMeta.js';

export class ReplyContractMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    setTurnLocale(context, resolveLocale(context.activity.locale, context.activity.text ?? ''));
    context.onSendActivities(async (ctx, activities, sendNext) => {
      // runDialog traces a snapshot of dialog state (a flow's draft: contact details) on every turn. Only the
      // Emulator shows traces; elsewhere they would hand that state to whoever reads the replies.
      if (ctx.activity.channelId !== 'emulator') {
        for (let i = activities.length - 1; i >= 0; i--) if (activities[i]!.type === ActivityTypes.Trace) activities.splice(i, 1);
      }
      // A batch that held only traces is now empty. With normal delivery (every real channel) the adapter
      // refuses an empty batch ("Expecting one or more activities"), which failed the whole turn before state
      // was saved: nothing to send is simply nothing sent.
      if (activities.length === 0) return [];
      for (const activity of activities) stamp(ctx, activity);
      onlyLastExpectsInput(activities);
      return sendNext();
    });
    await next();
    // With expectReplies the whole turn is buffered: only its last message may expect input.
    onlyLastExpectsInput(context.bufferedReplyActivities);
  }
}

/** A voice client opens the microphone on expectingInput; two prompts in one turn would cut the first off. */
function onlyLastExpectsInput(activities: Partial<Activity>[]): void {
  const messages = activities.filter((a) => a.type === ActivityTypes.Message);
  messages.slice(0, -1).forEach((m) => {
    if (m.inputHint === InputHints.ExpectingInput) m.inputHint = InputHints.AcceptingInput;
  });
}

function stamp(context: TurnContext, activity: Partial<Activity>): void {
  if (activity.type !== ActivityTypes.Message) return;
  const fallbackLocale = turnLocale(context);
  const locale = isLocale(activity.locale) ? activity.locale : fallbackLocale;
  activity.locale = locale;
  activity.inputHint ??= InputHints.AcceptingInput;
  if (!activity.speak) activity.speak = ssml(activity.text ?? '', locale);
  const own = ((activity.channelData ?? {}) as { assistant?: Partial<AssistantMeta> }).assistant ?? {};
  const position = flowPosition(context);
  const assistant: AssistantMeta = {
    kind: own.kind ?? (position ? 'flow' : 'info'),
    ...own,
    locale,
    ...(position ? { flow: position.flow, step: position.step } : {}),
    ...(position?.ticketId ? { ticketId: position.ticketId } : {}),
  };
  // A handoff message keeps its own ticket; a running flow's position wins for flow and step.
  if (own.ticketId) assistant.ticketId = own.ticketId;
  activity.channelData = { ...(activity.channelData ?? {}), assistant };
}
