// grpcWeb: gRPC-Web to gRPC; `*` allows any origin.
import { strictObject } from '../../schema/strict-object.js';
import { strList } from '../../schema/scalars.js';

export const grpcWeb = strictObject({
  allowOrigins: strList.default([]),
});
