import { useEffect, useRef, useState, type DragEvent } from 'react';
import { isUploadError, uploadFile } from 'upload-presigner/client';

interface ImageUploadProps {
  /** Your presign endpoint (upload-presigner's handler). */
  endpoint: string;
  /** Where the browser can see an uploaded object, e.g. your route that redirects to a presigned GET. */
  viewUrl: (key: string) => string;
}

type State =
  | { status: 'idle' }
  | { status: 'uploading'; name: string; percent: number }
  | { status: 'done'; name: string; key: string }
  | { status: 'error'; message: string };

export function ImageUpload({ endpoint, viewUrl }: ImageUploadProps) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const [dragging, setDragging] = useState(false);
  const inFlight = useRef<AbortController | null>(null);

  // Leaving the page (or unmounting) cancels the upload instead of letting it finish unseen.
  useEffect(() => () => inFlight.current?.abort(), []);

  async function upload(file: File) {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setState({ status: 'uploading', name: file.name, percent: 0 });
    try {
      const { key } = await uploadFile(file, {
        endpoint,
        signal: controller.signal,
        onProgress: ({ percent }) => setState({ status: 'uploading', name: file.name, percent }),
      });
      setState({ status: 'done', name: file.name, key });
    } catch (error) {
      if (controller.signal.aborted) return;
      // For the developer: when the browser hides the storage's answer, the hint lists the likely causes.
      if (isUploadError(error) && error.hint) console.warn(error.message);
      setState({ status: 'error', message: describe(error) });
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void upload(file);
  }

  return (
    <section className="upload">
      <label
        className={dragging ? 'drop dragging' : 'drop'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <input
          type="file"
          accept="image/*"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void upload(file);
            event.target.value = '';
          }}
        />
        <span>Drop an image here, or click to choose one.</span>
      </label>

      {(state.status === 'uploading' || state.status === 'done') && (
        <ProgressBar name={state.name} percent={state.status === 'done' ? 100 : state.percent} />
      )}
      {state.status === 'done' && (
        <figure>
          <p role="status" className="ok">
            Uploaded {state.name}
          </p>
          <img src={viewUrl(state.key)} alt={state.name} />
          <figcaption>{state.key}</figcaption>
        </figure>
      )}
      {state.status === 'error' && (
        <p role="alert" className="error">
          {state.message}
        </p>
      )}
    </section>
  );
}

function ProgressBar({ name, percent }: { name: string; percent: number }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={`Uploading ${name}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="bar" style={{ width: `${percent}%` }} />
      <span>{percent}%</span>
    </div>
  );
}

/** The sentence a person can act on: the server's own reason when it refused the file. */
function describe(error: unknown): string {
  if (!isUploadError(error)) return 'The upload failed. Please try again.';
  if (error.code === 'TYPE_NOT_ALLOWED') return `This file type is not accepted. ${error.detail ?? ''}`.trim();
  if (error.code === 'TOO_LARGE') return `This file is too large. ${error.detail ?? ''}`.trim();
  if (error.stage === 'upload' && error.status === 0) return 'The storage refused the upload. Please try again later.';
  return error.detail ?? error.message;
}
