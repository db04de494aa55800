export type Theme = 'light' | 'dark';

const KEY = 'mts-theme';

function initial(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const theme = $state({ current: initial() });

export function applyTheme(next: Theme): void {
  theme.current = next;
  document.documentElement.dataset.theme = next;
  localStorage.setItem(KEY, next);
}

applyTheme(theme.current);
