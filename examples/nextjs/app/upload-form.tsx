'use client';

import { useState, type FormEvent } from 'react';
import { isUploadError, uploadFile } from 'upload-presigner/client';

export function UploadForm() {
  const [status, setStatus] = useState('');

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!(file instanceof File)) return;
    try {
      // Asks app/api/presign for a URL, then sends the bytes straight to S3: none pass through Next.js.
      const { key } = await uploadFile(file, {
        endpoint: '/api/presign',
        onProgress: ({ percent }) => setStatus(`Uploading… ${Math.round(percent)} %`),
      });
      setStatus(`Uploaded as ${key}`);
    } catch (error) {
      // An UploadError says which step failed and, when the browser hides the storage's answer, why.
      const hint = isUploadError(error) && error.hint ? ` (${error.hint})` : '';
      setStatus(`Upload failed: ${error instanceof Error ? error.message : String(error)}${hint}`);
    }
  }

  return (
    <form onSubmit={onSubmit}>
      <input type="file" name="file" required />
      <button>Upload</button>
      <output role="status" style={{ display: 'block', marginTop: '1rem', overflowWrap: 'anywhere' }}>
        {status}
      </output>
    </form>
  );
}
