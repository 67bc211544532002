import type { NextConfig } from 'next';

const config: NextConfig = {
  // The presign route needs only `next start`'s server; `output: 'standalone'` also works for containers.
  poweredByHeader: false,
};

export default config;
