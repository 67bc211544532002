export * from '../doctor/index.js';
