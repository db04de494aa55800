/** The status bar's latest notice (errors from any view, events from main). */
export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  at: number;
}

export const notices = $state<{ last: Notice | null }>({ last: null });

export function notify(level: Notice['level'], message: string): void {
  notices.last = { level, message, at: Date.now() };
}
