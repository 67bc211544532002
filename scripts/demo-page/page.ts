import { isUploadError, uploadFile } from '../../src/client/index.js';

const input = document.querySelector<HTMLInputElement>('#file')!;
const drop = document.querySelector<HTMLLabelElement>('#drop')!;
const progress = document.querySelector<HTMLProgressElement>('#progress')!;
const message = document.querySelector<HTMLDivElement>('#message')!;
const preview = document.querySelector<HTMLImageElement>('#preview')!;

function show(state: 'uploading' | 'done' | 'error', text: string): void {
  message.dataset.state = state;
  message.textContent = text;
}

async function upload(file: File): Promise<void> {
  progress.value = 0;
  preview.hidden = true;
  show('uploading', `Uploading ${file.name}…`);
  try {
    const { key } = await uploadFile(file, {
      endpoint: '/api/presign',
      onProgress: ({ percent }) => (progress.value = percent),
    });
    show('done', `Uploaded as ${key}`);
    preview.src = `/api/view?key=${encodeURIComponent(key)}`;
    preview.alt = file.name;
    preview.hidden = false;
  } catch (error) {
    // The server's own sentence ("Uploads of type text/plain are not allowed.") is the one a person understands.
    show('error', isUploadError(error) ? (error.detail ?? error.message) : String(error));
  }
}

input.addEventListener('change', () => {
  if (input.files?.[0]) void upload(input.files[0]);
});
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void upload(file);
});
