import { useCallback, useEffect, useRef, useState } from 'react';
import type { UploadProgress } from '../client/send-with-progress.js';
import { uploadFiles, type FileUpload, type FileUploads, type UploadFilesOptions } from '../client/upload-files.js';

/** What {@link useUploads} returns: the state of every file, and what can be done with them. */
export interface UseUploads {
  /** Every file added since the last `reset`, in order, each with `status`, `progress`, `key` and `error`. */
  files: readonly FileUpload[];
  /** Over the files still wanted (neither cancelled nor failed): 100 once all are done. */
  progress: UploadProgress;
  /** Whether a file is queued or uploading. */
  busy: boolean;
  /** Queues files (a `FileList` from an input or a drop will do); resolves with them once each has ended. */
  upload(files: Iterable<Blob> | ArrayLike<Blob>): Promise<FileUpload[]>;
  /** Cancels one file (by `id`) or all: the requests stop and a multipart upload is aborted in the storage. */
  cancel(id?: number): void;
  /** Queues again one file that failed or was cancelled (by `id`), or every file that failed. */
  retry(id?: number): void;
  /** Cancels everything and forgets every file; the next `upload` reads the options anew. */
  reset(): void;
}

const IDLE: UploadProgress = { loaded: 0, total: 0, percent: 0 };

/**
 * Holds the state of many uploads for a component: `uploadFiles` underneath, so files share one
 * connection budget and small ones are presigned together. Renders nothing: the UI is yours.
 * Unmounting cancels every upload, so none keeps running unseen, and none is left open in the storage.
 *
 * @example
 * ```tsx
 * import { useUploads } from 'upload-presigner/react';
 *
 * function Uploader() {
 *   const { files, upload, cancel, retry } = useUploads({ endpoint: '/api/presign' });
 *   return (
 *     <>
 *       <input type="file" multiple onChange={(event) => void upload(event.target.files ?? [])} />
 *       {files.map((file) => (
 *         <p key={file.id}>
 *           {file.name}: {file.status} {file.progress.percent}%
 *           {file.status === 'uploading' && <button onClick={() => cancel(file.id)}>Cancel</button>}
 *           {file.status === 'error' && <button onClick={() => retry(file.id)}>Retry</button>}
 *         </p>
 *       ))}
 *     </>
 *   );
 * }
 * ```
 */
export function useUploads(options: UploadFilesOptions): UseUploads {
  const latestOptions = useRef(options);
  latestOptions.current = options;
  const queue = useRef<FileUploads | null>(null);
  /** The `upload` calls still waiting for their files, each told of every change. */
  const waiting = useRef(new Set<(files: readonly FileUpload[]) => void>());
  const [files, setFiles] = useState<readonly FileUpload[]>([]);
  const [progress, setProgress] = useState<UploadProgress>(IDLE);

  const reset = useCallback(() => {
    queue.current?.cancel();
    queue.current = null;
    setFiles([]);
    setProgress(IDLE);
  }, []);
  // Unmounting cancels (React's StrictMode unmounts once in development too: the queue is made anew on use).
  useEffect(
    () => () => {
      queue.current?.cancel();
      queue.current = null;
    },
    [],
  );

  const upload = useCallback(async (blobs: Iterable<Blob> | ArrayLike<Blob>) => {
    if (!queue.current) {
      const { onChange, onProgress } = latestOptions.current;
      const created: FileUploads = uploadFiles([], {
        ...latestOptions.current,
        onChange: (changed) => {
          // A queue that was reset or unmounted no longer speaks for this component.
          if (queue.current !== created) return;
          setFiles(changed);
          setProgress(created.progress);
          for (const check of waiting.current) check(changed);
          onChange?.(changed);
        },
        onProgress: (changed) => {
          if (queue.current === created) onProgress?.(changed);
        },
      });
      queue.current = created;
    }
    const current = queue.current;
    const ids = current.add(Array.from(blobs as ArrayLike<Blob>)).map((file) => file.id);
    // Its own files only: another pick's large file may go on long after these have ended.
    return new Promise<FileUpload[]>((resolve) => {
      const check = (files: readonly FileUpload[]) => {
        const own = ids.map((id) => files[id]!);
        if (own.some((file) => file.status === 'queued' || file.status === 'uploading')) return;
        waiting.current.delete(check);
        resolve(own);
      };
      waiting.current.add(check);
      check(current.files);
    });
  }, []);
  const cancel = useCallback((id?: number) => queue.current?.cancel(id), []);
  const retry = useCallback((id?: number) => queue.current?.retry(id), []);

  const busy = files.some((file) => file.status === 'queued' || file.status === 'uploading');
  return { files, progress, busy, upload, cancel, retry, reset };
}

/** What {@link useUpload} returns: one upload at a time. */
export interface UseUpload {
  /** The current (or last) file, with `status`, `progress`, `key` and `error`; `undefined` before the first. */
  file: FileUpload | undefined;
  /** Starts uploading `file`, cancelling one still running; resolves with it once it has ended. */
  upload(file: Blob): Promise<FileUpload>;
  /** Cancels the upload: its requests stop and a multipart upload is aborted in the storage. */
  cancel(): void;
  /** Uploads the same file again after it failed or was cancelled. */
  retry(): void;
  /** Cancels and forgets the file. */
  reset(): void;
}

/**
 * Holds the state of one upload at a time: `useUploads` for a single file, where a new `upload`
 * replaces the one before (cancelling it when still running).
 *
 * @example
 * ```tsx
 * import { useUpload } from 'upload-presigner/react';
 *
 * function Avatar() {
 *   const { file, upload } = useUpload({ endpoint: '/api/presign' });
 *   return (
 *     <>
 *       <input type="file" accept="image/*" onChange={(event) => event.target.files?.[0] && upload(event.target.files[0])} />
 *       {file?.status === 'uploading' && <progress max={100} value={file.progress.percent} />}
 *       {file?.status === 'error' && <p role="alert">{String(file.error)}</p>}
 *     </>
 *   );
 * }
 * ```
 */
export function useUpload(options: UploadFilesOptions): UseUpload {
  const { files, upload: uploadMany, cancel: cancelOne, retry: retryOne, reset } = useUploads(options);
  const file = files.at(-1);
  const latest = useRef(file);
  latest.current = file;

  const upload = useCallback(
    async (blob: Blob) => {
      if (latest.current) cancelOne(latest.current.id);
      const [settled] = await uploadMany([blob]);
      return settled!;
    },
    [cancelOne, uploadMany],
  );
  const cancel = useCallback(() => latest.current && cancelOne(latest.current.id), [cancelOne]);
  const retry = useCallback(() => latest.current && retryOne(latest.current.id), [retryOne]);
  return { file, upload, cancel, retry, reset };
}
