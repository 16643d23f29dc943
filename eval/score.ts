/**
 * Scoring of eval/README.md: the outcome of a line is read from the bot's
 * first reply that carries channelData.assistant, and is right when it matches
 * any expected outcome (a passage at or under the expected id, the exact flow,
 * or a fallback).
 */
import { isUnder } from '../knowledge/passage.js';

export interface EvalLine {
  readonly id: string;
  readonly locale: string;
  readonly text: string;
  readonly expect: readonly string[];
  readonly tags: readonly string[];
}

export type ExpectedKind = 'passage' | 'flow' | 'fallback';

interface AssistantLike {
  kind?: string;
  flow?: string;
  citations?: { id: string }[];
}

/** `1.2.3`, `flow:leakReport`, `fallback`, or a description of anything else (`clarify`, `none`). */
export function outcomeOf(replies: readonly { channelData?: unknown }[]): string {
  for (const r of replies) {
    const a = (r.channelData as { assistant?: AssistantLike } | undefined)?.assistant;
    if (!a) continue;
    if (a.kind === 'answer') return a.citations?.[0]?.id ?? 'answer-without-citation';
    if (a.kind === 'flow') return `flow:${a.flow}`;
    if (a.kind === 'fallback') return 'fallback';
    return a.kind ?? 'unknown';
  }
  return 'no-reply';
}

export function isRight(outcome: string, expect: readonly string[]): boolean {
  return expect.some((e) => {
    if (e === 'fallback') return outcome === 'fallback';
    if (e.startsWith('flow:')) return outcome === e;
    return !outcome.startsWith('flow:') && outcome !== 'fallback' && /^[\d#.]+$/.test(outcome) && isUnder(outcome, e);
  });
}

/** The line's expected kinds: `passage` when it accepts a passage only, `flow` when it expects a flow, `fallback`. */
export function expectedKind(line: EvalLine): ExpectedKind {
  if (line.expect.includes('fallback')) return 'fallback';
  if (line.expect.some((e) => e.startsWith('flow:'))) return 'flow';
  return 'passage';
}
