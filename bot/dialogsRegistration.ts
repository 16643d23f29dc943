/**
 * One DialogsComponentRegistration for the process, instead of one per DialogContext.
 *
 * botbuilder-dialogs 4.23 builds a DialogStateManager for every DialogContext (a turn of this bot makes four or
 * five: the root, the component's inner context, each waterfall step), and each of those constructs a new
 * DialogsComponentRegistration (a service collection, a dependency graph, a zod check of the settings) only to
 * register it under the same name as the one before: about 4% of a turn's CPU and a tenth of its allocations.
 * The registration holds nothing per turn (its memory scopes are made anew each time they are asked for, and
 * a turn asks once), so one instance serves every DialogStateManager the same.
 *
 * The SDK's module is patched in place: `new DialogsComponentRegistration()` returns the shared instance. If a
 * later SDK moves or renames it, nothing is patched and the SDK behaves as it always did.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type RegistrationClass = new () => object;

let patched = false;

export function shareDialogsComponentRegistration(): boolean {
  if (patched) return true;
  let module: { DialogsComponentRegistration?: unknown };
  try {
    module = require('botbuilder-dialogs/lib/dialogsComponentRegistration.js') as typeof module;
  } catch {
    return false;
  }
  const Original = module.DialogsComponentRegistration;
  if (typeof Original !== 'function') return false;
  let shared: object | undefined;
  // Called with `new`: returning an object makes that object the result. Instances still pass `instanceof`.
  const Shared = function DialogsComponentRegistration(): object {
    shared ??= new (Original as RegistrationClass)();
    return shared;
  } as unknown as RegistrationClass;
  Shared.prototype = (Original as RegistrationClass).prototype;
  Object.setPrototypeOf(Shared, Original);
  module.DialogsComponentRegistration = Shared;
  patched = true;
  return true;
}
