// Ad-hoc change freezes on the calendar page: declare one (change managers),
// and the list of those in force or announced, each with "Lift". The gate
// denies deployments to a frozen environment; the types allowed through pass
// with a flag. The policy's standing windows are edited in the policy.
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { formatTime, toLocalInput, windowOrderError, words } from "../model";
import type { PolicyFreeze } from "../policy";
import { ErrorBanner, Field } from "../ui";

export type CalendarFreeze = PolicyFreeze & { from_policy: boolean; allow_types?: string[]; created_by?: string };

export function DeclareFreeze({ environments, onDone }: { environments: string[]; onDone: (m: string) => void }) {
  const hour = new Date();
  hour.setMinutes(0, 0, 0);
  const [description, setDescription] = useState("");
  const [envs, setEnvs] = useState<string[]>([]);
  const [start, setStart] = useState(toLocalInput(new Date(hour.getTime() + 3600e3)));
  const [end, setEnd] = useState(toLocalInput(new Date(hour.getTime() + 25 * 3600e3)));
  const [emergency, setEmergency] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const server = (p: string) => (error instanceof ApiError ? error.fieldError(p) : undefined);
  const windowError = windowOrderError(start, end) ?? server("/end");
  return (
    <form
      aria-label="Declare a freeze"
      onSubmit={async (ev) => {
        ev.preventDefault();
        if (!description.trim() || !start || !end || windowError) {
          setError(new Error(windowError ?? "Say why, and when the freeze starts and ends."));
          return;
        }
        setBusy(true);
        setError(null);
        try {
          await api("POST", "/api/v1/freezes", {
            description: description.trim(),
            environments: envs,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            allow_types: emergency ? ["emergency"] : [],
          });
          setDescription("");
          onDone(`Freeze declared: ${description.trim()}.`);
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Declare a freeze</h2>
      <ErrorBanner error={error} />
      <Field label="Reason" help="Shown to pipelines the gate stops." error={server("/description")}>
        {(id, d) => <input id={id} aria-describedby={d} maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
      </Field>
      <fieldset>
        <legend>Environments (none ticked: all)</legend>
        {environments.map((e) => (
          <label key={e} class="check">
            <input type="checkbox" checked={envs.includes(e)} onChange={(ev) => setEnvs(ev.currentTarget.checked ? [...envs, e] : envs.filter((x) => x !== e))} /> {e}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <Field label="Starts" error={server("/start")}>
          {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} value={start} onInput={(e) => setStart(e.currentTarget.value)} />}
        </Field>
        <Field label="Ends" error={windowError}>
          {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} value={end} onInput={(e) => setEnd(e.currentTarget.value)} />}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.currentTarget.checked)} /> Emergency changes may still deploy (flagged as emergency_in_freeze)
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Declaring…" : "Declare freeze"}
      </button>
    </form>
  );
}

export function AdHocFreezes({ freezes, canLift, onDone }: { freezes: CalendarFreeze[]; canLift: boolean; onDone: (m: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  const adHoc = freezes.filter((f) => !f.from_policy);
  return (
    <section aria-labelledby="h-adhoc" class="card">
      <h2 id="h-adhoc">Ad-hoc freezes</h2>
      <ErrorBanner error={error} />
      {adHoc.length === 0 ? (
        <p class="muted">None in force or announced.</p>
      ) : (
        <ul class="freezes">
          {adHoc.map((f) => (
            <li key={f.id}>
              <strong>{f.description}</strong> · {f.environments.length ? f.environments.join(", ") : "all environments"} · {formatTime(f.start)} – {formatTime(f.end)}
              <span class="muted small">
                {f.allow_types?.length ? ` · ${f.allow_types.map(words).join(", ")} allowed` : " · nothing allowed through"}
                {f.created_by && ` · declared by ${f.created_by}`}
              </span>{" "}
              {canLift && (
                <button
                  type="button"
                  class="link"
                  aria-label={`Lift freeze: ${f.description}`}
                  onClick={async () => {
                    setError(null);
                    try {
                      await api("POST", `/api/v1/freezes/${encodeURIComponent(f.id)}/lift`);
                      onDone(`Freeze lifted: ${f.description}.`);
                    } catch (e) {
                      setError(e);
                    }
                  }}
                >
                  Lift
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
