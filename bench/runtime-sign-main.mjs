// Section 6 under Node, Bun and Deno: measures and prints one RESULT line.
import { clockStepUs, measure } from './runtime-sign.mjs';

const options = JSON.parse(process.env.BENCH_RUNTIME_OPTIONS);
console.log(`RESULT ${JSON.stringify({ ...(await measure(options)), clockStepUs: clockStepUs() })}`);
