/**
 * Remembers the decisions for the messages asked most recently.
 *
 * Routing a message is a pure function of its text and the conversation's locale (knowledgeBase.ts `route`):
 * the same policy, models and settings give the same decision every time. And the same texts come again and
 * again: every answer offers follow-up questions as buttons, the welcome card offers starter questions, and a
 * shop's customers ask a few questions far more than the rest. Understanding a message (tokenising, the model's
 * features, ranking) was a fifth of a turn's CPU time in `npm run load`; a remembered one costs a map lookup.
 *
 * Bounded (least recently used goes first) and per knowledge base, so a reloaded or different policy never sees
 * another's decisions. Decisions are read-only values, shared between the turns that get them.
 */
import type { Decision } from './decide.js';

/** Messages remembered by default: ~1-2 KiB each, so a few MiB at most. */
export const DEFAULT_ROUTE_CACHE_SIZE = 2000;
/** Longer messages are routed every time: a long story is rarely asked twice, and its key would be large. */
const MAX_REMEMBERED_TEXT = 300;

export type Route = (text: string, locale: string) => Decision;

/** `route`, remembering up to `capacity` decisions (0: remembers nothing). */
export function rememberingRoutes(route: Route, capacity: number = DEFAULT_ROUTE_CACHE_SIZE): Route {
  if (capacity <= 0) return route;
  // A Map iterates in insertion order: the first key is the least recently used one.
  const remembered = new Map<string, Decision>();
  return (text, locale) => {
    if (text.length > MAX_REMEMBERED_TEXT) return route(text, locale);
    const key = `${locale}\u0000${text}`;
    const known = remembered.get(key);
    if (known !== undefined) {
      remembered.delete(key);
      remembered.set(key, known);
      return known;
    }
    const decision = frozen(route(text, locale));
    if (remembered.size >= capacity) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, decision);
    return decision;
  };
}

/**
 * A remembered decision is handed to every turn that asks the same text, so it is frozen, with its lists of
 * hits: code that changed one would change every later reply to that text, and fails loudly instead.
 */
function frozen(decision: Decision): Decision {
  const lists = [('hits' in decision ? decision.hits : undefined), ('options' in decision ? decision.options : undefined)];
  for (const list of lists) {
    if (!list) continue;
    for (const hit of list) Object.freeze(hit);
    Object.freeze(list);
  }
  return Object.freeze(decision);
}
