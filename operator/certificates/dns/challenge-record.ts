import { createHash } from 'node:crypto';

/** What a DNS-01 provider needs to publish, and remove, one challenge's TXT record. */
export interface DnsChallengeRecord {
  /** The identifier being validated, without `*.` for a wildcard. */
  domain: string;
  /** `_acme-challenge.<domain>.` */
  fqdn: string;
  /** The TXT content: base64url(sha256(keyAuthorization)), unpadded. */
  value: string;
  token: string;
  /**
   * `<token>.<account key thumbprint>`. Not what acme-client's `getChallengeKeyAuthorization` answers
   * for dns-01: that is already the TXT value.
   */
  keyAuthorization: string;
}

/** lego's `dns01.GetChallengeInfo` without CNAME following: the record name is always `_acme-challenge.<domain>.` */
export function dnsChallengeRecord(domain: string, token: string, keyAuthorization: string): DnsChallengeRecord {
  const bare = domain.startsWith('*.') ? domain.slice(2) : domain;
  return {
    domain: bare,
    fqdn: `_acme-challenge.${bare.replace(/\.$/, '')}.`,
    value: createHash('sha256').update(keyAuthorization).digest('base64url'),
    token,
    keyAuthorization,
  };
}
