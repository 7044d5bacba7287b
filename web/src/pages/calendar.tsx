// The change calendar: scheduled and approved changes and freezes, by week.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, startOfWeek, toLocalInput, type ChangeSummary, type Page } from "../model";
import { Link, navigate, useLocation, withQuery } from "../router";
import { loadFreezes, loadPolicy } from "../policy";
import { can } from "../session";
import { ErrorBanner, Loading, Notice, PageTitle, StateBadge, useLoad } from "../ui";
import { AdHocFreezes, DeclareFreeze, type CalendarFreeze } from "./calendar_freezes";

// The local date of `d`, as the ?week= parameter takes it.
const isoDate = (d: Date) => toLocalInput(d).slice(0, 10);

export function CalendarPage() {
  const { query } = useLocation();
  const weekParam = query.get("week");
  const start = startOfWeek(weekParam ? new Date(`${weekParam}T00:00:00`) : new Date());
  const manager = can("changes:manage");
  const { data, error, reload } = useLoad(async () => {
    const states = ["approved", "scheduled", "in_progress", "implemented"];
    const lists = await Promise.all(states.map((s) => api<Page<ChangeSummary>>("GET", withQuery("/api/v1/changes", { state: s, sort: "planned_start", limit: "500" }))));
    const freezes: CalendarFreeze[] = await loadFreezes();
    return { changes: lists.flatMap((l) => l.items), freezes, environments: manager ? (await loadPolicy()).environments : [] };
  }, []);
  const [notice, setNotice] = useState("");
  const done = (message: string) => {
    setNotice(message);
    reload();
  };
  const days = Array.from({ length: 7 }, (_, i) => new Date(start.getTime() + i * 86400e3));
  const go = (delta: number) => navigate(withQuery("/calendar", { week: isoDate(new Date(start.getTime() + delta * 7 * 86400e3)) }));
  const overlaps = (s: string | null | undefined, e: string | null | undefined, a: Date, b: Date) => !!s && new Date(s) < b && new Date(e ?? s) >= a;
  return (
    <section>
      <PageTitle>Calendar</PageTitle>
      <div class="pager" role="group" aria-label="Week">
        <button type="button" onClick={() => go(-1)}>
          Previous week
        </button>
        <strong aria-live="polite">
          Week of {start.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" })}
        </strong>
        <button type="button" onClick={() => go(1)}>
          Next week
        </button>
        <button type="button" class="link" onClick={() => navigate("/calendar")}>
          This week
        </button>
      </div>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBanner error={error} />
      {!data && !error && <Loading />}
      {data && (
        <ol class="week">
          {days.map((d) => {
            const next = new Date(d.getTime() + 86400e3);
            const cs = data.changes.filter((c) => overlaps(c.content.planned_window?.start, c.content.planned_window?.end, d, next));
            const fs = data.freezes.filter((f) => overlaps(f.start, f.end, d, next));
            return (
              <li key={d.toISOString()} class="day">
                <h2>{d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })}</h2>
                {fs.map((f) => (
                  <p key={f.id} class="freeze">
                    Freeze: {f.description}
                    {f.from_policy && " (policy)"} ({f.environments.length ? f.environments.join(", ") : "all environments"})
                  </p>
                ))}
                {cs.length === 0 && fs.length === 0 && <p class="muted small">Nothing planned.</p>}
                <ul>
                  {cs.map((c) => (
                    <li key={c.key}>
                      <Link href={`/changes/${c.key}`}>{c.key}</Link> {c.title} <StateBadge state={c.state} />
                      <div class="muted small">
                        {c.environment} · {formatTime(c.content.planned_window?.start)}
                      </div>
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
      <p class="muted small">Freezes: the policy's standing windows and ad-hoc freezes in force or announced.</p>
      {data && <AdHocFreezes freezes={data.freezes} canLift={manager} onDone={done} />}
      {data && manager && (
        <section class="card">
          <DeclareFreeze environments={data.environments} onDone={done} />
        </section>
      )}
    </section>
  );
}
