// Shared building blocks: labelled fields, the error banner, badges and the
// loader hook. Every control has a visible label and an accessible name.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "./api";
import { words } from "./model";

let nextId = 0;
export function useId(prefix: string): string {
  const ref = useRef<string>("");
  if (!ref.current) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const fieldErrors = error instanceof ApiError ? error.errors : [];
  return (
    <div class="banner error" role="alert">
      <strong>{errorText(error)}</strong>
      {fieldErrors.length > 0 && (
        <ul>
          {fieldErrors.map((e) => (
            <li key={e.pointer + e.detail}>
              <code>{e.pointer.replace(/^#\//, "")}</code>: {e.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="banner ok" role="status">
      {children}
    </div>
  );
}

interface FieldProps {
  label: string;
  help?: string;
  error?: string | undefined;
  required?: boolean;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

export function Field({ label, help, error, required, children }: FieldProps) {
  const id = useId("f");
  const ids = [help ? `${id}-help` : "", error ? `${id}-err` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>
        {label}
        {required && (
          <span class="req" title="required by the policy">
            {" "}
            (required)
          </span>
        )}
      </label>
      {children(id, ids)}
      {help && (
        <p class="help" id={`${id}-help`}>
          {help}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-err`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{words(state)}</span>;
}

export function RiskBadge({ risk }: { risk: string | null | undefined }) {
  if (!risk) return <span class="badge">not assessed</span>;
  return <span class={`badge risk-${risk}`}>{risk} risk</span>;
}

// Loads data for a page; `reload` runs it again after a mutation.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  useEffect(() => {
    const text = typeof children === "string" ? children : Array.isArray(children) ? children.filter((c) => typeof c === "string").join("") : "";
    if (text) document.title = `${text} · Changeledger`;
  }, [children]);
  return <h1>{children}</h1>;
}

// "First page" / "Next page" for keyset-paged lists; a button shows only with its action.
export function Pager({ first, next }: { first?: (() => void) | undefined; next?: (() => void) | undefined }) {
  return (
    <nav class="pager" aria-label="Pages">
      {first && (
        <button type="button" onClick={first}>
          First page
        </button>
      )}
      {next && (
        <button type="button" onClick={next}>
          Next page
        </button>
      )}
    </nav>
  );
}

// A secret (one-time password, token) shown once, right after it was made.
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div class="banner ok" role="status">
      <p>
        <strong>{label}</strong> It is shown only now; copy it.
      </p>
      <code class="secret" data-testid="secret">{value}</code>
    </div>
  );
}
