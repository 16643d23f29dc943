/**
 * The reply metadata of CONTRACT.md (`channelData.assistant`), and the turn
 * state through which dialogs tell the reply middleware which flow and step a
 * message belongs to. Dialogs never stamp metadata on prompts by hand: the
 * middleware stamps every outgoing message from this state.
 */
import type { TurnContext } from 'botbuilder';
import type { Locale } from '../i18n/locale.js';
import type { FlowName } from '../knowledge/decide.js';

export type ReplyKind = 'welcome' | 'answer' | 'clarify' | 'fallback' | 'flow' | 'handoff' | 'help' | 'info';

export interface Citation {
  readonly id: string;
  readonly title: string;
  readonly score: number;
}

export interface AssistantMeta {
  kind: ReplyKind;
  locale: Locale;
  citations?: Citation[];
  flow?: FlowName;
  step?: string;
  ticketId?: string;
  /** On a `fallback` that answers small talk ("hi", "thanks", "are you a bot"): which. The policy answers none of it. */
  smallTalk?: string;
  /** The message was longer than what the assistant reads; only its first part was read. */
  truncated?: boolean;
}

export interface FlowPosition {
  readonly flow: FlowName;
  readonly step: string;
  readonly ticketId?: string;
}

const LOCALE_KEY = Symbol('assistant.locale');
const FLOW_KEY = Symbol('assistant.flowPosition');

export function setTurnLocale(context: TurnContext, locale: Locale): void {
  context.turnState.set(LOCALE_KEY, locale);
}

export function turnLocale(context: TurnContext): Locale {
  return (context.turnState.get(LOCALE_KEY) as Locale | undefined) ?? 'en-US';
}

/** Called by a flow's step before it sends anything, so every message of that step carries `flow` and `step`. */
export function setFlowPosition(context: TurnContext, position: FlowPosition | undefined): void {
  context.turnState.set(FLOW_KEY, position);
}

export function flowPosition(context: TurnContext): FlowPosition | undefined {
  return context.turnState.get(FLOW_KEY) as FlowPosition | undefined;
}
