// The room lives in the URL (?room=<id>), so the address bar is the share link.

export function roomFromUrl(href = location.href): string | undefined {
  const id = new URL(href).searchParams.get("room")?.trim();
  return id || undefined;
}

export function shareLink(roomId: string, href = location.href): string {
  const url = new URL(href);
  url.search = "";
  url.hash = "";
  url.searchParams.set("room", roomId);
  return url.toString();
}

/** Puts the room in the address bar without a reload (or takes it out). */
export function showRoomInUrl(roomId: string | undefined) {
  const url = roomId
    ? shareLink(roomId)
    : (() => {
        const u = new URL(location.href);
        u.searchParams.delete("room");
        return u.toString();
      })();
  history.replaceState(null, "", url);
}

export async function copyText(text: string, fallbackInput?: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or an insecure origin): select the text so Ctrl+C works.
    if (!fallbackInput) return false;
    fallbackInput.focus();
    fallbackInput.select();
    return document.execCommand?.("copy") ?? false;
  }
}
