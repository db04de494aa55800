// The workshop's key types and revocation reasons: plain values (no zod), so the command line can list
// them in its help without loading the api's schemas.
export const KEY_TYPE_VALUES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'] as const;
export const REVOCATION_REASON_VALUES = [
  'unspecified',
  'keyCompromise',
  'caCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aaCompromise',
] as const;

/** How a key type is named to people (the views, the CLI's listings). */
export const KEY_TYPE_LABELS: Record<(typeof KEY_TYPE_VALUES)[number], string> = {
  'ec-p256': 'EC P-256',
  'ec-p384': 'EC P-384',
  'rsa-2048': 'RSA 2048',
  'rsa-3072': 'RSA 3072',
  'rsa-4096': 'RSA 4096',
  ed25519: 'Ed25519',
};
