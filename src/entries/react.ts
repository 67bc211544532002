export * from '../react/index.js';
