// The UI's own types held to the API's: src/generated/api.ts is generated from
// the server's /openapi.json by openapi-typescript. Each line below fails the
// type check (and so the web build) when what the API returns is not
// assignable to what the UI reads. A renamed or retyped field fails here,
// instead of showing as blank in a browser. `scripts.web_api_types` fails
// `make test` when the generated file is older than the API. Regenerate it:
//   build/changeledger openapi > /tmp/o.json && (cd web && npx openapi-typescript /tmp/o.json -o src/generated/api.ts)
import type { operations } from "./generated/api";
import type { AuditItem, ChangeDetail, ChangeSummary, Page } from "./model";
import type { PolicyVersion } from "./pages/admin_policy";
import type { Token } from "./pages/admin_tokens";
import type { NotificationItem, NotificationPrefs } from "./pages/notifications";
import type { Finding, Verification } from "./pages/audit";
import type { User } from "./session";

type Ok<Op extends keyof operations> = operations[Op] extends { responses: { 200: { content: { "application/json": infer B } } } }
  ? B
  : never;
type Item<T> = T extends { items: (infer I)[] } ? I : never;

// true when what the API documents (From) serves what the UI reads (To), else
// the path of the first mismatch. A field the API leaves undocumented
// (unknown) serves anything; a field the UI marks optional may be missing.
type IsUnknown<T> = unknown extends T ? ([T] extends [unknown] ? true : false) : false;
type Verdict<T> = [Exclude<T, true>] extends [never] ? true : Exclude<T, true>;
type Fields<From, To, Path extends string> = {
  [K in keyof To & string]-?: K extends keyof From
    ? Conforms<From[K], To[K], `${Path}.${K}`>
    : undefined extends To[K]
      ? true
      : `${Path}.${K} is not in the API`;
}[keyof To & string];
type Conforms<From, To, Path extends string> =
  IsUnknown<From> extends true
    ? true
    : IsUnknown<To> extends true
      ? true
      : [null] extends [From]
        ? [null] extends [To]
          ? Conforms<NonNullable<From>, NonNullable<To>, Path>
          : `${Path} may be null in the API`
        : [NonNullable<To>] extends [readonly (infer E)[]]
          ? [From] extends [readonly (infer F)[]]
            ? Conforms<F, E, `${Path}[]`>
            : `${Path} is not an array in the API`
          : [NonNullable<To>] extends [object]
            ? string extends keyof NonNullable<To>
              ? true
              : [From] extends [object]
                ? Verdict<Fields<From, NonNullable<To>, Path>>
                : `${Path} is not an object in the API`
            : [From] extends [NonNullable<To>]
              ? true
              : `${Path} has another type in the API`;

// Compiles only for true: the error names the mismatch.
function holds<T extends true>(_?: T): void {}

export const contract = [
  holds<Conforms<Ok<"getChange">, ChangeDetail, "ChangeDetail">>,
  holds<Conforms<Ok<"listChanges">, Page<ChangeSummary>, "Page<ChangeSummary>">>,
  holds<Conforms<Item<Ok<"listAuditEvents">>, AuditItem, "AuditItem">>,
  holds<Conforms<Ok<"verifyAuditLog">, Verification, "Verification">>,
  holds<Conforms<Item<Ok<"listFindings">>, Finding, "Finding">>,
  holds<Conforms<Item<Ok<"listTokens">>, Token, "Token">>,
  holds<Conforms<Item<Ok<"listPolicyVersions">>, PolicyVersion, "PolicyVersion">>,
  holds<Conforms<Item<Ok<"listUsers">>, User, "User">>,
  holds<Conforms<Item<Ok<"listMyNotifications">>, NotificationItem, "NotificationItem">>,
  holds<Conforms<Item<Ok<"listChangeNotifications">>, NotificationItem, "NotificationItem">>,
  holds<Conforms<Ok<"getNotificationPreferences">, NotificationPrefs, "NotificationPrefs">>,
];
