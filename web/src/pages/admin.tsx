// Administration: users and roles, API tokens (the secret shown once), and
// the change policy with its version history. Each tab needs its permission.
import { Link, useLocation } from "../router";
import { can } from "../session";
import { PageTitle } from "../ui";
import { PolicyView } from "./admin_policy";
import { Tokens } from "./admin_tokens";
import { Users } from "./admin_users";

export function AdminPage() {
  const { path } = useLocation();
  const tabs = [
    { href: "/admin", label: "Users", show: can("users:read") },
    { href: "/admin/tokens", label: "API tokens", show: can("self:manage") },
    { href: "/admin/policy", label: "Policy", show: can("changes:read") },
  ].filter((t) => t.show);
  const current = tabs.find((t) => t.href === path) ?? tabs[0];
  return (
    <section>
      <PageTitle>Admin</PageTitle>
      <nav class="tabs" aria-label="Admin sections">
        {tabs.map((t) => (
          <Link key={t.href} href={t.href} aria-current={t === current ? "page" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {current?.href === "/admin" && <Users />}
      {current?.href === "/admin/tokens" && <Tokens />}
      {current?.href === "/admin/policy" && <PolicyView />}
    </section>
  );
}
