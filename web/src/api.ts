// The REST client: same-origin fetch with the session cookie, the CSRF token
// on every request that changes data, and RFC 9457 problems turned into
// ApiError so forms can show the server's words next to the right field.
export interface FieldError {
  pointer: string;
  detail: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type: string,
    readonly errors: FieldError[],
  ) {
    super(detail || title);
  }
  // Field errors by JSON pointer without the leading "#": "/title".
  fieldError(pointer: string): string | undefined {
    return this.errors.find((e) => e.pointer.replace(/^#/, "") === pointer)?.detail;
  }
}

let csrfToken = "";
let onUnauthenticated: () => void = () => {};

export function setCsrfToken(token: string) {
  csrfToken = token;
}
export function onSessionLost(handler: () => void) {
  onUnauthenticated = handler;
}

// A Blob body (a file) is sent as it is, with the Content-Type in `headers`;
// anything else as JSON.
export async function api<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const raw = body instanceof Blob;
  const h: Record<string, string> = { Accept: "application/json", ...(body !== undefined && !raw ? { "Content-Type": "application/json" } : {}), ...headers };
  if (method !== "GET" && method !== "HEAD" && csrfToken) h["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "The server cannot be reached", "Check your connection and try again.", "", []);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const p = json ?? {};
    const err = new ApiError(res.status, p.title ?? res.statusText, p.detail ?? "", p.type ?? "", Array.isArray(p.errors) ? p.errors : []);
    if (res.status === 401 && path !== "/api/v1/session") onUnauthenticated();
    throw err;
  }
  return json as T;
}

// The If-Match header for an edit of what was read at `version` (its ETag):
// the server refuses the edit (409) if someone else changed it since.
export function ifMatch(version: number): Record<string, string> {
  return { "If-Match": `"${version}"` };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail ? `${e.title}: ${e.detail}` : e.title;
  return e instanceof Error ? e.message : String(e);
}
