/** The guided flows the root dialog can start, each a dialog whose id is its flow name. */
import type { Dialog } from 'botbuilder-dialogs';
import type { FlowServices } from './flowBase/FlowDialog.js';
import { LeakReportDialog } from './leakReport/LeakReportDialog.js';
import { DataRequestDialog } from './dataRequest/DataRequestDialog.js';
import { MinorConsentDialog } from './minorConsent/MinorConsentDialog.js';

export function createFlowDialogs(services: FlowServices): Dialog[] {
  return [new LeakReportDialog(services), new DataRequestDialog(services), new MinorConsentDialog(services)];
}
