/**
 * What code with effects needs to know of channel-retry protection (turnGuard.ts), without the middleware: a
 * turn claims its activity late, so anything that does what the turn's state transaction cannot undo (opens a
 * ticket, writes on its own, lets a reply leave the process) calls `claimTurn` first; and replies the guard
 * repeats from another run are marked, so nothing records them as this turn's.
 */
import type { TurnContext } from 'botbuilder';
import { StateConflictError } from './StateStorage.js';

type TurnStateHolder = Pick<TurnContext, 'turnState'>;

/**
 * Thrown inside a turn that lost its claim: another run of the same activity (a channel's retry, here or on
 * another instance) claimed or finished it first. The turn stops before its effect; the guard answers with
 * the replies of the run that won.
 */
export class AlreadyProcessedError extends Error {
  constructor() {
    super('This activity was processed by another run; its stored replies answer it');
    this.name = 'AlreadyProcessedError';
  }
}

/** The turn-state key of the running turn's claim. */
const TURN_CLAIM = Symbol('storage.turnClaim');
/** Set while the guard answers with another run's replies. */
const REPLAYING = Symbol('storage.replaying');

/**
 * Claims the running turn's activity before an effect that its state transaction does not undo. Throws
 * AlreadyProcessedError when another run has it. Outside a guarded turn (tests, scripts) it does nothing.
 */
export async function claimTurn(context: TurnStateHolder): Promise<void> {
  const claim = context.turnState.get(TURN_CLAIM) as (() => Promise<void>) | undefined;
  if (claim) await claim();
}

/** Whether the replies being sent are another run's, repeated (not this turn's: record nothing of them). */
export function isReplayingTurn(context: TurnStateHolder): boolean {
  return context.turnState.get(REPLAYING) === true;
}

/** The guard's side: how this turn claims its activity when `claimTurn` is called. */
export function offerTurnClaim(context: TurnStateHolder, claim: () => Promise<void>): void {
  context.turnState.set(TURN_CLAIM, claim);
}

/** The guard's side: the replies sent from now on are another run's. */
export function markReplaying(context: TurnStateHolder): void {
  context.turnState.set(REPLAYING, true);
}

/**
 * Whether an error thrown through a turn ends only this attempt of it: the guard runs the turn again on fresh
 * state (another request changed the state meanwhile) or answers with the replies of the run that had it.
 * Whatever the attempt held back to write (the desk's transcript lines) belongs to neither and is dropped. (A
 * second conflict in a row fails the turn; the channel retries it, and that run writes its own.)
 */
export function endsAttemptOnly(error: unknown): boolean {
  return error instanceof AlreadyProcessedError || error instanceof StateConflictError;
}
