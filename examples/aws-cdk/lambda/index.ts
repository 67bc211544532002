// The package's ready-made handler, configured by the PRESIGN_* variables the stack sets.
export { handler } from 'upload-presigner/aws-lambda';
