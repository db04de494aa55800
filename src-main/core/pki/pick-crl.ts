import type { ParsedCrl } from './crl.js';

/**
 * OpenSSL's get_crl_sk: of the CRLs from the right issuer, one valid at `at` wins over one that is not;
 * between equals, the most recent thisUpdate. Used by verify and by the broker's revocation check, so
 * both pick the CRL OpenSSL (and so Mosquitto) would.
 */
export function pickCrl(candidates: readonly ParsedCrl[], at: Date): ParsedCrl | undefined {
  const current = (c: ParsedCrl) => c.thisUpdate <= at && (!c.nextUpdate || c.nextUpdate >= at);
  let best: ParsedCrl | undefined;
  for (const crl of candidates) {
    if (
      !best ||
      (current(crl) && !current(best)) ||
      (current(crl) === current(best) && crl.thisUpdate > best.thisUpdate)
    )
      best = crl;
  }
  return best;
}
