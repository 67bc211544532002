// The package's ready-made handler, configured by the PRESIGN_* variables in template.yaml.
export { handler } from 'upload-presigner/aws-lambda';
