/** The views of the app, in navigation order. */
export const VIEWS = [
  { id: 'start', label: 'Start', hint: 'Quick start and overview' },
  { id: 'certificates', label: 'Certificates', hint: 'CA chains, leaves, CRLs' },
  { id: 'broker', label: 'Broker', hint: 'Local TLS broker and its log' },
  { id: 'inspector', label: 'Inspector', hint: 'Diagnose a TLS handshake' },
  { id: 'acl', label: 'ACL', hint: 'Write and simulate ACLs' },
  { id: 'client', label: 'Client', hint: 'Publish and subscribe' },
  { id: 'export', label: 'Export', hint: 'Bundle for production Mosquitto' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

function parse(hash: string): { view: ViewId; params: Record<string, string> } {
  const [path, query] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEWS.find((v) => v.id === path)?.id ?? 'start') as ViewId;
  const params: Record<string, string> = {};
  for (const pair of (query ?? '').split('&').filter(Boolean)) {
    const [key, ...value] = pair.split('=');
    params[decodeURIComponent(key)] = decodeURIComponent(value.join('=').replace(/\+/g, ' '));
  }
  return { view, params };
}

/** Hash routing: `#/inspector?target=localhost:8883` opens a view with params. */
export const route = $state(parse(location.hash));

window.addEventListener('hashchange', () => {
  const next = parse(location.hash);
  route.view = next.view;
  route.params = next.params;
});

export function navigate(view: ViewId, params: Record<string, string> = {}): void {
  const query = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  location.hash = `#/${view}${query ? '?' + query : ''}`;
}
