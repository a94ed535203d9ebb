/**
 * A typed client of the django-tutor example API, walking the integration story.
 *
 * `src/schema.d.ts` is generated from the OpenAPI schema by openapi-typescript
 * (`nox -s typescript`); this file is type-checked against it with `tsc --strict`, so
 * a schema change that breaks a frontend (a renamed field, a removed operation, a new
 * required parameter, a changed enum) fails CI here.
 */
import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Api = Client<paths>;

/** The body of a successful response, or an error that names the call and its status. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) {
    const detail = JSON.stringify(result.error);
    throw new Error(`${what}: HTTP ${result.response.status} ${detail}`);
  }
  return result.data;
}

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`unexpected: ${what}`);
  }
}

// docs/calendar.md shows this function.
// --8<-- [start:signed-in]
/** A client that sends `Authorization: Token <token>` with every request. */
export function signedIn(baseUrl: string, token: string): Api {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Token ${token}`);
      return request;
    },
  });
  return client;
}
// --8<-- [end:signed-in]

export interface Account {
  api: Api;
  user: Schemas["RegisteredUserOutput"];
}

/** Register, then log in with the same password: the token comes back both times. */
export async function registerAndLogIn(
  baseUrl: string,
  username: string,
  password: string,
  timezone: string,
): Promise<Account> {
  const anonymous = createClient<paths>({ baseUrl });
  const user = ok(
    await anonymous.POST("/api/auth/register/", {
      body: { username, password, display_name: username, timezone },
    }),
    "register",
  );
  const login = ok(
    await anonymous.POST("/api/auth/token/", { body: { username, password } }),
    "token",
  );
  check(login.token === user.token, "login returns the registration token");
  const api = signedIn(baseUrl, login.token);
  const me = ok(await api.GET("/api/auth/me/"), "me");
  check(me.timezone === timezone, "the profile keeps the registered zone");
  return { api, user };
}

/** The tutor makes a published marketplace profile (through PATCH, as a settings form). */
export async function publishProfile(tutor: Api, subject: string): Promise<Schemas["Profile"]> {
  return ok(
    await tutor.PATCH("/api/me/profile/", {
      body: {
        headline: `${subject} for school`,
        description: "Ten years of teaching.",
        is_published: true,
        settings: { hourly_rate: "40.00", currency: "UAH", subjects: [subject] },
      },
    }),
    "profile update",
  );
}

/** The student searches the listing by subject and finds the tutor by user id. */
export async function findTutor(
  student: Api,
  subject: string,
  tutorId: number,
): Promise<Schemas["Tutor"]> {
  let cursor: string | undefined;
  for (;;) {
    const result = await student.GET("/api/marketplace/tutors/", {
      params: { query: { subject, ordering: "hourly_rate", page_size: 50, cursor } },
    });
    const page = ok(result, "marketplace listing");
    // MISS on the first read of a filter, HIT while the cached page is fresh.
    const cache = result.response.headers.get("X-Cache");
    check(cache === "HIT" || cache === "MISS", "the listing reports its cache");
    const found = page.results.find((tutor) => tutor.user === tutorId);
    if (found) {
      check(found.subjects.includes(subject), "the tutor teaches the subject");
      return found;
    }
    if (!page.has_more || page.cursor === null) {
      throw new Error(`tutor ${tutorId} is not listed for ${subject}`);
    }
    cursor = page.cursor;
  }
}

/** The student asks for a relation; the tutor accepts it with a batch (one foreign id). */
export async function connect(
  student: Api,
  tutor: Api,
  tutorId: number,
): Promise<Schemas["StudentRelation"]> {
  const requested = ok(
    await student.POST("/api/student/relations/", {
      params: { header: { "Idempotency-Key": `request-${tutorId}-${Date.now()}` } },
      body: { tutor: tutorId },
    }),
    "request a relation",
  );
  check(requested.status === "pending", "a new request is pending");

  const pending = ok(
    await tutor.GET("/api/tutor/relations/students/", { params: { query: { status: "pending" } } }),
    "pending students",
  );
  const ids = pending.results.map((relation) => relation.id);
  check(ids.includes(requested.id), "the tutor sees the request");

  const foreignId = 2_147_483_000;
  const batch = ok(
    await tutor.POST("/api/tutor/relations/batch/accept/", {
      body: { ids: [requested.id, foreignId] },
    }),
    "batch accept",
  );
  check(batch.processed.includes(requested.id), "the request is accepted");
  const failure = batch.failed.find((item) => item.id === foreignId);
  check(failure?.error === "not found", "the foreign id is reported, not accepted");

  const mine = ok(await student.GET("/api/student/relations/"), "my tutors");
  const relation = mine.results.find((item) => item.id === requested.id);
  check(relation?.status === "active", "the student sees the relation active");
  return requested;
}

function isoDay(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** Schedule, see it in the student's calendar in the student's zone, move it, cancel it. */
export async function lessonLifecycle(
  tutor: Api,
  student: Api,
  studentUser: Schemas["RegisteredUserOutput"],
): Promise<Schemas["Lesson"]> {
  const start = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  start.setUTCHours(15, 0, 0, 0);
  const end = new Date(start.getTime() + 3600 * 1000);
  const lesson = ok(
    await tutor.POST("/api/lessons/", {
      body: { student: studentUser.id, start: start.toISOString(), end: end.toISOString() },
    }),
    "schedule a lesson",
  );
  check(lesson.status === "scheduled", "a new lesson is scheduled");

  const window = {
    from: isoDay(new Date(start.getTime() - 24 * 3600 * 1000)),
    to: isoDay(new Date(start.getTime() + 2 * 24 * 3600 * 1000)),
  };
  const calendar = ok(
    await student.GET("/api/lessons/my/", { params: { query: window } }),
    "calendar",
  );
  check(calendar.timezone === studentUser.timezone, "the calendar is in the student's zone");
  const seen = calendar.results.find((item) => item.id === lesson.id);
  check(seen?.timezone === studentUser.timezone, "the lesson is shown in the student's zone");
  // Tokyo is never UTC: the local start carries +09:00, the UTC start a Z.
  check(seen?.user_local_start !== seen?.utc_start, "with the student's offset");
  check(!calendar.has_more_events, "one week holds fewer than 500 lessons");

  // Moving it onto a slot the tutor already has is a conflict: 409 time_conflict.
  const later = new Date(start.getTime() + 2 * 3600 * 1000);
  const other = ok(
    await tutor.POST("/api/lessons/", {
      body: {
        student: studentUser.id,
        start: later.toISOString(),
        end: new Date(later.getTime() + 3600 * 1000).toISOString(),
      },
    }),
    "schedule a second lesson",
  );
  const clash = await tutor.PATCH("/api/lessons/{id}/reschedule/", {
    params: { path: { id: lesson.id } },
    body: { start: later.toISOString() },
  });
  check(clash.response.status === 409, "a reschedule onto a taken slot conflicts");
  check(
    clash.error?.errors.some((item) => item.code === "time_conflict") ?? false,
    "the conflict is coded time_conflict",
  );

  const moved = ok(
    await tutor.PATCH("/api/lessons/{id}/reschedule/", {
      params: { path: { id: lesson.id } },
      body: { start: new Date(start.getTime() - 3600 * 1000).toISOString() },
    }),
    "reschedule",
  );
  check(moved.utc_start !== lesson.utc_start, "the lesson moved");

  const cancelled = ok(
    await student.POST("/api/lessons/{id}/cancel/", {
      params: { path: { id: other.id } },
      body: { reason: "Exam week" },
    }),
    "cancel",
  );
  check(cancelled.status === "cancelled", "the lesson is cancelled");
  check(cancelled.cancellation_reason === "Exam week", "with its reason");
  return moved;
}

/** Autosave a draft, read its diff against the profile, publish it with If-Match. */
export async function autosaveAndPublish(tutor: Api, headline: string): Promise<Schemas["Profile"]> {
  const profile = ok(await tutor.GET("/api/me/profile/"), "profile");
  const saved = ok(
    await tutor.PUT("/api/me/profile/autosave/", {
      body: { ...profile, headline },
    }),
    "autosave",
  );
  const etag = `"${saved.version}"`;
  const draft = ok(await tutor.GET("/api/me/profile/autosave/"), "draft");
  check(draft.version === saved.version, "the draft is the one just saved");
  const diff = ok(await tutor.GET("/api/me/profile/autosave/diff/"), "diff");
  check(diff.dirty.includes("headline"), "the diff names the changed field");

  const published = ok(
    await tutor.POST("/api/me/profile/autosave/publish/", {
      params: { header: { "If-Match": etag } },
    }),
    "publish",
  );
  check(published.headline === headline, "the published profile has the draft's headline");
  return published;
}

/** The tutor's recent-actions feed and the relation's timeline tell the story. */
export async function auditTrail(tutor: Api, relationId: number): Promise<void> {
  const feed = ok(
    await tutor.GET("/api/tutor/relations/recent-actions/", {
      params: { query: { page_size: 20 } },
    }),
    "recent actions",
  );
  const latest = feed.results.find((action) => action.relation_id === relationId);
  check(latest?.new_status === "active", "the feed shows the acceptance");
  check(typeof latest?.student.display_name === "string", "with the student's name");

  const timeline = ok(
    await tutor.GET("/api/tutor/relations/{id}/timeline/", {
      params: { path: { id: relationId } },
    }),
    "timeline",
  );
  check(timeline.relation_id === relationId, "the timeline is the relation's");
  const steps = timeline.results.map((entry) => `${entry.prev_status}->${entry.new_status}`);
  check(steps.join(" ") === "->pending pending->active", "created, then accepted");
}

/** The whole story: two new users, from the marketplace to the audit trail. */
export async function walkTheStory(baseUrl: string, suffix: string): Promise<void> {
  const password = "a-long-passphrase";
  const subject = `story${suffix}`;
  const tutor = await registerAndLogIn(baseUrl, `tutor-${suffix}`, password, "Europe/Kyiv");
  const student = await registerAndLogIn(baseUrl, `student-${suffix}`, password, "Asia/Tokyo");
  await publishProfile(tutor.api, subject);
  const listed = await findTutor(student.api, subject, tutor.user.id);
  const relation = await connect(student.api, tutor.api, listed.user);
  await lessonLifecycle(tutor.api, student.api, student.user);
  await autosaveAndPublish(tutor.api, `${subject} and physics`);
  const relisted = await findTutor(student.api, subject, tutor.user.id);
  check(relisted.headline === `${subject} and physics`, "the listing shows the published edit");
  await auditTrail(tutor.api, relation.id);
}
