/**
 * Bounded work per message: a message's text is cut to what the assistant
 * reads before anything else handles it (command keywords, age detection,
 * masking, search), so one pasted 250,000-character "word" costs what a long
 * question costs. Understanding reads the first 1,000 characters and tells the
 * user when it cut; this cap only has to stay above that.
 */
import type { Middleware, TurnContext } from 'botbuilder';

export const MAX_MESSAGE_CHARS = 2_000;

export class MessageLengthMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const text = context.activity.text;
    if (typeof text === 'string' && text.length > MAX_MESSAGE_CHARS) context.activity.text = text.slice(0, MAX_MESSAGE_CHARS);
    await next();
  }
}
