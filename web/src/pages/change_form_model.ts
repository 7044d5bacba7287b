// The change form's model: the form's fields and how they map to and from a
// change's content (the API's request body and the stored record).
import { IMPACT_QUESTIONS, TEXT_FIELDS, toLocalInput, type Answer, type ChangeContent, type ChangeDetail } from "../model";

export type Form = {
  title: string;
  type: string;
  service: string;
  environment: string;
  category: string;
  implementer: string;
  start: string;
  end: string;
  owner: string;
  contact: string;
  stakeholders: string;
  template: string;
  emergencyReason: string;
  params: Record<string, string>;
  text: Record<string, string>;
  impact: Record<string, { answer: Answer | ""; note: string }>;
};

export function emptyForm(): Form {
  return {
    title: "",
    type: "normal",
    service: "",
    environment: "",
    category: "",
    implementer: "",
    start: "",
    end: "",
    owner: "",
    contact: "",
    stakeholders: "",
    template: "",
    emergencyReason: "",
    params: {},
    text: Object.fromEntries(TEXT_FIELDS.map((f) => [f.key, ""])),
    impact: Object.fromEntries(IMPACT_QUESTIONS.map((q) => [q.key, { answer: "" as const, note: "" }])),
  };
}

export function fromChange(c: ChangeDetail): Form {
  const f = emptyForm();
  const k = c.content;
  f.title = k.title;
  f.type = k.type;
  f.service = k.service ?? "";
  f.environment = k.environment ?? "";
  f.category = k.category ?? "";
  f.implementer = k.implementer ?? "";
  f.start = toLocalInput(k.planned_window?.start);
  f.end = toLocalInput(k.planned_window?.end);
  f.owner = k.responsibility?.owner ?? "";
  f.contact = k.responsibility?.contact ?? "";
  f.stakeholders = (k.stakeholders ?? []).join(", ");
  f.template = k.template?.id ?? "";
  f.emergencyReason = k.emergency_reason ?? "";
  f.params = Object.fromEntries(Object.entries(k.template?.parameters ?? {}).map(([a, b]) => [a, String(b)]));
  for (const t of TEXT_FIELDS) f.text[t.key] = String(k[t.key] ?? "");
  for (const q of IMPACT_QUESTIONS) {
    const a = k.security_impact?.[q.key];
    f.impact[q.key] = { answer: a?.answer ?? "", note: a?.note ?? "" };
  }
  return f;
}

// The request body: empty text is null (not given), unanswered questions are left out.
export function toBody(f: Form): Partial<ChangeContent> {
  const body: Record<string, unknown> = {
    title: f.title.trim(),
    type: f.type,
    service: f.service.trim() || null,
    environment: f.environment || null,
    category: f.category || null,
    implementer: f.implementer.trim() || null,
    stakeholders: f.stakeholders.split(",").map((s) => s.trim()).filter(Boolean),
  };
  for (const t of TEXT_FIELDS) body[t.key] = f.text[t.key]!.trim() || null;
  body.planned_window =
    f.start || f.end
      ? { start: f.start ? new Date(f.start).toISOString() : null, end: f.end ? new Date(f.end).toISOString() : null, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone }
      : null;
  body.responsibility = f.owner ? { owner: f.owner, ...(f.contact.trim() ? { contact: f.contact.trim() } : {}) } : null;
  const impact: Record<string, { answer: Answer; note?: string }> = {};
  for (const q of IMPACT_QUESTIONS) {
    const a = f.impact[q.key]!;
    if (a.answer) impact[q.key] = { answer: a.answer, ...(a.note.trim() ? { note: a.note.trim() } : {}) };
  }
  body.security_impact = Object.keys(impact).length ? impact : null;
  body.template = f.type === "standard" && f.template ? { id: f.template, parameters: f.params } : null;
  body.emergency_reason = f.type === "emergency" && f.emergencyReason ? f.emergencyReason : null;
  return body as Partial<ChangeContent>;
}
