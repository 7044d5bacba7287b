// The active policy as the forms need it: environments, categories, required
// fields per type and standard templates, read from the policy's YAML (the
// same document the server enforces; the server still decides on submit).
import { api } from "./api";

export interface PolicyTemplate {
  id: string;
  title: string;
  description: string;
  category?: string;
  parameters: { name: string; type?: string; description?: string }[];
}

// A standing freeze window of the policy (ad-hoc ones come from /api/v1/freezes).
export interface PolicyFreeze {
  id: string;
  description: string;
  environments: string[];
  start: string;
  end: string;
}

export interface PolicyView {
  version: number;
  name: string;
  source: string;
  environments: string[];
  categories: { id: string; description: string; required: string[] }[];
  services: string[];
  required: Record<string, string[]>;  // "always" | type -> field names
  templates: PolicyTemplate[];
  freezes: PolicyFreeze[];
  emergencyReasons: { id: string; description: string }[];  // what qualifies as an emergency
}

let cached: Promise<PolicyView> | null = null;

export function loadPolicy(force = false): Promise<PolicyView> {
  if (!cached || force) {
    // The YAML parser is most of the UI's script: loaded only by pages that need the policy.
    cached = Promise.all([api<{ version: number; name: string; source: string }>("GET", "/api/v1/policy"), import("yaml")]).then(([p, yaml]) => {
      const doc = (yaml.parse(p.source) ?? {}) as Record<string, any>;
      const cats = doc.categories ?? {};
      return {
        version: p.version,
        name: p.name,
        source: p.source,
        environments: Array.isArray(doc.environments) ? doc.environments.map(String) : [],
        categories: Object.keys(cats).map((id) => ({
          id,
          description: String(cats[id]?.description ?? ""),
          required: Array.isArray(cats[id]?.required_fields) ? cats[id].required_fields.map(String) : [],
        })),
        services: Object.keys(doc.services ?? {}),
        required: Object.fromEntries(Object.entries(doc.required_fields ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : []])),
        templates: Array.isArray(doc.templates)
          ? doc.templates.map((t: any) => ({
              id: String(t.id),
              title: String(t.title ?? t.id),
              description: String(t.description ?? ""),
              category: t.category,
              parameters: Array.isArray(t.parameters) ? t.parameters : [],
            }))
          : [],
        freezes: Array.isArray(doc.freeze_windows)
          ? doc.freeze_windows.map((f: any) => ({
              id: String(f.id),
              description: String(f.description ?? f.id),
              environments: Array.isArray(f.environments) ? f.environments.map(String) : [],
              // YAML reads unquoted timestamps as dates.
              start: f.start instanceof Date ? f.start.toISOString() : String(f.start),
              end: f.end instanceof Date ? f.end.toISOString() : String(f.end),
            }))
          : [],
        emergencyReasons: Object.entries((doc.emergency?.reasons ?? {}) as Record<string, unknown>).map(([id, d]) => ({ id, description: String(d ?? "") })),
      };
    });
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

// What the policy requires of a change of this type and category.
// Every freeze in force or announced: the policy's standing windows and the
// ad-hoc ones (GET /api/v1/freezes, lifted ones left out by the server).
export async function loadFreezes(): Promise<(PolicyFreeze & { from_policy: boolean })[]> {
  const [policy, adHoc] = await Promise.all([loadPolicy(), api<{ items: PolicyFreeze[] }>("GET", "/api/v1/freezes")]);
  return [...policy.freezes.map((f) => ({ ...f, from_policy: true })), ...adHoc.items.map((f) => ({ ...f, from_policy: false }))];
}

export function requiredFields(p: PolicyView, type: string, category: string): Set<string> {
  const extra = p.categories.find((c) => c.id === category)?.required ?? [];
  return new Set([...(p.required.always ?? []), ...(p.required[type] ?? []), ...extra]);
}
