// The API's change records as the UI reads them (see /openapi.json), with the
// words the UI shows for states, risks and the security impact questions.
export type Answer = "yes" | "no" | "unknown";
export interface ImpactAnswer {
  answer: Answer;
  note?: string;
}

export interface ChangeContent {
  title: string;
  type: "standard" | "normal" | "emergency";
  service: string | null;
  environment: string | null;
  category: string | null;
  description: string | null;
  justification: string | null;
  implementation_plan: string | null;
  rollback_plan: string | null;
  test_plan: string | null;
  failure_conditions: string | null;
  success_criteria: string | null;
  monitoring_plan: string | null;
  implementer: string | null;
  planned_window: { start: string | null; end: string | null; timezone?: string } | null;
  responsibility: { owner: "csp" | "customer" | "shared"; contact?: string } | null;
  security_impact: Record<string, ImpactAnswer | null> | null;
  stakeholders: string[] | null;
  template: { id: string; parameters?: Record<string, unknown> } | null;
  plan_digest: string | null;
  emergency_reason?: string;
}

export interface Rule {
  id: string;
  description: string;
  effect: string;
}

export interface Assessment {
  risk: string;
  risk_rules: Rule[];
  approval_rules: Rule[];
  required_roles: string[];
  min_distinct_approvers: number;
  closure_evidence: string[];
  missing_fields: { pointer: string; detail: string }[];
  problems: { pointer: string; detail: string }[];
  freezes: unknown[];
  pre_approved: boolean;
  snapshots_required: boolean;
  approval_sla_hours?: number;
  decision?: string;
}

export interface Approval {
  id: string;
  approver: string;
  role: string;
  decision: "approve" | "reject";
  comment: string;
  content_version: number;
  material_sha256: string;
  retrospective: boolean;
  compensating_control: boolean;
  created_at: string;
  status: "valid" | "void";
  voided_at: string | null;
  voided_reason: string;
  counted: boolean;
  not_counted_reason: string | null;
}

export interface Evidence {
  id: string;
  kind: string;
  url: string | null;
  sha256: string | null;
  file_url: string | null;
  filename: string;
  content_type: string;
  size: number;
  note: string;
  added_by: string;
  created_at: string;
  status: "valid" | "not_verifiable" | "superseded";
  status_reason: string;
  outcome: "none" | "success" | "failure" | "unknown";
  retained: "snapshot" | "file" | "link_only" | "record";
  snapshot_at: string | null;
  satisfies: boolean;
}

export interface IacAttachment {
  id: string;
  format: string;
  digest: string;
  filename: string;
  categories: string[];
  impact_raised: string[];
  content_version: number;
  added_by: string;
  created_at: string;
  report: {
    resources_total?: number;
    resources_changed?: number;
    resources?: { address: string; type: string; action: string; categories: string[]; findings: { rule: string; category: string; reason: string }[] }[];
  } | null;
}

// A step the user holds the permission for and the state allows, refused to
// them on this change (ownership, segregation of duties), with why.
export interface Withheld {
  action: string;
  reason: string;
}

export interface Permits {
  edit: boolean;
  attach_plan: boolean;
  actions: string[];
  approve: boolean;
  approve_with_compensating_control: boolean;
  reject: boolean;
  approver_roles: string[];
  add_evidence: boolean;
  judge_evidence: boolean;
  reviews: string[];
  withheld: Withheld[];
}

export interface ChangeSummary {
  id: string;
  key: string;
  number: number;
  title: string;
  type: string;
  state: string;
  risk: string | null;
  service: string;
  environment: string;
  category: string;
  requestor: string;
  implementer: string | null;
  content: ChangeContent;
  content_version: number;
  material_sha256: string;
  row_version: number;
  created_at: string;
  updated_at: string;
  review_deadline: string | null;
  retrospective_at: string | null;
  submitted_at: string | null;
  assessment: Assessment | null;
}

// When a submitted change's approvals are due under the policy's approval SLA (R000-08), or null.
export function approvalDue(c: ChangeSummary): Date | null {
  const hours = c.assessment?.approval_sla_hours ?? 0;
  if (!c.submitted_at || hours <= 0) return null;
  return new Date(new Date(c.submitted_at).getTime() + hours * 3600e3);
}

