import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { selectView } from './views/select-view';
import './styles.css';

const remembered = (loginId: string) => `bankgate.login_state.${loginId}`;
const view = selectView(window.location.search, window.location.hash, (loginId) =>
  sessionStorage.getItem(remembered(loginId)),
);
if (view.name === 'consent') {
  // Kept for this tab only (a reload still works), and taken out of the address bar and history at once.
  sessionStorage.setItem(remembered(view.loginId), view.loginState);
  if (window.location.hash) history.replaceState(history.state, '', window.location.pathname + window.location.search);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App view={view} />
  </StrictMode>,
);
