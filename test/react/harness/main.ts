// A page that renders useUploads' state as plain DOM for test/react/use-uploads.browser.test.ts:
// each file an <li> with its status, percent, key and error in data attributes, and buttons.
// createElement rather than JSX, so that the repository's type check needs no JSX settings.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { isUploadError } from 'upload-presigner/client';
import { useUpload, useUploads, type FileUpload } from 'upload-presigner/react';

const query = new URLSearchParams(location.search);
const threshold = Number(query.get('multipartThreshold') ?? Infinity);

function Row(file: FileUpload, ...buttons: ReturnType<typeof h>[]) {
  return h(
    'li',
    {
      key: file.id,
      'data-name': file.name,
      'data-status': file.status,
      'data-percent': file.progress.percent,
      'data-key': file.key ?? '',
      'data-code': isUploadError(file.error) ? (file.error.code ?? '') : '',
      'data-hint': isUploadError(file.error) ? (file.error.hint ?? '') : '',
    },
    file.name,
    ...buttons,
  );
}

/** useUpload: one file at a time, a new pick replacing the one before. */
function SingleUpload() {
  const { file, upload, cancel, retry } = useUpload({ endpoint: '/api/presign', retries: 0 });
  return h(
    'section',
    null,
    h('input', {
      type: 'file',
      onChange: (event: { target: HTMLInputElement }) => {
        const picked = event.target.files?.[0];
        if (picked) void upload(picked);
      },
    }),
    h(
      'ul',
      null,
      file &&
        Row(
          file,
          h('button', { className: 'cancel', onClick: cancel }, 'Cancel'),
          h('button', { className: 'retry', onClick: retry }, 'Retry'),
        ),
    ),
  );
}

function Uploads() {
  const { files, progress, busy, upload, cancel, retry, reset } = useUploads({
    endpoint: '/api/presign',
    concurrency: 2,
    retries: 0,
    multipartThreshold: threshold,
  });
  return h(
    'section',
    null,
    h('input', {
      type: 'file',
      multiple: true,
      // What each upload() resolved with, in the order they resolved, for the test to read.
      onChange: (event: { target: HTMLInputElement }) =>
        void upload(event.target.files ?? []).then((ended) => {
          const resolved = ((window as any).resolved ??= []) as string[];
          resolved.push(...ended.map((file) => `${file.name}:${file.status}`));
        }),
    }),
    h('p', { id: 'total', 'data-percent': progress.percent, 'data-busy': String(busy) }),
    h('button', { id: 'retry-all', onClick: () => retry() }, 'Retry failed'),
    h('button', { id: 'reset', onClick: reset }, 'Start again'),
    h(
      'ul',
      null,
      files.map((file) =>
        Row(
          file,
          h('button', { className: 'cancel', onClick: () => cancel(file.id) }, 'Cancel'),
          h('button', { className: 'retry', onClick: () => retry(file.id) }, 'Retry'),
        ),
      ),
    ),
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  return h(
    'main',
    null,
    h('button', { id: 'unmount', onClick: () => setMounted(false) }, 'Leave'),
    mounted ? h(query.has('single') ? SingleUpload : Uploads) : h('p', { id: 'gone' }, 'Left'),
  );
}

createRoot(document.getElementById('root')!).render(h(App));
