import { pathToFileURL } from 'node:url';

/**
 * Which frames the IPC bridge answers: exactly the app's own page — the built renderer's index.html
 * (any #route), or in development the dev server's origin. Not any `file://…/renderer/index.html`
 * (another app's or a downloaded file's), not a look-alike origin (`http://localhost:51730`).
 * No electron import, so the tests check the very function the app uses.
 */
export function trustedUrlCheck(rendererIndex: string, devUrl?: string): (url: string) => boolean {
  const page = new URL(pathToFileURL(rendererIndex).href);
  const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
  return (url) => {
    let frame: URL;
    try {
      frame = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin && (frame.protocol === 'http:' || frame.protocol === 'https:'))
      return frame.origin === devOrigin;
    return (
      frame.protocol === 'file:' &&
      frame.host === page.host &&
      frame.pathname === page.pathname &&
      frame.search === ''
    );
  };
}
