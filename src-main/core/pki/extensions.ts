/** X.509 v3 extensions: decoders for what we explain (the encoders are in extension-encoding.ts). */
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  GeneralName,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { DecodeError, asn1Value, bufferOf, decodeAs } from './asn1-decode.js';
import { decodeName } from './distinguished-name.js';
import { KEY_USAGE_BITS, OID, type KeyUsageName } from './oids.js';

export interface DecodedExtensions {
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { usages: KeyUsageName[]; critical: boolean };
  extKeyUsage?: { oids: string[]; critical: boolean };
  subjectAltName?: { entries: string[]; dns: string[]; ips: string[]; critical: boolean };
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  crlDistributionPoints?: string[];
  authorityInfoAccess?: string[];
  crlNumber?: bigint;
  /** Extensions we do not understand, by OID. */
  unknownCritical?: string[];
}

/** Render one GeneralName as `kind:value`. */
export function describeGeneralName(name: GeneralName): string {
  if (name.rfc822Name !== undefined) return 'email:' + name.rfc822Name;
  if (name.dNSName !== undefined) return 'dns:' + name.dNSName;
  if (name.uniformResourceIdentifier !== undefined) return 'uri:' + name.uniformResourceIdentifier;
  if (name.iPAddress !== undefined) return 'ip:' + name.iPAddress;
  if (name.directoryName !== undefined) {
    // asn1-x509 decodes the Name's strings; re-encoded, it prints as the file has it for any valid name.
    return 'dirname:' + decodeName(Buffer.from(AsnConvert.serialize(name.directoryName))).rfc2253;
  }
  if (name.otherName !== undefined) return 'othername:' + name.otherName.typeId;
  if (name.registeredID !== undefined) return 'rid:' + name.registeredID;
  if (name.x400Address !== undefined) return 'unknown:[3]';
  return 'unknown:[5]';
}

const ACCESS_METHODS: Record<string, string> = {
  '1.3.6.1.5.5.7.48.1': 'OCSP',
  '1.3.6.1.5.5.7.48.2': 'CA Issuers',
};

/** Decode one extension value into `out` (unknown ones are remembered when critical). */
export function decodeExtension(
  extOid: string,
  value: Buffer,
  critical: boolean,
  out: DecodedExtensions,
): void {
  const name = EXTENSION_PART[extOid] ?? `extension ${extOid}`;
  switch (extOid) {
    case OID.basicConstraints: {
      const bc = decodeAs(value, BasicConstraints, name);
      const pathLen = bc.pathLenConstraint;
      out.basicConstraints = { ca: bc.cA, critical, ...(pathLen !== undefined ? { pathLen } : {}) };
      return;
    }
    case OID.keyUsage: {
      const bits = decodeAs(value, KeyUsage, name);
      const bytes = bufferOf(bits.value);
      const usages = KEY_USAGE_BITS.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
      out.keyUsage = { usages: [...usages], critical };
      return;
    }
    case OID.extKeyUsage:
      out.extKeyUsage = { oids: [...decodeAs(value, ExtendedKeyUsage, name)], critical };
      return;
    case OID.subjectAltName: {
      const entries = decodeAs(value, SubjectAlternativeName, name).map(describeGeneralName);
      out.subjectAltName = {
        entries,
        dns: entries.filter((e) => e.startsWith('dns:')).map((e) => e.slice(4)),
        ips: entries.filter((e) => e.startsWith('ip:')).map((e) => e.slice(3)),
        critical,
      };
      return;
    }
    case OID.subjectKeyIdentifier:
      out.subjectKeyId = bufferOf(decodeAs(value, SubjectKeyIdentifier, name).buffer);
      return;
    case OID.authorityKeyIdentifier: {
      const keyId = decodeAs(value, AuthorityKeyIdentifier, name).keyIdentifier;
      if (keyId) out.authorityKeyId = bufferOf(keyId.buffer);
      return;
    }
    case OID.crlDistributionPoints: {
      const uris: string[] = [];
      for (const point of decodeAs(value, CRLDistributionPoints, name)) {
        for (const gn of point.distributionPoint?.fullName ?? []) uris.push(describeGeneralName(gn));
      }
      out.crlDistributionPoints = uris;
      return;
    }
    case OID.authorityInfoAccess:
      out.authorityInfoAccess = decodeAs(value, AuthorityInfoAccessSyntax, name).map(
        (access) =>
          `${ACCESS_METHODS[access.accessMethod] ?? access.accessMethod} - ${describeGeneralName(access.accessLocation)}`,
      );
      return;
    case OID.crlNumber: {
      const number = asn1Value(value, name);
      if (!(number instanceof asn1js.Integer)) throw new DecodeError(`${name}: not an INTEGER`);
      out.crlNumber = BigInt('0x' + (Buffer.from(number.valueBlock.valueHexView).toString('hex') || '0'));
      return;
    }
    default:
      if (critical) (out.unknownCritical ??= []).push(extOid);
  }
}

/** Extension names as messages say them. */
const EXTENSION_PART: Record<string, string> = {
  [OID.basicConstraints]: 'basicConstraints',
  [OID.keyUsage]: 'keyUsage',
  [OID.extKeyUsage]: 'extKeyUsage',
  [OID.subjectAltName]: 'subjectAltName',
  [OID.subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [OID.authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [OID.crlDistributionPoints]: 'crlDistributionPoints',
  [OID.authorityInfoAccess]: 'authorityInfoAccess',
  [OID.crlNumber]: 'cRLNumber',
};
