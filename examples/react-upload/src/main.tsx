import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ImageUpload } from './ImageUpload';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main>
      <h1>Upload images</h1>
      <ImageUpload endpoint="/api/presign" viewUrl={(key) => `/api/view?key=${encodeURIComponent(key)}`} />
    </main>
  </StrictMode>,
);
