// The change list: filters, sorting and paging, all kept in the URL.
import { api } from "../api";
import { formatTime, RISKS, STATES, TYPES, words, type ChangeSummary, type Page } from "../model";
import { Link, navigate, useLocation, withQuery } from "../router";
import { can } from "../session";
import { ErrorBanner, Field, Loading, PageTitle, Pager, RiskBadge, StateBadge, useLoad } from "../ui";

const FILTERS = ["state", "type", "risk", "service", "environment", "requestor", "created_from", "created_to", "sort", "after"] as const;

function toIso(date: string, endOfDay: boolean): string | undefined {
  if (!date) return undefined;
  const d = new Date(`${date}T00:00:00`);
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export function ChangeListPage() {
  const { query } = useLocation();
  const f: Record<string, string> = {};
  for (const k of FILTERS) f[k] = query.get(k) ?? "";
  const apiQuery: Record<string, string | undefined> = { ...f, limit: "25" };
  apiQuery.created_from = toIso(f.created_from!, false);
  apiQuery.created_to = toIso(f.created_to!, true);
  const awaiting = query.get("awaiting") === "me";
  const key = JSON.stringify(f) + String(awaiting);
  const { data, error, loading } = useLoad(
    () => (awaiting ? api<Page<ChangeSummary>>("GET", "/api/v1/me/pending-approvals?limit=500") : api<Page<ChangeSummary>>("GET", withQuery("/api/v1/changes", apiQuery))),
    [key],
  );

  const set = (name: string, value: string) => {
    const next: Record<string, string | undefined> = { ...f, [name]: value };
    if (name !== "after") next.after = undefined;  // a new filter starts at the first page
    navigate(withQuery("/changes", next), true);
  };
  const select = (name: string, label: string, options: string[]) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={f[name]} onChange={(e) => set(name, e.currentTarget.value)}>
          <option value="">any</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {words(o)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const text = (name: string, label: string, type = "text") => (
    <Field label={label}>
      {(id) => <input id={id} type={type} value={f[name]} onChange={(e) => set(name, e.currentTarget.value)} />}
    </Field>
  );

  return (
    <section>
      <div class="page-head">
        <PageTitle>Changes</PageTitle>
        {can("changes:write") && (
          <Link href="/changes/new" class="button primary">
            New change
          </Link>
        )}
      </div>
      {awaiting && (
        <p class="banner ok">
          Changes awaiting your decision. <Link href="/changes">Show all changes</Link>
        </p>
      )}
      {!awaiting && (
      <form class="filters" role="search" aria-label="Filter changes" onSubmit={(e) => e.preventDefault()}>
        {select("state", "State", STATES)}
        {select("type", "Type", TYPES)}
        {select("risk", "Risk", RISKS)}
        {text("service", "Service")}
        {text("environment", "Environment")}
        {text("requestor", "Requestor")}
        {text("created_from", "Created from", "date")}
        {text("created_to", "Created to", "date")}
        <Field label="Sort by">
          {(id) => (
            <select id={id} value={f.sort || "-number"} onChange={(e) => set("sort", e.currentTarget.value)}>
              <option value="-number">newest first</option>
              <option value="number">oldest first</option>
              <option value="planned_start">planned start, soonest first</option>
              <option value="-planned_start">planned start, latest first</option>
              <option value="-updated_at">recently updated</option>
            </select>
          )}
        </Field>
        {FILTERS.some((k) => k !== "sort" && f[k]) && (
          <button type="button" class="link" onClick={() => navigate("/changes", true)}>
            Clear filters
          </button>
        )}
      </form>
      )}
      <ErrorBanner error={error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <p>No change matches these filters.</p>}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Change records</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Title</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Risk</th>
                <th scope="col">Service</th>
                <th scope="col">Environment</th>
                <th scope="col">Planned start</th>
                <th scope="col">Requestor</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((c) => (
                <tr key={c.key}>
                  <td>
                    <Link href={`/changes/${c.key}`}>{c.key}</Link>
                  </td>
                  <td>{c.title}</td>
                  <td>{c.type}</td>
                  <td>
                    <StateBadge state={c.state} />
                  </td>
                  <td>
                    <RiskBadge risk={c.risk} />
                  </td>
                  <td>{c.service}</td>
                  <td>{c.environment}</td>
                  <td>{formatTime(c.content.planned_window?.start)}</td>
                  <td>{c.requestor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={f.after ? () => navigate(withQuery("/changes", { ...f, after: undefined })) : undefined}
        next={data?.next_after ? () => set("after", String(data.next_after)) : undefined}
      />
    </section>
  );
}
