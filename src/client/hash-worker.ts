import type { ChecksumAlgorithm } from '../protocol.js';
import { hashRange } from './hashers.js';

// The hashing Worker's code: scripts/hash-worker.mjs bundles it, hash-wasm included, into the
// string of hash-worker-source.ts, which hash-workers.ts starts from a Blob URL, so that no bundler
// needs to know about it. One job at a time: the page hands each worker the next when it answers.

/** What the page asks: the digest of `blob`'s bytes `start` to `end` (a File's slice is not copied). */
export interface HashJob {
  id: number;
  blob: Blob;
  algorithm: ChecksumAlgorithm;
  start: number;
  end: number;
}

/** What the worker answers, by the job's id. */
export type HashAnswer = { id: number; digest: string } | { id: number; error: { name: string; message: string } };

/** The worker's global scope, in the terms used here (the DOM types the project compiles with know only pages). */
declare const self: {
  onmessage: ((event: MessageEvent<HashJob>) => void) | null;
  postMessage(answer: HashAnswer): void;
};

self.onmessage = async ({ data: { id, blob, algorithm, start, end } }: MessageEvent<HashJob>) => {
  let answer: HashAnswer;
  try {
    answer = { id, digest: await hashRange(blob, algorithm, { start, end }) };
  } catch (error) {
    // A file the user changed or removed since picking it cannot be read.
    const { name = 'Error', message = String(error) } = error instanceof Error ? error : {};
    answer = { id, error: { name, message } };
  }
  self.postMessage(answer);
};
