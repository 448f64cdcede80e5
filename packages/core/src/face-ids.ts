import { idPrefix } from './ids.ts';

/**
 * Ids of one run as each face spells it. A run is stored once, as `reprun_<suffix>`; Stripe's v1
 * face calls it `frr_<suffix>` and its result `file_<suffix>`, Airplane's face uses the stored id
 * as it is. The suffix never changes, so every face reads the same row and no mapping is stored.
 */
export const stripeV1Prefix = { reportRun: 'frr', file: 'file' } as const;

const suffixPattern = '[0-9a-z]{26}';
const runPattern = new RegExp(`^${idPrefix.reportRun}_(${suffixPattern})$`);

function suffixOf(runId: string): string {
  const match = runPattern.exec(runId);
  // Stored ids are always ours; anything else is a bug, not input.
  if (!match) throw new Error(`not a report run id: ${runId}`);
  return match[1]!;
}

function fromPrefixed(id: string, prefix: string): string | undefined {
  const match = new RegExp(`^${prefix}_(${suffixPattern})$`).exec(id);
  return match ? `${idPrefix.reportRun}_${match[1]}` : undefined;
}

/** `reprun_x` → `frr_x`. */
export const stripeV1RunIdOf = (runId: string): string => `${stripeV1Prefix.reportRun}_${suffixOf(runId)}`;
/** `reprun_x` → `file_x`: the file a succeeded run produced. */
export const stripeV1FileIdOf = (runId: string): string => `${stripeV1Prefix.file}_${suffixOf(runId)}`;
/** `frr_x` → `reprun_x`, or undefined when the id is not a v1 run id. */
export const runIdOfStripeV1Run = (id: string): string | undefined => fromPrefixed(id, stripeV1Prefix.reportRun);
/** `file_x` → `reprun_x`, or undefined when the id is not a v1 file id. */
export const runIdOfStripeV1File = (id: string): string | undefined => fromPrefixed(id, stripeV1Prefix.file);
