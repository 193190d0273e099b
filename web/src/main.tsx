import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { selectView } from './views/select-view';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App view={selectView(window.location.search)} />
  </StrictMode>,
);
