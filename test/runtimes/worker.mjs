// workerd: the conformance app as a Worker module, configured by its text bindings; bundled by
// esbuild for the workerd, worker and browser conditions, as wrangler bundles a Worker.
import { conformanceApp } from './app.mjs';

let app;
export default {
  fetch(request, env) {
    app ??= conformanceApp(env);
    return app(request);
  },
};
