import type { ReactNode } from 'react';

export const metadata = { title: 'Upload a file' };

// No next/font: Google fonts would make `next build` download them, and the build must work offline.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body
        style={{ font: '16px/1.5 system-ui, sans-serif', maxWidth: '36rem', margin: '3rem auto', padding: '0 1rem' }}
      >
        {children}
      </body>
    </html>
  );
}