export interface ChangeDetail extends ChangeSummary {
  approval: {
    complete: boolean;
    distinct_approvers: number;
    min_distinct_approvers: number;
    independent_approver: boolean;
    outstanding: string[];
    roles: { role: string; approved_by: string | null }[];
    rejected: boolean;
  };
  approvals: Approval[];
  evidence: Evidence[];
  iac: IacAttachment[];
  deployments: { id: string; kind: string; decision: string; environment: string; service: string; created_at: string; reasons: { code: string; message: string }[] }[];
  transitions: { from: string; to: string; action: string; actor: string; note: string; at: string }[];
  versions: { version: number; author: string; created_at: string; material_sha256: string }[];
  closure_missing: { pointer: string; detail: string }[];
  overdue: boolean;
  approval_due: string | null;  // under the policy's approval SLA for its risk
  approval_overdue: boolean;
  reviews: { id: string; kind: string; reviewer: string; outcome: string; notes: string; created_at: string }[];
  permits: Permits;
  verification: unknown;
}

export interface Page<T> {
  items: T[];
  next_after?: string | number | null;
}

export const STATES = ["draft", "submitted", "approved", "rejected", "scheduled", "in_progress", "implemented", "verified", "closed", "cancelled", "failed", "rolled_back"];
export const TYPES = ["standard", "normal", "emergency"];
export const RISKS = ["low", "medium", "high", "critical"];

export function words(s: string | null | undefined): string {
  return (s ?? "").replace(/_/g, " ");
}

// The security impact assessment (R001-05): what each question asks.
export const IMPACT_QUESTIONS: { key: string; label: string; help: string }[] = [
  { key: "identity_access", label: "Identity and access", help: "Does it change who can sign in or what they may do: users, roles, groups, policies, service accounts, SSO or MFA settings?" },
  { key: "network_exposure", label: "Network paths", help: "Does it open, close or move network paths: firewall rules, security groups, routes, peering, VPN?" },
  { key: "internet_exposure", label: "Internet exposure", help: "Does anything become reachable from the internet that was not before (public IPs, load balancers, buckets, endpoints)?" },
  { key: "encryption_secrets", label: "Encryption, keys and secrets", help: "Does it touch encryption settings, keys, certificates or stored secrets?" },
  { key: "logging_monitoring", label: "Logging and monitoring", help: "Does it change what is logged, where logs go, or which alarms exist?" },
  { key: "sensitive_data", label: "Sensitive data", help: "Does it touch personal, customer or regulated data, or where such data is stored?" },
  { key: "data_protection", label: "Backups and data protection", help: "Does it change backups, retention, replication or deletion of data?" },
  { key: "availability", label: "Availability", help: "Could it cause downtime or reduce capacity or redundancy?" },
];

export const TEXT_FIELDS: { key: keyof ChangeContent; label: string; help: string }[] = [
  { key: "justification", label: "Justification", help: "Why this change is needed now, and what happens if it is not made." },
  { key: "description", label: "Description", help: "Background for reviewers. Editing it does not void approvals." },
  { key: "implementation_plan", label: "Implementation plan", help: "The steps, in order, as they will be carried out." },
  { key: "rollback_plan", label: "Rollback plan", help: "How to return to the previous state, and how long it takes." },
  { key: "test_plan", label: "Test plan", help: "How the change was or will be tested before production." },
  { key: "failure_conditions", label: "Failure conditions", help: "What you will see that means: roll back." },
  { key: "success_criteria", label: "Success criteria", help: "What you will check to call it done." },
  { key: "monitoring_plan", label: "Monitoring plan", help: "What is watched during and after the change, and by whom." },
];

export const EVIDENCE_KINDS = ["pull_request", "pipeline_run", "test_result", "monitoring", "config_diff", "before_snapshot", "after_snapshot", "retrospective", "other"];

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

// A time as a datetime-local input shows it ("2026-12-01T15:00", local time);
// "" for none.
export function toLocalInput(t: Date | string | null | undefined): string {
  if (!t) return "";
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// The error of a start/end pair from datetime-local inputs, if the end is not after the start.
export function windowOrderError(start: string, end: string): string | undefined {
  return start && end && new Date(end) <= new Date(start) ? "The end must be after the start." : undefined;
}

// Monday 00:00 local time of the week containing `d`.
export function startOfWeek(d: Date): Date {
  const s = new Date(d);
  s.setHours(0, 0, 0, 0);
  s.setDate(s.getDate() - ((s.getDay() + 6) % 7));
  return s;
}

// One event of the audit log as GET /api/v1/audit/events returns it.
export interface AuditItem {
  seq: number;
  hash: string;
  event: {
    action: string;
    time: string;
    actor: { id: string; name: string; via: string };
    object: { type: string; id: string };
    request_id: string;
    details?: Record<string, unknown>;
    changes?: Record<string, { from: unknown; to: unknown }>;
  };
}
