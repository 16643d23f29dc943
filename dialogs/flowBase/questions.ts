/** The kinds of question flows ask, each with what it accepts and why it refuses. */
import type { I18n } from '../../i18n/i18n.js';
import type { Locale } from '../../i18n/locale.js';
import type { Question } from './FlowDialog.js';
import { recognizeChoices, recognizeConfirmation, type Choice } from './recognize.js';
import { contactProblemKey, parseContact } from './contact.js';
import { findPersonalData } from '../../privacy/mask.js';

export function choiceQuestion(name: string, choicesFor: (locale: Locale) => readonly Choice[], multiple = false): Question {
  return {
    name,
    parse: (text, locale) => {
      const picked = recognizeChoices(text, choicesFor(locale), { multiple });
      return picked.length > 0 ? picked : undefined;
    },
    invalidKey: () => 'invalid.choice',
  };
}

export function yesNoQuestion(name: string, i18n: I18n): Question {
  return { name, parse: (text) => recognizeConfirmation(text, i18n), invalidKey: () => 'invalid.yesNo' };
}

export function contactQuestion(name: string): Question {
  return { name, parse: (text) => parseContact(text), invalidKey: contactProblemKey };
}

/** Any short text; anything with letters or digits answers. */
export function freeTextQuestion(name: string): Question {
  return {
    name,
    freeText: true,
    parse: (text) => (/[\p{L}\p{N}]/u.test(text) ? text.trim() : undefined),
    invalidKey: () => 'invalid.text',
  };
}

/** A person's name: letters or characters, no digits. */
export function nameQuestion(name: string): Question {
  return {
    name,
    freeText: true,
    parse: (text) => {
      const v = text.trim();
      // No digits of any script, and no number spelled in Chinese numerals or words: a name is echoed back.
      return /\p{L}/u.test(v) && !/\p{N}/u.test(v) && v.length <= 60 && findPersonalData(v).length === 0 ? v : undefined;
    },
    invalidKey: () => 'invalid.name',
  };
}
