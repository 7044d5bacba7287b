// Notifications: what the user was told (approval requests, decisions,
// schedule and outcome of changes they have a stake in, emergencies,
// approval deadlines), newest first, unread marked; and what they have
// e-mailed. Every notification stays listed: it is the record that they
// were told.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, words } from "../model";
import { Link } from "../router";
import { ErrorBanner, Loading, Notice, PageTitle, useLoad } from "../ui";

export interface NotificationItem {
  id: string;
  recipient: string;
  kind: string;
  object_id: string;
  subject: string;
  body: string;
  link: string;
  created_at: string;
  read_at: string | null;
  email: { to: string; status: string; attempts: number; last_error: string; delivered_at: string | null };
}

export interface NotificationPrefs {
  email: boolean;
  muted: string[];
}

const KINDS: { kind: string; label: string }[] = [
  { kind: "approval_requested", label: "A change awaits my approval" },
  { kind: "approval_reminder", label: "Reminder before an approval deadline" },
  { kind: "approval_overdue", label: "An approval deadline has passed" },
  { kind: "decision", label: "A change I requested was approved or rejected" },
  { kind: "change_update", label: "A change I have a stake in was scheduled, started, completed, failed or rolled back" },
  { kind: "emergency", label: "An emergency change was raised" },
];

// What happened to the e-mail, in words.
export function emailStatus(n: NotificationItem): string {
  const e = n.email;
  if (e.status === "delivered") return `e-mailed to ${e.to} ${formatTime(e.delivered_at)}`;
  if (e.status === "skipped") return `not e-mailed: ${e.last_error}`;
  if (e.status === "failed") return `e-mail failed after ${e.attempts} attempts: ${e.last_error}`;
  return e.attempts > 0 ? `e-mail retrying (${e.attempts} attempts): ${e.last_error}` : "e-mail on its way";
}

export function NotificationsPage() {
  const { data, error, reload } = useLoad(() => api<{ items: NotificationItem[]; unread: number }>("GET", "/api/v1/notifications?limit=200"), []);
  const [actionError, setActionError] = useState<unknown>(null);
  const markRead = async (ids?: string[]) => {
    setActionError(null);
    try {
      await api("POST", "/api/v1/notifications/read", ids ? { ids } : {});
      reload();
      window.dispatchEvent(new Event("notifications-read"));
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <section>
      <PageTitle>Notifications</PageTitle>
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} />
      {!data && !error && <Loading />}
      {data && (
        <>
          <p>
            {data.unread === 0 ? "Nothing unread." : `${data.unread} unread.`}{" "}
            {data.unread > 0 && (
              <button type="button" onClick={() => markRead()}>
                Mark all read
              </button>
            )}
          </p>
          {data.items.length === 0 && <p class="muted">Nobody has told you anything yet.</p>}
          <ul class="note-list">
            {data.items.map((n) => (
              <li key={n.id} class={n.read_at ? "note-item" : "note-item unread"} data-testid="notification">
                <p class="note-line">
                  {!n.read_at && <span class="badge">new</span>} <strong>{n.subject}</strong>
                </p>
                <p class="note-line small muted">
                  {words(n.kind)} · {formatTime(n.created_at)} · {emailStatus(n)}
                </p>
                <details>
                  <summary>Message</summary>
                  <pre class="message">{n.body}</pre>
                </details>
                <p class="note-line">
                  <Link href={n.link}>
                    Open {n.object_id}
                  </Link>{" "}
                  {!n.read_at && (
                    <button type="button" class="link" onClick={() => markRead([n.id])}>
                      Mark read<span class="sr-only"> {n.subject}</span>
                    </button>
                  )}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
      <Preferences />
    </section>
  );
}

function Preferences() {
  const { data, error } = useLoad(() => api<NotificationPrefs>("GET", "/api/v1/me/notification-preferences"), []);
  const [draft, setDraft] = useState<NotificationPrefs | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const prefs = draft ?? data;
  if (error) return <ErrorBanner error={error} />;
  if (!prefs) return null;
  const toggle = (kind: string, on: boolean) => {
    setSaved(false);
    const muted = on ? prefs.muted.filter((k) => k !== kind) : [...prefs.muted, kind];
    setDraft({ ...prefs, muted });
  };
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaveError(null);
        setSaved(false);
        try {
          setDraft(await api<NotificationPrefs>("PUT", "/api/v1/me/notification-preferences", { email: prefs.email, muted: prefs.muted }));
          setSaved(true);
        } catch (err) {
          setSaveError(err);
        }
      }}
    >
      <h2>What I have e-mailed</h2>
      <p class="help">Everything stays listed here whatever you choose; these only decide what is also e-mailed to you.</p>
      <ErrorBanner error={saveError} />
      <label class="check">
        <input
          type="checkbox"
          checked={prefs.email}
          onChange={(e) => {
            setSaved(false);
            setDraft({ ...prefs, email: (e.target as HTMLInputElement).checked });
          }}
        />{" "}
        E-mail me notifications
      </label>
      <fieldset disabled={!prefs.email}>
        <legend>E-mail me when</legend>
        {KINDS.map((k) => (
          <label class="check" key={k.kind}>
            <input type="checkbox" checked={!prefs.muted.includes(k.kind)} onChange={(e) => toggle(k.kind, (e.target as HTMLInputElement).checked)} /> {k.label}
          </label>
        ))}
      </fieldset>
      <button type="submit">Save e-mail settings</button>
      {saved && <Notice>Saved.</Notice>}
    </form>
  );
}
