// A small history-API router: the URL is the state (path plus query), so
// filters and pages survive reloads and can be shared as links.
import type { ComponentChildren, JSX } from "preact";
import { useSubscription } from "./subscribe";

type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
  for (const l of listeners) l();
});

export interface Loc {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Loc {
  useSubscription(listeners);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

// Matches "/changes/:key" against a path; returns the parameters or null.
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.split("/");
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(":")) out[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (onClick) (onClick as (e: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}

// Builds "/changes?state=draft" from a base and the non-empty parameters.
export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}
