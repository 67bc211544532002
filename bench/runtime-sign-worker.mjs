// Section 6 under workerd: the measurement as a Worker, options in the query, the result as JSON.
import { clockStepUs, measure } from './runtime-sign.mjs';

export default {
  async fetch(request) {
    const options = new URL(request.url).searchParams.get('options');
    // The start-up probe asks without options: answer it without measuring.
    if (!options) return new Response(null, { status: 204 });
    return Response.json({ ...(await measure(JSON.parse(options))), clockStepUs: clockStepUs() });
  },
};
