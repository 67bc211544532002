import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/client/limiter.js';
import { STEP_MS } from '../helpers/bounds.js';

/** A task the test finishes by hand, recording how many ran at once. */
function gate() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { done, finish, fail };
}

describe('createLimiter', () => {
  it('never runs more than the limit, and starts waiting tasks first come, first served', async () => {
    // Prepare
    const limiter = createLimiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let peak = 0;
    // Act
    const runs = gates.map((task, index) =>
      limiter.run(async () => {
        started.push(index);
        peak = Math.max(peak, limiter.running);
        await task.done;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.waiting).toBe(3);
    gates[1]!.finish();
    await expect.poll(() => started, { timeout: STEP_MS }).toEqual([0, 1, 2]);
    gates[0]!.finish();
    await expect.poll(() => started, { timeout: STEP_MS }).toEqual([0, 1, 2, 3]);
    for (const task of gates) task.finish();
    // Assess
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limiter.running).toBe(0);
  });

  it('gives the turn back when a task fails or throws before returning a promise', async () => {
    // Prepare
    const limiter = createLimiter(1);
    // Act
    const rejected = limiter.run(() => Promise.reject(new Error('storage said no')));
    const thrown = limiter.run(() => {
      throw new Error('sync');
    });
    const after = limiter.run(async () => 'ran');
    // Assess
    await expect(rejected).rejects.toThrow('storage said no');
    await expect(thrown).rejects.toThrow('sync');
    expect(await after).toBe('ran');
    expect(limiter.running).toBe(0);
  });

  it('takes an aborted waiter out of the queue without ever starting it', async () => {
    // Prepare
    const limiter = createLimiter(1);
    const first = gate();
    const controller = new AbortController();
    let startedAborted = false;
    const running = limiter.run(() => first.done);
    const waiting = limiter.run(async () => {
      startedAborted = true;
    }, controller.signal);
    const next = limiter.run(async () => 'next');
    // Act
    controller.abort(new Error('cancelled'));
    // Assess
    await expect(waiting).rejects.toThrow('cancelled');
    expect(limiter.waiting).toBe(1);
    first.finish();
    await running;
    expect(await next).toBe('next');
    expect(startedAborted).toBe(false);
    await expect(limiter.run(async () => 1, controller.signal)).rejects.toThrow('cancelled');
  });
});
