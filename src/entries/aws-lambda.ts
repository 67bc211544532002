export * from '../adapters/aws-lambda/index.js';
