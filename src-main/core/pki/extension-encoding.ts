/**
 * The X.509 v3 extensions the workshop writes, as @peculiar/asn1-x509 objects. Extensions that are the
 * same for every leaf of a batch (basic constraints, key usage, EKU, the issuer's AKI) are serialised
 * once and reused verbatim.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { formatIp, ipBytes } from './ip-address.js';
import type { KeyUsageName } from './oids.js';
import { sanEntry } from './subject-alt-names.js';
import { arrayBufferOf, verbatimAs, withFields } from './verbatim-der.js';

/** One Extension; `value` is the asn1-x509 object of its extnValue. */
export function extension(extnID: string, critical: boolean, value: object): Extension {
  return withFields(Extension, { extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

const constant = new Map<string, Extension>();

/** An extension built once per distinct input and then reused as its DER (bounded cache). */
function cached(key: string, make: () => Extension): Extension {
  let found = constant.get(key);
  if (!found) {
    if (constant.size >= 256) constant.clear();
    found = verbatimAs(Extension, new Uint8Array(AsnConvert.serialize(make())));
    constant.set(key, found);
  }
  return found;
}

export function basicConstraintsExtension(ca: boolean, pathLen?: number): Extension {
  return cached(`bc ${ca} ${pathLen}`, () =>
    extension(
      id_ce_basicConstraints,
      true,
      new BasicConstraints({
        cA: ca,
        ...(ca && pathLen !== undefined ? { pathLenConstraint: pathLen } : {}),
      }),
    ),
  );
}

export function keyUsageExtension(usages: KeyUsageName[]): Extension {
  return cached(`ku ${usages.join(',')}`, () => {
    const flags = usages.reduce((all, usage) => all | KeyUsageFlags[usage], 0);
    return extension(id_ce_keyUsage, true, new KeyUsage(flags));
  });
}

export function extKeyUsageExtension(oids: string[]): Extension {
  return cached(`eku ${oids.join(',')}`, () =>
    extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(oids)),
  );
}

export function authorityKeyIdExtension(keyId: Uint8Array): Extension {
  return cached(`aki ${Buffer.from(keyId).toString('hex')}`, () => authorityKeyIdUncached(keyId));
}

function authorityKeyIdUncached(keyId: Uint8Array): Extension {
  const value = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(arrayBufferOf(keyId)) });
  return extension(id_ce_authorityKeyIdentifier, false, value);
}

export function subjectKeyIdExtension(keyId: Uint8Array): Extension {
  return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(arrayBufferOf(keyId)));
}

/** `dns:host` / `ip:addr` / `email:x` / `uri:x` as a GeneralName; throws a message string. */
export function generalName(entry: string): GeneralName {
  const { kind, value } = sanEntry(entry);
  switch (kind) {
    case 'dns':
      return new GeneralName({ dNSName: value });
    case 'ip':
      return new GeneralName({ iPAddress: formatIp(ipBytes(value)) });
    case 'email':
      return new GeneralName({ rfc822Name: value });
    case 'uri':
      return new GeneralName({ uniformResourceIdentifier: value });
  }
}

export function subjectAltNameExtension(entries: string[]): Extension {
  return extension(id_ce_subjectAltName, false, new SubjectAlternativeName(entries.map(generalName)));
}
