// The application shell: a skip link, the navigation (only the sections the
// user's permissions open), and the page for the current URL. Signed-out
// users see the login page; a one-time password must be changed first.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, onSessionLost } from "./api";
import { Link, match, navigate, useLocation } from "./router";
import { can, logout, refreshSession, sessionLost, useSession } from "./session";
import { Loading } from "./ui";
import { LoginPage, PasswordPage } from "./pages/login";
import { DashboardPage } from "./pages/dashboard";
import { ChangeListPage } from "./pages/change_list";
import { ChangeFormPage } from "./pages/change_form";
import { ChangeDetailPage } from "./pages/change_detail";
import { CalendarPage } from "./pages/calendar";
import { AuditPage } from "./pages/audit";
import { AdminPage } from "./pages/admin";
import { NotificationsPage } from "./pages/notifications";

onSessionLost(sessionLost);

// Each section with the permissions that open it (any one of them).
const NAV: { href: string; label: string; permissions: string[] }[] = [
  { href: "/", label: "Dashboard", permissions: ["changes:read"] },
  { href: "/changes", label: "Changes", permissions: ["changes:read"] },
  { href: "/calendar", label: "Calendar", permissions: ["changes:read"] },
  { href: "/audit", label: "Audit", permissions: ["audit:read"] },
  { href: "/admin", label: "Admin", permissions: ["users:read", "policy:write"] },
  { href: "/notifications", label: "Notifications", permissions: ["self:manage"] },
  { href: "/admin/tokens", label: "My API tokens", permissions: ["self:manage"] },
];

// The unread count beside the Notifications link, read again on every page
// change, every minute, and when the page marks some read.
function UnreadCount({ path }: { path: string }) {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<{ unread: number }>("GET", "/api/v1/notifications?unread=true&limit=1").then(
        (r) => live && setUnread(r.unread),
        () => undefined,
      );
    void load();
    const timer = window.setInterval(load, 60000);
    window.addEventListener("notifications-read", load);
    return () => {
      live = false;
      window.clearInterval(timer);
      window.removeEventListener("notifications-read", load);
    };
  }, [path]);
  if (unread === 0) return null;
  return (
    <span class="badge count" data-testid="unread-count">
      {unread}
      <span class="sr-only"> unread</span>
    </span>
  );
}

function Page({ path }: { path: string }) {
  if (path === "/") return <DashboardPage />;
  if (path === "/changes") return <ChangeListPage />;
  if (path === "/changes/new") return <ChangeFormPage />;
  const editing = match("/changes/:key/edit", path);
  if (editing) return <ChangeFormPage changeKey={editing.key!} />;
  const viewing = match("/changes/:key", path);
  if (viewing) return <ChangeDetailPage changeKey={viewing.key!} />;
  if (path === "/calendar") return <CalendarPage />;
  if (path === "/audit") return <AuditPage />;
  if (path === "/notifications") return <NotificationsPage />;
  if (path === "/admin" || path.startsWith("/admin/")) return <AdminPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Back to the dashboard</Link>.
      </p>
    </section>
  );
}

export function App() {
  const session = useSession();
  const loc = useLocation();
  useEffect(() => {
    void refreshSession();
  }, []);
  // After moving to another page, put keyboard and screen-reader focus at its start.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById("main")?.focus();
  }, [loc.path]);
  if (session.loading) return <Loading />;
  if (!session.user) return <LoginPage />;
  if (session.user.must_change_password) return <PasswordPage />;
  const active = (href: string) => (href === "/" ? loc.path === "/" : loc.path === href || loc.path.startsWith(href + "/"));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Changeledger
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => n.permissions.some(can)).filter((n) => n.href !== "/admin/tokens" || !can("users:read")).map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={active(n.href) ? "page" : undefined}>
                  {n.label}
                  {n.href === "/notifications" && <UnreadCount path={loc.path} />}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={session.user.roles.join(", ")}>
            {session.user.display_name} <span class="muted">({session.user.username})</span>
          </span>
          <button
            type="button"
            class="link"
            onClick={async () => {
              await logout();
              navigate("/", true);
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={loc.path} />
      </main>
    </>
  );
}
