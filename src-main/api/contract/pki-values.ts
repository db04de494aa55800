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
