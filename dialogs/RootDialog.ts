/**
 * The root of every conversation. Each message either continues the guided
 * flow in progress or is routed afresh: answered from the policy, clarified,
 * sent to a guided flow, or honestly declined. Help, cancel and "talk to a
 * person" work here when no flow is running; flows handle them themselves
 * (they know what a cancel would lose).
 */
import { ActionTypes, type CardAction, type TurnContext } from 'botbuilder';
import {
  ComponentDialog, DialogTurnStatus, WaterfallDialog,
  type Dialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { FLOW_NAMES, knownNotCovered, type Decision, type FlowName } from '../knowledge/decide.js';
import { turnLocale } from './assistantMeta.js';
import { handOff } from './handoff.js';
import { detectCommand, normalizeCommand } from './keywords.js';
import { SUPPORTED_LOCALES, type Locale } from '../i18n/locale.js';
import { answerMessage, clarifyMessage, fallbackMessage, helpMessage, infoMessage, smallTalkMessage, wholePassageMessage } from './replies.js';
import type { StatePropertyAccessor } from 'botbuilder';
import { isVoiceChannel } from '../voice/ssml.js';
import { maskPersonalData } from '../privacy/mask.js';
import type { DialogServices } from './services.js';
import { translator } from '../i18n/i18n.js';

export const ROOT_DIALOG_ID = 'root';
const ROUTE_DIALOG_ID = 'root.route';
/** Turn state: the routing decision made for the turn's message. */
const DECISION_KEY = Symbol('root.decision');

/** Passages after which the assistant offers the flow that acts on them ("Report a leak" after the leak passage). */
export const FLOW_OFFERS: Readonly<Record<string, FlowName>> = Object.freeze({
  '4#2': 'leakReport',
  '1.2#3': 'leakReport',
  '5': 'dataRequest',
  '2.5': 'dataRequest',
  '3.1': 'dataRequest',
  '7': 'minorConsent',
});

/** What the root remembers between turns of a conversation. */
export interface ConversationMemory {
  /** The passage last answered from, for "more". */
  lastPassageId?: string;
  /**
   * The question that answer was for (masked, short): when the user then taps the flow offered with it
   * ("Report a leak" after "someone stole my password"), the flow starts from what was already said.
   */
  lastQuestion?: string;
  /** The flow offered with that answer, when it was not the passage's own (the story around the question was about it). */
  offeredFlow?: FlowName;
}

export class RootDialog extends ComponentDialog {
  private readonly flows = new Set<string>();

  constructor(
    private readonly services: DialogServices,
    flowDialogs: readonly Dialog[] = [],
    private readonly memory?: StatePropertyAccessor<ConversationMemory>,
  ) {
    super(ROOT_DIALOG_ID);
    this.addDialog(new WaterfallDialog(ROUTE_DIALOG_ID, [this.routeStep.bind(this), this.finishStep.bind(this)]));
    for (const dialog of flowDialogs) {
      this.addDialog(dialog);
      this.flows.add(dialog.id);
    }
    this.initialDialogId = ROUTE_DIALOG_ID;
  }

  override async onBeginDialog(innerDc: DialogContext, options?: object): Promise<DialogTurnResult> {
    return (await this.handleCommand(innerDc)) ?? super.onBeginDialog(innerDc, options);
  }

  override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    // A running flow sees every message first: it handles commands with knowledge of what would be lost.
    if (innerDc.activeDialog && this.flows.has(innerDc.activeDialog.id)) return super.onContinueDialog(innerDc);
    return (await this.handleCommand(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async handleCommand(dc: DialogContext): Promise<DialogTurnResult | undefined> {
    const { i18n } = this.services;
    const command = detectCommand(dc.context.activity.text ?? '', i18n);
    if (!command) return undefined;
    const locale = turnLocale(dc.context);
    if (command === 'more') {
      const last = (await this.memory?.get(dc.context, {}))?.lastPassageId;
      if (!last) return undefined; // nothing to say more about: treat it as an ordinary message
      await dc.context.sendActivity(wholePassageMessage(this.services.kb, i18n, last, locale));
      return { status: DialogTurnStatus.complete };
    }
    if (command === 'help') await dc.context.sendActivity(helpMessage(i18n, locale));
    if (command === 'cancel') await dc.context.sendActivity(infoMessage(i18n, locale, 'cancel.nothing'));
    if (command === 'handoff') await handOff(dc.context, i18n, locale, { reason: 'userRequested' });
    await dc.cancelAllDialogs();
    return { status: DialogTurnStatus.complete };
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { i18n } = this.services;
    const context = step.context;
    const locale = turnLocale(context);
    const text = (context.activity.text ?? '').trim();
    if (text === '') {
      await context.sendActivity(helpMessage(i18n, locale));
      return step.endDialog();
    }
    // A tapped (or read-out) flow button starts its flow directly, whatever search would make of the label.
    const chosen = this.flowFromActionLabel(text);
    if (chosen) return step.beginDialog(chosen, { text: await this.withEarlierQuestion(context, chosen, text), locale });
    const decision = this.decide(context, text, locale);
    if (decision.kind === 'flow' && this.flows.has(decision.flow)) {
      const result = await step.beginDialog(decision.flow, { text, locale });
      // Only the first part of an overlong message is read; said after the flow's first prompt, as after a reply.
      if (decision.truncated) await context.sendActivity(infoMessage(i18n, locale, 'smallTalk.truncated'));
      return result;
    }
    await this.reply(context, decision, locale, text);
    return step.endDialog();
  }

  /**
   * A message that is answered, clarified, declined or met with small talk, with no dialog running, leaves the
   * dialog stack as it found it (empty): the root would begin, route, reply and end within the turn. Here it is
   * replied to the same way without the dialog machinery (a DialogContext and its memory for the root, another for
   * its waterfall, each step's bookkeeping), which cost more than the reply. Returns false, having sent nothing,
   * for everything else (commands, empty messages, flow buttons, messages that start a flow): the dialogs run
   * them, and a decision made here is not made twice. The caller makes sure no dialog is on the stack.
   */
  async replyWithoutDialogs(context: TurnContext): Promise<boolean> {
    const raw = context.activity.text ?? '';
    const text = raw.trim();
    if (text === '' || detectCommand(raw, this.services.i18n) || this.flowFromActionLabel(text)) return false;
    const locale = turnLocale(context);
    const decision = this.decide(context, text, locale);
    if (decision.kind === 'flow' && this.flows.has(decision.flow)) return false;
    await this.reply(context, decision, locale, text);
    return true;
  }

  /** The routing decision for the turn's message: made once a turn (replyWithoutDialogs may have made it). */
  private decide(context: TurnContext, text: string, locale: Locale): Decision {
    const made = context.turnState.get(DECISION_KEY) as { text: string; locale: Locale; decision: Decision } | undefined;
    if (made && made.text === text && made.locale === locale) return made.decision;
    const decision = this.services.kb.route(text, locale);
    this.services.logger.info('routed', {
      decision: decision.kind,
      target: decision.kind === 'answer' ? decision.passageId : decision.kind === 'flow' ? decision.flow : undefined,
      confidence: decision.confidence,
    });
    context.turnState.set(DECISION_KEY, { text, locale, decision });
    return decision;
  }

  /** Replies to a decision that starts no flow (a flow that is not registered falls back). */
  private async reply(context: TurnContext, decision: Decision, locale: Locale, text: string): Promise<void> {
    const { kb, i18n } = this.services;
    switch (decision.kind) {
      case 'smallTalk':
        await context.sendActivity(smallTalkMessage(i18n, locale, decision.intent));
        break;
      case 'flow':
        await context.sendActivity(fallbackMessage(i18n, locale));
        break;
      case 'answer':
        await context.sendActivity(answerMessage(kb, i18n, decision.passageId, locale, decision.hits, this.flowOffer(decision.passageId, locale, decision.offerFlow),
          { voice: isVoiceChannel(context.activity.channelId) }));
        if (this.memory) {
          const memory = await this.memory.get(context, {});
          memory.lastPassageId = decision.passageId;
          memory.lastQuestion = maskPersonalData(text).slice(0, 300);
          if (decision.offerFlow) memory.offeredFlow = decision.offerFlow;
          else delete memory.offeredFlow;
        }
        break;
      case 'clarify':
        await context.sendActivity(clarifyMessage(kb, i18n, decision.options, locale));
        break;
      case 'fallback':
        await context.sendActivity(fallbackMessage(i18n, locale, { unsure: !knownNotCovered(decision) }));
        break;
    }
    // Only the first part of an overlong message is read; say so after the reply, so the reply stays first.
    if (decision.truncated) await context.sendActivity(infoMessage(i18n, locale, 'smallTalk.truncated'));
  }

  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** The flow's button after an answer that offered it: the question answered comes along as what was said. */
  private async withEarlierQuestion(context: WaterfallStepContext['context'], flow: FlowName, label: string): Promise<string> {
    if (!this.memory) return label;
    const memory = await this.memory.get(context, {});
    const earlier = memory.lastQuestion;
    const offered = memory.offeredFlow === flow || (memory.lastPassageId !== undefined && FLOW_OFFERS[memory.lastPassageId] === flow);
    delete memory.lastQuestion;
    delete memory.offeredFlow;
    return offered && earlier ? `${earlier}\n${label}` : label;
  }

  private flowFromActionLabel(text: string): FlowName | undefined {
    return this.flowLabels().get(normalizeCommand(text));
  }

  /**
   * The flows' button labels in every locale, normalised: made once, and again only when the translators are
   * (they are made again when the i18n resources change).
   */
  private labels?: { readonly translators: readonly unknown[]; readonly byLabel: ReadonlyMap<string, FlowName> };

  private flowLabels(): ReadonlyMap<string, FlowName> {
    const translators = SUPPORTED_LOCALES.map((l) => translator(this.services.i18n, l));
    if (!this.labels || this.labels.translators.some((t, i) => t !== translators[i])) {
      const byLabel = new Map<string, FlowName>();
      // The first flow (in FLOW_NAMES order) whose label it is wins, as before.
      for (const flow of FLOW_NAMES) {
        if (!this.flows.has(flow)) continue;
        for (const t of translators) {
          const label = normalizeCommand(t(`actions.${flow}`));
          if (!byLabel.has(label)) byLabel.set(label, flow);
        }
      }
      this.labels = { translators, byLabel };
    }
    return this.labels.byLabel;
  }

  /** The flow button after an answer: the one the message's story was about, else the one the passage leads to. */
  private flowOffer(passageId: string, locale: Parameters<typeof infoMessage>[1], fromStory?: FlowName): CardAction[] {
    const flow = fromStory ?? Object.entries(FLOW_OFFERS).find(([id]) => id === passageId)?.[1];
    if (!flow || !this.flows.has(flow) || !FLOW_NAMES.includes(flow)) return [];
    const title = translator(this.services.i18n, locale)(`actions.${flow}`);
    return [{ type: ActionTypes.ImBack, title, value: title }];
  }
}
