// New and edit change. The policy's required fields for the chosen type are
// marked and checked as you type; the security impact questionnaire explains
// each question; the risk preview asks the server's policy engine (dry run)
// and shows the rules that fired and the approvals it will need.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError, ifMatch } from "../api";
import { IMPACT_QUESTIONS, TEXT_FIELDS, windowOrderError, words, type Assessment, type ChangeDetail } from "../model";
import { emptyForm, fromChange, toBody, type Form } from "./change_form_model";
import { loadPolicy, requiredFields, type PolicyView } from "../policy";
import { Link, navigate } from "../router";
import { ErrorBanner, Field, Loading, PageTitle, RiskBadge, useLoad } from "../ui";

export function ChangeFormPage({ changeKey }: { changeKey?: string }) {
  const loaded = useLoad(async () => {
    const policy = await loadPolicy();
    const change = changeKey ? await api<ChangeDetail>("GET", `/api/v1/changes/${encodeURIComponent(changeKey)}`) : null;
    return { policy, change };
  }, [changeKey]);
  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  return <ChangeForm policy={loaded.data.policy} change={loaded.data.change} />;
}

function ChangeForm({ policy, change }: { policy: PolicyView; change: ChangeDetail | null }) {
  const [form, setForm] = useState<Form>(() => (change ? fromChange(change) : emptyForm()));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Assessment | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const required = useMemo(() => requiredFields(policy, form.type, form.category), [policy, form.type, form.category]);
  const body = useMemo(() => toBody(form), [form]);

  // Risk preview: the server's policy engine on the form as it stands.
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const t = setTimeout(async () => {
      try {
        const r = await api<{ assessment: Assessment }>("POST", "/api/v1/policy/evaluate", body);
        if (mine === seq.current) {
          setPreview(r.assessment);
          setPreviewError(null);
        }
      } catch (e) {
        if (mine === seq.current) setPreviewError(e);
      }
    }, 250);
    return () => clearTimeout(t);
  }, [body]);

  const missing = new Map((preview?.missing_fields ?? []).concat(preview?.problems ?? []).map((m) => [m.pointer.replace(/^#?\//, "").split("/")[0]!, m.detail]));
  const serverError = (name: string) => (error instanceof ApiError ? error.fieldError(`/${name}`) : undefined);
  const fieldError = (name: string, extraEmpty = false): string | undefined => {
    const show = tried || touched.has(name);
    if (!show) return serverError(name);
    if (name === "title" && !form.title.trim()) return "A title is required.";
    if (missing.has(name) || extraEmpty) return missing.get(name) ?? "required";
    return serverError(name);
  };
  const touch = (name: string) => setTouched((s) => (s.has(name) ? s : new Set(s).add(name)));
  const update = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const template = policy.templates.find((t) => t.id === form.template);
  const windowError = windowOrderError(form.start, form.end);

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!form.title.trim() || windowError) return;
    setBusy(true);
    setError(null);
    try {
      const saved = change
        ? await api<{ key: string }>("PATCH", `/api/v1/changes/${change.key}`, body, ifMatch(change.row_version))
        : await api<{ key: string }>("POST", "/api/v1/changes", body);
      navigate(`/changes/${saved.key}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const textInput = (name: "title" | "service" | "implementer" | "contact" | "stakeholders", label: string, help?: string, list?: string) => (
    <Field label={label} help={help} required={required.has(name) || name === "title"} error={name === "contact" || name === "stakeholders" ? undefined : fieldError(name)}>
      {(id, d) => (
        <input
          id={id}
          name={name}
          list={list}
          aria-describedby={d}
          aria-required={required.has(name) || name === "title"}
          aria-invalid={!!fieldError(name)}
          value={form[name]}
          onInput={(e) => update({ [name]: e.currentTarget.value } as Partial<Form>)}
          onBlur={() => touch(name)}
        />
      )}
    </Field>
  );

  return (
    <section>
      <PageTitle>{change ? `Edit ${change.key}` : "New change"}</PageTitle>
      {change && change.approvals.some((a) => a.status === "valid") && (
        <p class="banner warn" role="note">
          This change has approvals. Editing anything but the description or stakeholders voids them, and it returns to submitted for approval again.
        </p>
      )}
      <div class="form-layout">
        <form onSubmit={save} noValidate aria-label={change ? `Edit ${change.key}` : "New change"}>
          <ErrorBanner error={error} />
          <fieldset>
            <legend>What and where</legend>
            {textInput("title", "Title", "One line: what changes, where.")}
            <Field label="Type" help="Standard: pre-approved from a template. Normal: assessed and approved before it is done. Emergency: done now, approved and reviewed after the fact.">
              {(id, d) => (
                <select id={id} name="type" aria-describedby={d} value={form.type} onChange={(e) => update({ type: e.currentTarget.value })}>
                  <option value="normal">normal</option>
                  <option value="standard">standard</option>
                  <option value="emergency">emergency</option>
                </select>
              )}
            </Field>
            {form.type === "emergency" && policy.emergencyReasons.length > 0 && (
              <Field label="Emergency reason" required help={policy.emergencyReasons.find((r) => r.id === form.emergencyReason)?.description ?? "What qualifies this as an emergency under the policy; anything else goes the normal path."} error={fieldError("emergency_reason")}>
                {(id, d) => (
                  <select id={id} name="emergency_reason" aria-describedby={d} value={form.emergencyReason} onChange={(e) => update({ emergencyReason: e.currentTarget.value })}>
                    <option value="">choose a reason</option>
                    {policy.emergencyReasons.map((r) => (
                      <option key={r.id} value={r.id}>
                        {words(r.id)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {form.type === "standard" && (
              <Field label="Template" required help={template?.description ?? "A standard change follows a pre-approved template of the policy."} error={fieldError("template")}>
                {(id, d) => (
                  <select id={id} name="template" aria-describedby={d} value={form.template} onChange={(e) => update({ template: e.currentTarget.value, params: {} })}>
                    <option value="">choose a template</option>
                    {policy.templates.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.id}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {template?.parameters.map((p) => (
              <Field key={p.name} label={`Template parameter: ${p.name}`} help={p.description}>
                {(id, d) => <input id={id} aria-describedby={d} value={form.params[p.name] ?? ""} onInput={(e) => update({ params: { ...form.params, [p.name]: e.currentTarget.value } })} />}
              </Field>
            ))}
            {textInput("service", "Service", "The system or service changed (a configuration item).", "services")}
            <datalist id="services">
              {policy.services.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <Field label="Environment" required={required.has("environment")} error={fieldError("environment")}>
              {(id, d) => (
                <select id={id} name="environment" aria-describedby={d} aria-invalid={!!fieldError("environment")} value={form.environment} onChange={(e) => update({ environment: e.currentTarget.value })} onBlur={() => touch("environment")}>
                  <option value="">choose</option>
                  {policy.environments.map((x) => (
                    <option key={x} value={x}>
                      {x}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Category" required={required.has("category")} help={policy.categories.find((c) => c.id === form.category)?.description} error={fieldError("category")}>
              {(id, d) => (
                <select id={id} name="category" aria-describedby={d} aria-invalid={!!fieldError("category")} value={form.category} onChange={(e) => update({ category: e.currentTarget.value })} onBlur={() => touch("category")}>
                  <option value="">choose</option>
                  {policy.categories.map((c) => (
                    <option key={c.id} value={c.id}>
                      {words(c.id)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {textInput("implementer", "Implementer", "User name of who will carry it out; empty: whoever starts it.")}
          </fieldset>

          <fieldset>
            <legend>Plans</legend>
            {TEXT_FIELDS.map((t) => (
              <Field key={t.key} label={t.label} help={t.help} required={required.has(t.key)} error={fieldError(t.key)}>
                {(id, d) => (
                  <textarea
                    id={id}
                    name={t.key}
                    rows={3}
                    aria-describedby={d}
                    aria-required={required.has(t.key)}
                    aria-invalid={!!fieldError(t.key)}
                    value={form.text[t.key]}
                    onInput={(e) => update({ text: { ...form.text, [t.key]: e.currentTarget.value } })}
                    onBlur={() => touch(t.key)}
                  />
                )}
              </Field>
            ))}
          </fieldset>

          <fieldset>
            <legend>Window and responsibility</legend>
            <div class="row">
              <Field label="Planned start" required={required.has("planned_window")} error={fieldError("planned_window")}>
                {(id, d) => <input id={id} name="planned_start" type="datetime-local" aria-describedby={d} value={form.start} onInput={(e) => update({ start: e.currentTarget.value })} onBlur={() => touch("planned_window")} />}
              </Field>
              <Field label="Planned end" error={windowError}>
                {(id, d) => <input id={id} name="planned_end" type="datetime-local" aria-describedby={d} value={form.end} onInput={(e) => update({ end: e.currentTarget.value })} onBlur={() => touch("planned_window")} />}
              </Field>
            </div>
            <Field label="Responsibility" help="Who owns this change under the shared-responsibility model." required={required.has("responsibility")} error={fieldError("responsibility")}>
              {(id, d) => (
                <select id={id} name="responsibility" aria-describedby={d} value={form.owner} onChange={(e) => update({ owner: e.currentTarget.value })} onBlur={() => touch("responsibility")}>
                  <option value="">choose</option>
                  <option value="customer">customer</option>
                  <option value="csp">cloud service provider</option>
                  <option value="shared">shared</option>
                </select>
              )}
            </Field>
            {textInput("contact", "Responsible contact", "A named person or team.")}
            {textInput("stakeholders", "Stakeholders", "Comma-separated; told about the change. Not material: editing does not void approvals.")}
          </fieldset>

          <fieldset>
            <legend>
              Security impact assessment
              {required.has("security_impact") && <span class="req"> (required)</span>}
            </legend>
            <p class="help">Answer each question. "Not sure" counts as yes for risk. A note helps the approvers.</p>
            {IMPACT_QUESTIONS.map((q) => {
              const a = form.impact[q.key]!;
              const set = (p: Partial<typeof a>) => update({ impact: { ...form.impact, [q.key]: { ...a, ...p } } });
              return (
                <fieldset class="question" key={q.key}>
                  <legend>{q.label}</legend>
                  <p class="help" id={`help-${q.key}`}>
                    {q.help}
                  </p>
                  <div class="choices" role="radiogroup" aria-describedby={`help-${q.key}`}>
                    {(["yes", "no", "unknown"] as const).map((v) => (
                      <label key={v}>
                        <input type="radio" name={`impact-${q.key}`} value={v} checked={a.answer === v} onChange={() => {
                            set({ answer: v });
                            touch("security_impact");
                          }}
                        />
                        {v === "unknown" ? "not sure" : v}
                      </label>
                    ))}
                  </div>
                  <Field label={`Note on ${q.label.toLowerCase()}`}>
                    {(id) => <input id={id} value={a.note} onInput={(e) => set({ note: e.currentTarget.value })} />}
                  </Field>
                </fieldset>
              );
            })}
            {/* Below the questions, so it never moves them while someone is answering. */}
            {fieldError("security_impact") && <p class="field-error">{fieldError("security_impact")}</p>}
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Saving…" : change ? "Save changes" : "Save draft"}
            </button>
            <Link href={change ? `/changes/${change.key}` : "/changes"} class="button">
              Cancel
            </Link>
          </div>
        </form>
        <aside class="preview" aria-label="Risk preview" aria-live="polite">
          <h2>Risk preview</h2>
          {previewError && <ErrorBanner error={previewError} />}
          {!preview && !previewError && <Loading />}
          {preview && (
            <>
              <p>
                <RiskBadge risk={preview.risk} /> under policy version {policy.version}
              </p>
              <h3>Why</h3>
              {preview.risk_rules.length === 0 ? (
                <p class="muted">No risk rule fired: the policy's default risk.</p>
              ) : (
                <ul class="rules">
                  {preview.risk_rules.map((r) => (
                    <li key={r.id}>
                      <strong>{r.description}</strong> <span class="muted">({r.id}: {r.effect})</span>
                    </li>
                  ))}
                </ul>
              )}
              <h3>Approvals it will need</h3>
              {preview.pre_approved ? (
                <p>Pre-approved by its standard template.</p>
              ) : (
                <>
                  <p>
                    {preview.required_roles.length ? preview.required_roles.map(words).join(", ") : "none"}; at least {preview.min_distinct_approvers} distinct approver(s).
                  </p>
                  <ul class="rules">
                    {preview.approval_rules.map((r) => (
                      <li key={r.id}>
                        {r.description} <span class="muted">({r.effect})</span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {preview.closure_evidence.length > 0 && <p>Evidence to close: {preview.closure_evidence.map(words).join(", ")}.</p>}
              <h3>Still missing to submit</h3>
              {missing.size === 0 ? (
                <p>Nothing: it can be submitted.</p>
              ) : (
                <ul class="missing">
                  {[...missing.entries()].map(([k, v]) => (
                    <li key={k}>
                      {words(k)}: {v}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </aside>
      </div>
    </section>
  );
}
