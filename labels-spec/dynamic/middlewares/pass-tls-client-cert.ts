// passTLSClientCert: forwards the client certificate (PEM) and/or selected fields.
import { strictObject } from '../../schema/strict-object.js';
import { bool } from '../../schema/scalars.js';

const subject = strictObject({
  country: bool.default(false),
  province: bool.default(false),
  locality: bool.default(false),
  organization: bool.default(false),
  organizationalUnit: bool.default(false),
  commonName: bool.default(false),
  serialNumber: bool.default(false),
  domainComponent: bool.default(false),
});

const issuer = strictObject({
  country: bool.default(false),
  province: bool.default(false),
  locality: bool.default(false),
  organization: bool.default(false),
  commonName: bool.default(false),
  serialNumber: bool.default(false),
  domainComponent: bool.default(false),
});

export const passTLSClientCert = strictObject({
  pem: bool.default(false),
  info: strictObject({
    notAfter: bool.default(false),
    notBefore: bool.default(false),
    sans: bool.default(false),
    serialNumber: bool.default(false),
    subject: subject.optional(),
    issuer: issuer.optional(),
  }).optional(),
});
