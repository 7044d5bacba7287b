// The dashboard: what needs the user now, each a count that links to the
// filtered list (or the page) behind it.
import { api } from "../api";
import { approvalDue, startOfWeek, type ChangeSummary, type Page } from "../model";
import { Link, withQuery } from "../router";
import { loadFreezes } from "../policy";
import { can, useSession } from "../session";
import { ErrorBanner, Loading, PageTitle, useLoad } from "../ui";

const LIMIT = 500;

async function changes(params: Record<string, string>): Promise<ChangeSummary[]> {
  return (await api<Page<ChangeSummary>>("GET", withQuery("/api/v1/changes", { ...params, limit: String(LIMIT) }))).items;
}

interface Tile {
  label: string;
  count: number;
  href: string;
  hint: string;
}

export function DashboardPage() {
  const { user } = useSession();
  const me = user!.username;
  const { data, error, loading } = useLoad(async () => {
    const now = new Date();
    const week = startOfWeek(now);
    const weekEnd = new Date(week.getTime() + 7 * 86400e3);
    const [drafts, awaiting, scheduled, inProgress, emergencies, submitted] = await Promise.all([
      changes({ state: "draft", requestor: me }),
      can("changes:approve") ? api<{ items: ChangeSummary[] }>("GET", `/api/v1/me/pending-approvals?limit=${LIMIT}`).then((r) => r.items) : Promise.resolve([]),
      changes({ state: "scheduled", sort: "planned_start" }),
      changes({ state: "in_progress" }),
      changes({ type: "emergency" }),
      changes({ state: "submitted" }),
    ]);
    const pastSla = submitted.filter((c) => {
      const due = approvalDue(c);
      return due !== null && due < now;
    });
    const findings = can("changes:read") ? (await api<{ items: unknown[] }>("GET", "/api/v1/findings?status=open&limit=500")).items : [];
    const freezes = await loadFreezes();
    const inWeek = scheduled.filter((c) => {
      const s = c.content.planned_window?.start;
      return s && new Date(s) >= week && new Date(s) < weekEnd;
    });
    const overdue = emergencies.filter((c) => c.review_deadline && new Date(c.review_deadline) < now && !c.retrospective_at && c.state !== "cancelled");
    const tiles: Tile[] = [
      { label: "My drafts", count: drafts.length, href: withQuery("/changes", { state: "draft", requestor: me }), hint: "Drafts you requested, not yet submitted" },
    ];
    if (can("changes:approve")) {
      tiles.push({ label: "Awaiting my approval", count: awaiting.length, href: "/changes?awaiting=me", hint: "Changes you may approve or reject now" });
    }
    tiles.push(
      { label: "Scheduled this week", count: inWeek.length, href: "/calendar", hint: "Scheduled changes whose window starts this week" },
      { label: "Approvals past their SLA", count: pastSla.length, href: withQuery("/changes", { state: "submitted" }), hint: "Submitted changes still waiting after the policy's approval deadline for their risk" },
      { label: "In progress", count: inProgress.length, href: withQuery("/changes", { state: "in_progress" }), hint: "Being implemented now" },
      { label: "Overdue emergency retrospectives", count: overdue.length, href: withQuery("/changes", { type: "emergency" }), hint: "Emergency changes past their review deadline" },
      { label: "Open findings", count: findings.length, href: "/audit?tab=findings", hint: "Detected control failures not yet resolved" },
    );
    const now_ = now.getTime();
    const current = freezes.filter((f) => new Date(f.start).getTime() <= now_ && new Date(f.end).getTime() > now_);
    const next = freezes.filter((f) => new Date(f.start).getTime() > now_).sort((a, b) => a.start.localeCompare(b.start))[0];
    return { tiles, current, next };
  }, [me]);
  return (
    <section>
      <PageTitle>Dashboard</PageTitle>
      <ErrorBanner error={error} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <ul class="tiles">
            {data.tiles.map((t) => (
              <li key={t.label}>
                <Link href={t.href} class="tile" aria-label={`${t.label}: ${t.count >= LIMIT ? `${LIMIT} or more` : t.count}`}>
                  <span class="count">{t.count >= LIMIT ? `${LIMIT}+` : t.count}</span>
                  <span class="label">{t.label}</span>
                  <span class="hint">{t.hint}</span>
                </Link>
              </li>
            ))}
          </ul>
          <h2>Change freezes</h2>
          {data.current.length === 0 && !data.next && <p>No change freeze is in force or coming (the policy's windows and ad-hoc freezes).</p>}
          {data.current.map((f) => (
            <p class="banner warn" key={f.start}>
              <strong>Freeze in force</strong> until {new Date(f.end).toLocaleString()}: {f.description} ({f.environments.length ? f.environments.join(", ") : "every environment"})
            </p>
          ))}
          {data.next && (
            <p>
              Next freeze: {new Date(data.next.start).toLocaleString()} to {new Date(data.next.end).toLocaleString()}: {data.next.description}
            </p>
          )}
          {can("changes:write") && (
            <p>
              <Link href="/changes/new" class="button primary">
                New change
              </Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
