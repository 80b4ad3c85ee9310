// The operator's token (the Gateway's ADMIN_TOKEN) as this tab keeps it: taken once from the
// link `roomgate up` prints (/dashboard#token=...) or from the form, then kept in sessionStorage,
// so it lives as long as the tab and is never sent anywhere but in WatchCluster's header.

const KEY = "roomgate-admin-token";

/** Moves a token from the address's fragment into the tab's storage and out of the address bar. */
export function takeTokenFromLink() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  let token = m[1]!;
  try {
    token = decodeURIComponent(token);
  } catch {
    // Not percent-encoded after all: use it as written.
  }
  if (token) sessionStorage.setItem(KEY, token);
  // Out of the address bar, so it is not copied along with the link or kept in the history.
  history.replaceState(null, "", location.pathname + location.search);
}

export const storedToken = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;
export const storeToken = (token: string) => sessionStorage.setItem(KEY, token);
export const forgetToken = () => sessionStorage.removeItem(KEY);
