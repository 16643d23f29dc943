/** The collaborators dialogs receive: small interfaces, never a database or fuse.js. */
import type { I18n } from '../i18n/i18n.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import type { Logger } from '../logging/logger.js';

export interface DialogServices {
  readonly kb: KnowledgeBase;
  readonly i18n: I18n;
  readonly logger: Logger;
}
