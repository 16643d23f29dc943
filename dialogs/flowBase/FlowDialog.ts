/**
 * The base of every guided flow. It owns what all flows share:
 * - the flow's position (flow, step, ticket) on every message it sends;
 * - questions as prompts with a parser, re-asked with the reason when the
 *   answer does not parse, and a person offered after too many tries;
 * - interruptions at any prompt: help, cancel (confirmed), "talk to a
 *   person", and a policy question, answered before the prompt is repeated;
 * - a warning, without storing anything, when someone types a full ID card
 *   or bank card number the flow never asked for.
 * Flows add their steps and say what each question accepts.
 */
import { ActionTypes, InputHints, type Activity, type CardAction, type TurnContext } from 'botbuilder';
import {
  ComponentDialog, DialogTurnStatus, TextPrompt, WaterfallDialog,
  type DialogContext, type DialogTurnResult, type PromptValidatorContext, type WaterfallStep, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { randomUUID } from 'node:crypto';
import type { Locale } from '../../i18n/locale.js';
import { knownNotCovered, type FlowName } from '../../knowledge/decide.js';
import { findPersonalData, maskPersonalData } from '../../privacy/mask.js';
import { sanitizeTicketFields, type Ticket, type TicketDesk, type TicketRequest } from '../../tickets/ticket.js';
import { isVoiceChannel, spellReference } from '../../voice/ssml.js';
import { claimTurn } from '../../storage/turnClaim.js';
import { ticketCard } from '../ticketCard.js';
import { setFlowPosition, turnLocale } from '../assistantMeta.js';
import { handOff } from '../handoff.js';
import { detectCommand } from '../keywords.js';
import { answerMessage, fallbackMessage, message } from '../replies.js';
import type { DialogServices } from '../services.js';
import { recognizeChoices, recognizeConfirmation, type Choice } from './recognize.js';
import { translator } from '../../i18n/i18n.js';

export interface FlowServices extends DialogServices {
  readonly tickets: TicketDesk;
  readonly clock: () => Date;
  readonly deadline: { readonly regime: string; readonly days: number; readonly kind: 'working' | 'calendar' };
}

/** What the base keeps for a running flow, in the flow's own dialog state. */
export interface FlowState<TDraft> {
  instanceId: string;
  locale: Locale;
  step: string;
  ticketId?: string;
  confirmingCancel?: boolean;
  draft: TDraft;
}

export interface Question {
  readonly name: string;
  /** The parsed answer, or undefined when the text does not answer the question. */
  parse(text: string, locale: Locale): unknown;
  /** Flow-namespace key of the reason given when the answer does not parse. */
  readonly invalidKey: (text: string) => string;
  /** Free-text questions accept anything, so a policy question must end in "?" to interrupt them. */
  readonly freeText?: boolean;
}

export interface PromptContent {
  readonly text: string;
  readonly speak?: string;
  readonly choices?: readonly Choice[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly multiple?: boolean;
  /** What a voice prompt reads for each choice, where the button label is too long to read ("yes", not "Yes, send it"). */
  readonly voiceLabels?: Readonly<Record<string, string>>;
}

/** Returned by a prompt when the user gave up answering after too many tries. */
export const GAVE_UP = '\u0000gave-up';
const TEXT_ATTEMPTS = 3;
const VOICE_ATTEMPTS = 2;

export abstract class FlowDialog<TDraft extends object> extends ComponentDialog {
  private readonly questions = new Map<string, Question>();

  protected constructor(readonly flow: FlowName, protected readonly services: FlowServices) {
    super(flow);
  }

  protected abstract emptyDraft(): TDraft;

  /** A masked, one-line summary for an agent who takes over. */
  protected abstract summarize(draft: TDraft): string;

  // ---- steps and questions -------------------------------------------------

  /**
   * The flow's steps, in order. A step after a question that the user gave up on (too many answers not
   * understood) is not run: the flow offers a person instead.
   */
  protected addSteps(steps: readonly WaterfallStep[]): void {
    const guarded = steps.map((run, i): WaterfallStep => (i === 0 ? run.bind(this) : async (step) =>
      (step.result === GAVE_UP ? this.gaveUp(step) : run.call(this, step))));
    this.addDialog(new WaterfallDialog(`${this.id}.steps`, guarded));
    this.initialDialogId = `${this.id}.steps`;
  }

  /** Sends one line of this flow's text (namespace = flow name) at the step named. */
  protected async say(step: WaterfallStepContext, stepName: string, key: string, params: Record<string, unknown> = {}): Promise<void> {
    this.moveTo(step, stepName);
    await step.context.sendActivity(message({ text: this.t(step)(key, params), locale: turnLocale(step.context), meta: { kind: 'flow' } }));
  }

  protected addQuestion(question: Question): void {
    this.questions.set(question.name, question);
    this.addDialog(new TextPrompt(this.promptId(question.name), (pc) => this.validate(question, pc)));
  }

  private promptId(name: string): string {
    return `${this.flow}.${name}`;
  }

  private async validate(question: Question, pc: PromptValidatorContext<string>): Promise<boolean> {
    const text = pc.recognized.value ?? '';
    const locale = turnLocale(pc.context);
    if (pc.recognized.succeeded && question.parse(text, locale) !== undefined) return true;
    const limit = isVoiceChannel(pc.context.activity.channelId) ? VOICE_ATTEMPTS : TEXT_ATTEMPTS;
    if (pc.attemptCount >= limit) {
      pc.recognized.value = GAVE_UP;
      return true;
    }
    const t = translator(this.services.i18n, locale, 'flows');
    await pc.context.sendActivity(message({ text: t(question.invalidKey(text)), locale, meta: { kind: 'flow' } }));
    // The SDK re-prompts only when nothing was sent this turn; the reason was, so ask again here.
    if (pc.options.prompt) await pc.context.sendActivity(pc.options.prompt as Partial<Activity>);
    return false;
  }

  /** Asks a question: its prompt carries choices as buttons, or as a spoken list on voice channels. */
  protected async ask(step: WaterfallStepContext, name: string, content: PromptContent): Promise<DialogTurnResult> {
    this.moveTo(step, name);
    const prompt = this.promptActivity(step.context, content);
    return step.prompt(this.promptId(name), { prompt, retryPrompt: prompt });
  }

  private promptActivity(context: TurnContext, content: PromptContent): Partial<Activity> {
    const locale = turnLocale(context);
    const t = translator(this.services.i18n, locale, 'flows');
    const labels = (content.choices ?? []).map((c) => content.labels?.[c.value] ?? c.words[0] ?? c.value);
    const voice = isVoiceChannel(context.activity.channelId);
    // A button sends one answer at once: where several may be picked, say how (type them, or name them).
    const hint = content.multiple ? ` ${t(voice ? 'severalHintVoice' : 'severalHint')}` : '';
    if (voice && labels.length > 0) {
      const spoken = (content.choices ?? []).map((c, i) => content.voiceLabels?.[c.value] ?? labels[i]!);
      const list = spoken.map((label, i) => t('voiceListItem', { n: i + 1, label })).join(locale === 'zh-CN' ? '，' : ', ');
      const text = `${content.text}${hint} ${t('voiceList', { list })}`;
      return message({ text, speakText: text, locale, meta: { kind: 'flow' }, inputHint: InputHints.ExpectingInput });
    }
    const actions: CardAction[] = labels.map((label) => ({ type: ActionTypes.ImBack, title: label, value: label }));
    return message({
      text: content.text + hint, speakText: content.speak, locale, meta: { kind: 'flow' },
      actions, inputHint: InputHints.ExpectingInput,
    });
  }

  /**
   * Yes and no as the choices of a question: buttons that say what they do ("Yes, send it" / "No, don't send it"),
   * read on the phone as plain "yes" and "no" (1 and 2 work too).
   */
  protected yesNo(dc: DialogContext, kind: 'plain' | 'confirm' | 'solved' = 'plain'): Pick<PromptContent, 'choices' | 'labels' | 'voiceLabels'> {
    const t = translator(this.services.i18n, turnLocale(dc.context), 'flows');
    const prefix = kind === 'plain' ? '' : kind;
    const yes = t(`buttons.${prefix ? `${prefix}Yes` : 'yes'}`);
    const no = t(`buttons.${prefix ? `${prefix}No` : 'no'}`);
    return {
      choices: [{ value: 'yes', words: [yes] }, { value: 'no', words: [no] }],
      labels: { yes, no },
      voiceLabels: { yes: t('buttons.yes'), no: t('buttons.no') },
    };
  }

  // ---- state and position --------------------------------------------------

  protected state(dc: DialogContext): FlowState<TDraft> {
    let c: DialogContext | undefined = dc;
    while (c && c.activeDialog?.id !== this.id) c = c.parent;
    return c!.activeDialog!.state as FlowState<TDraft>;
  }

  protected draft(dc: DialogContext): TDraft {
    return this.state(dc).draft;
  }

  /** Records the step the flow is at; every message sent from now on carries it. */
  protected moveTo(dc: DialogContext, step: string, ticketId?: string): void {
    const s = this.state(dc);
    s.step = step;
    if (ticketId) s.ticketId = ticketId;
    setFlowPosition(dc.context, { flow: this.flow, step, ...(s.ticketId ? { ticketId: s.ticketId } : {}) });
  }

  /** True when the user confirmed; otherwise says nothing was sent (the flow then ends). */
  protected async confirmed(step: WaterfallStepContext): Promise<boolean> {
    if (recognizeConfirmation(String(step.result), this.services.i18n) === true) return true;
    await this.say(step, 'notSent', 'notSent');
    return false;
  }

  /**
   * Tells the user their ticket exists: the flow's `done` text with the reference (spelled out in speech),
   * and on chat surfaces an Adaptive Card with the reference, what happens next and any due date.
   */
  protected async announceTicket(step: WaterfallStepContext, ticket: Ticket,
    { params = {}, next, after = '' }: { params?: Record<string, unknown>; next: string; after?: string }): Promise<void> {
    const locale = turnLocale(step.context);
    const t = this.t(step);
    await step.context.sendActivity(message({
      text: t('done', { reference: ticket.id, ...params }) + (after ? `\n\n${after}` : ''),
      speakText: `${t('doneSpeak', { spokenReference: spellReference(ticket.id, locale), ...params })}${after ? ` ${after}` : ''}`,
      maxSentences: 4,
      locale, meta: { kind: 'flow', ticketId: ticket.id },
      ...(this.isVoice(step) ? {} : {
        attachments: [ticketCard(this.services.i18n, locale, { reference: ticket.id, next, ...(ticket.dueDate ? { dueDate: ticket.dueDate } : {}) })],
      }),
    }));
  }

  /** Opens this run's ticket (once, whatever retries arrive) and moves to `step` with its reference. */
  protected async openTicket(step: WaterfallStepContext, stepName: string,
    request: Omit<TicketRequest, 'kind' | 'locale' | 'conversationId' | 'idempotencyKey'>): Promise<Ticket> {
    // A ticket outlives the turn's state transaction: the turn claims its activity first (storage/turnGuard.ts).
    await claimTurn(step.context);
    const ticket = await this.services.tickets.open({
      // Free text is masked here, before the ticket reaches the database, the outbox or the webhook.
      ...request, fields: sanitizeTicketFields(request.fields), kind: this.flow, locale: turnLocale(step.context),
      conversationId: step.context.activity.conversation.id, idempotencyKey: this.idempotencyKey(step),
    });
    this.moveTo(step, stepName, ticket.id);
    this.services.logger.info('ticket opened', { flow: this.flow, ticket: ticket.id, priority: ticket.priority });
    return ticket;
  }

  protected t(dc: DialogContext, ns: string = this.flow) {
    return translator(this.services.i18n, turnLocale(dc.context), ns);
  }

  protected isVoice(dc: DialogContext): boolean {
    return isVoiceChannel(dc.context.activity.channelId);
  }

  /** The idempotency key of this run of the flow: a retried submission finds the same ticket. */
  protected idempotencyKey(dc: DialogContext): string {
    return `${dc.context.activity.conversation?.id ?? 'unknown'}:${this.state(dc).instanceId}`;
  }

  // ---- turn handling ---------------------------------------------------------

  override async onBeginDialog(innerDc: DialogContext, options?: { text?: string }): Promise<DialogTurnResult> {
    const outer = innerDc.parent!.activeDialog!.state as FlowState<TDraft>;
    outer.instanceId = randomUUID();
    outer.locale = turnLocale(innerDc.context);
    outer.step = 'start';
    outer.draft = this.emptyDraft();
    setFlowPosition(innerDc.context, { flow: this.flow, step: 'start' });
    this.services.logger.info('flow started', { flow: this.flow });
    await this.warnAboutUnaskedNumbers(innerDc.context, false);
    // The first message rides in the dialog options, which are kept in conversation state until the flow
    // ends (or forever, if the user walks away): keep it masked, so "I haven't stored it" stays true.
    const safe = typeof options?.text === 'string' ? { ...options, text: maskPersonalData(options.text) } : options;
    return super.onBeginDialog(innerDc, safe);
  }

  override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const s = this.state(innerDc);
    setFlowPosition(innerDc.context, { flow: this.flow, step: s.step, ...(s.ticketId ? { ticketId: s.ticketId } : {}) });
    const text = innerDc.context.activity.text ?? '';
    const locale = turnLocale(innerDc.context);
    const { i18n } = this.services;
    const flows = translator(i18n, locale, 'flows');

    if (s.confirmingCancel) {
      s.confirmingCancel = false;
      if (recognizeConfirmation(text, i18n) === true || detectCommand(text, i18n) === 'cancel') return this.cancelFlow(innerDc);
      await innerDc.context.sendActivity(message({ text: flows('continue'), locale, meta: { kind: 'flow' } }));
      await innerDc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }

    switch (detectCommand(text, i18n)) {
      case 'help':
        await innerDc.context.sendActivity(message({
          text: flows('help', { flowName: flows(`flowName.${this.flow}`) }),
          speakText: flows('helpSpeak', { flowName: flows(`flowName.${this.flow}`) }),
          locale, meta: { kind: 'help' },
        }));
        await innerDc.repromptDialog();
        return { status: DialogTurnStatus.waiting };
      case 'cancel':
        s.confirmingCancel = true;
        await innerDc.context.sendActivity(message({
          text: flows('cancelConfirm'), locale, meta: { kind: 'flow' }, inputHint: InputHints.ExpectingInput,
          ...(this.isVoice(innerDc) ? {} : { actions: [flows('buttons.stopYes'), flows('buttons.stopNo')] }),
        }));
        return { status: DialogTurnStatus.waiting };
      case 'handoff':
        await handOff(innerDc.context, i18n, locale, { reason: 'userRequested', summary: this.summarize(s.draft), ...(s.ticketId ? { ticketId: s.ticketId } : {}) });
        await innerDc.cancelAllDialogs();
        return { status: DialogTurnStatus.complete };
      default:
        break;
    }

    if (await this.answerQuestionAsked(innerDc, text, locale)) return { status: DialogTurnStatus.waiting };
    await this.warnAboutUnaskedNumbers(innerDc.context, true);
    const result = await super.onContinueDialog(innerDc);
    if (result.status !== DialogTurnStatus.waiting) this.services.logger.info('flow ended', { flow: this.flow, step: s.step, ticket: s.ticketId });
    return result;
  }

  /** A policy question in the middle of a flow gets its answer, then the question is asked again. */
  private async answerQuestionAsked(innerDc: DialogContext, text: string, locale: Locale): Promise<boolean> {
    const question = this.questions.get(this.state(innerDc).step);
    if (!question) return false;
    const asksSomething = /[?？]\s*$|吗\s*$/u.test(text.trim());
    const answers = question.parse(text, locale) !== undefined;
    if (answers && (!question.freeText || !asksSomething)) return false;
    const decision = this.services.kb.route(text, locale);
    if (decision.kind === 'answer' && (asksSomething || decision.confidence >= 0.6)) {
      await innerDc.context.sendActivity(answerMessage(this.services.kb, this.services.i18n, decision.passageId, locale, decision.hits));
    } else if (asksSomething && !answers) {
      await innerDc.context.sendActivity(fallbackMessage(this.services.i18n, locale, { unsure: !knownNotCovered(decision) }));
    } else {
      return false;
    }
    await innerDc.repromptDialog();
    return true;
  }

  /** Someone typed a full ID card or bank card number the flow never asks for: say so, and keep nothing. */
  private async warnAboutUnaskedNumbers(context: TurnContext, _continuing: boolean): Promise<void> {
    const kinds = new Set(findPersonalData(context.activity.text ?? '').map((m) => m.kind));
    const locale = turnLocale(context);
    const t = translator(this.services.i18n, locale, 'flows');
    for (const kind of ['idCard', 'bankCard'] as const) {
      if (kinds.has(kind)) {
        await context.sendActivity(message({ text: t('sensitiveNotNeeded', { what: t(`sensitive.${kind}`) }), locale, meta: { kind: 'flow' } }));
      }
    }
  }

  private async cancelFlow(innerDc: DialogContext): Promise<DialogTurnResult> {
    const locale = turnLocale(innerDc.context);
    await innerDc.context.sendActivity(message({ text: translator(this.services.i18n, locale, 'flows')('cancelled'), locale, meta: { kind: 'flow' } }));
    this.services.logger.info('flow cancelled', { flow: this.flow, step: this.state(innerDc).step });
    await innerDc.cancelAllDialogs();
    return { status: DialogTurnStatus.complete };
  }

  /** After too many misunderstood answers: offer a person (on the phone, transfer straight away). */
  protected async gaveUp(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const locale = turnLocale(step.context);
    const { i18n } = this.services;
    const flows = translator(i18n, locale, 'flows');
    this.services.logger.info('flow gave up', { flow: this.flow, step: this.state(step).step });
    if (this.isVoice(step)) {
      await step.context.sendActivity(message({ text: flows('giveUpVoice'), locale, meta: { kind: 'flow' } }));
      await handOff(step.context, i18n, locale, { reason: 'notUnderstood', summary: this.summarize(this.draft(step)) });
    } else {
      const common = translator(i18n, locale);
      await step.context.sendActivity(message({
        text: flows('giveUp'), locale, meta: { kind: 'flow' }, actions: [common('actions.handoff'), common('actions.help')],
      }));
    }
    return step.endDialog();
  }
}

export { recognizeChoices };
