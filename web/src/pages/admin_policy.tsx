// Admin, policy: the active change policy's YAML and its version history.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime } from "../model";
import { can } from "../session";
import { ErrorBanner, Loading, Notice, useLoad } from "../ui";

export interface PolicyVersion {
  version: number;
  name: string;
  sha256: string;
  origin: string;
  created_by: string;
  created_at: string;
  source?: string;
}

export function PolicyView() {
  const [shown, setShown] = useState<number | null>(null);
  const { data, error } = useLoad(async () => {
    const [current, versions] = await Promise.all([api<PolicyVersion>("GET", "/api/v1/policy"), api<{ items: PolicyVersion[] }>("GET", "/api/v1/policy/versions")]);
    return { current, versions: versions.items };
  }, []);
  const version = useLoad(async () => (shown == null ? null : api<PolicyVersion>("GET", `/api/v1/policy/versions/${shown}`)), [shown]);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  const doc = shown != null ? version.data : data.current;
  return (
    <>
      <p>
        Active: <strong>{data.current.name}</strong>, version {data.current.version} ({data.current.origin}, {formatTime(data.current.created_at)}).{" "}
        {can("policy:write") && <span class="muted">Publish a new version with <code>changeledger policy</code> or PUT /api/v1/policy.</span>}
      </p>
      <div class="table-wrap">
        <table>
          <caption>Version history</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Name</th>
              <th scope="col">Origin</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">SHA-256</th>
              <th scope="col">YAML</th>
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version}>
                <td>{v.version}</td>
                <td>{v.name}</td>
                <td>{v.origin}</td>
                <td>{v.created_by}</td>
                <td>{formatTime(v.created_at)}</td>
                <td>
                  <code class="small">{v.sha256.slice(0, 16)}…</code>
                </td>
                <td>
                  <button type="button" aria-pressed={(shown ?? data.current.version) === v.version} onClick={() => setShown(v.version === data.current.version ? null : v.version)}>
                    Show<span class="sr-only"> version {v.version}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {version.error && <ErrorBanner error={version.error} />}
      {doc && (
        <>
          <h2>Version {doc.version}</h2>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long scrolling region must be reachable by keyboard (WCAG 2.1.1) */}
          <pre class="yaml" role="region" tabIndex={0} aria-label={`Policy version ${doc.version} YAML`}>
            {doc.source}
          </pre>
        </>
      )}
      {shown != null && !doc && <Notice>Loading version {shown}…</Notice>}
    </>
  );
}
