import { useState, type DragEvent } from 'react';
import { isUploadError, type FileUpload } from 'upload-presigner/client';
import { useUploads } from 'upload-presigner/react';

interface ImageUploadProps {
  /** Your presign endpoint (upload-presigner's handler). */
  endpoint: string;
  /** Where the browser can see an uploaded object, e.g. your route that redirects to a presigned GET. */
  viewUrl: (key: string) => string;
}

export function ImageUpload({ endpoint, viewUrl }: ImageUploadProps) {
  // The hook holds each file's state; leaving the page (unmounting) cancels what is still running.
  const { files, upload, cancel, retry } = useUploads({ endpoint });
  const [dragging, setDragging] = useState(false);
  const send = (picked: FileList) => void upload(picked).then(warnHints);

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    send(event.dataTransfer.files);
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
          multiple
          onChange={(event) => {
            if (event.target.files) send(event.target.files);
            event.target.value = '';
          }}
        />
        <span>Drop images here, or click to choose them.</span>
      </label>

      <ul className="files">
        {files.map((file) => (
          <FileRow
            key={file.id}
            file={file}
            viewUrl={viewUrl}
            onCancel={() => cancel(file.id)}
            onRetry={() => retry(file.id)}
          />
        ))}
      </ul>
    </section>
  );
}

interface FileRowProps {
  file: FileUpload;
  viewUrl: (key: string) => string;
  onCancel: () => void;
  onRetry: () => void;
}

function FileRow({ file, viewUrl, onCancel, onRetry }: FileRowProps) {
  const running = file.status === 'queued' || file.status === 'uploading';
  return (
    <li className={`file ${file.status}`} data-name={file.name}>
      {(running || file.status === 'done') && (
        <ProgressBar name={file.name} percent={file.status === 'done' ? 100 : file.progress.percent} />
      )}
      {running && <button onClick={onCancel}>Cancel</button>}
      {file.status === 'done' && (
        <figure>
          <p role="status" className="ok">
            Uploaded {file.name}
          </p>
          <img src={viewUrl(file.key!)} alt={file.name} />
          <figcaption>{file.key}</figcaption>
        </figure>
      )}
      {file.status === 'error' && (
        <p role="alert" className="error">
          {describe(file.error)}
        </p>
      )}
      {file.status === 'cancelled' && <p className="cancelled">Cancelled {file.name}</p>}
      {(file.status === 'error' || file.status === 'cancelled') && <button onClick={onRetry}>Retry</button>}
    </li>
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

/** For the developer: when the browser hides the storage's answer, the hint lists the likely causes. */
function warnHints(files: FileUpload[]): void {
  for (const { error } of files) if (isUploadError(error) && error.hint) console.warn(error.message);
}
