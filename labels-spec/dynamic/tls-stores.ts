// tls.certificates[] and tls.stores.<name>: certFile/keyFile are paths or inline PEM.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { nonEmptyStr, str, strList } from '../schema/scalars.js';
import { tlsDomain } from './router-tls.js';

const keyPair = { certFile: nonEmptyStr, keyFile: nonEmptyStr };

export const tlsCertificateSchema = strictObject({
  ...keyPair,
  // Empty means the `default` store.
  stores: strList.default([]),
});

export const tlsStoreSchema = strictObject({
  defaultCertificate: strictObject(keyPair).optional(),
  defaultGeneratedCert: strictObject({
    resolver: str,
    domain: tlsDomain.optional(),
  }).optional(),
});

export type TlsCertificate = z.output<typeof tlsCertificateSchema>;
export type TlsStore = z.output<typeof tlsStoreSchema>;
