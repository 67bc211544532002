import { UploadForm } from './upload-form';

export default function Page() {
  return (
    <main>
      <h1>Upload a file</h1>
      <UploadForm />
    </main>
  );
}
