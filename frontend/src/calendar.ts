/**
 * The lessons calendar page (calendar/index.html): FullCalendar 7 over the typed client.
 *
 * Sign in with a demo user (POST /api/auth/token/), read the user's zone from
 * GET /api/auth/me/ and show their lessons in it (week and month views), whatever the
 * browser's own zone. Drag or resize a lesson to reschedule it (PATCH
 * /api/lessons/{id}/reschedule/): a refusal puts the lesson back (`revert()`) and shows
 * the error's `detail`. Click a lesson to cancel it (POST /api/lessons/{id}/cancel/).
 *
 * The API's base URL: `?api=http://127.0.0.1:8000`, else VITE_API_URL at build time,
 * else http://127.0.0.1:8000. `?date=2026-12-14` opens the calendar on that date and
 * `?view=dayGridMonth` in that view. The page must be on an origin the API's
 * CORS_ALLOWED_ORIGINS names. The `--8<--` comments mark the parts docs/calendar.md
 * shows ("Build a calendar").
 */
/// <reference types="vite/client" />
import {
  Calendar,
  type EventChangeInfo,
  type EventClickInfo,
  type EventInput,
  type EventSourceFuncInfo,
} from "fullcalendar";
import dayGridPlugin from "fullcalendar/daygrid";
import interactionPlugin from "fullcalendar/interaction";
import classicThemePlugin from "fullcalendar/themes/classic";
import timeGridPlugin from "fullcalendar/timegrid";
import "fullcalendar/skeleton.css";
import "fullcalendar/themes/classic/theme.css";
import "fullcalendar/themes/classic/palette.css";
import createClient from "openapi-fetch";

import { type Api, type Schemas, signedIn } from "./client";
import type { paths } from "./schema";

type Lesson = Schemas["Lesson"];
type Me = Schemas["UserOutput"];

const query = new URLSearchParams(window.location.search);
const API_URL = (query.get("api") ?? import.meta.env.VITE_API_URL ?? "http://127.0.0.1:8000")
  .replace(/\/+$/, "");

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`the page has no #${id}`);
  }
  return found as T;
}

const messageBox = element<HTMLParagraphElement>("message");
const statusLine = element<HTMLParagraphElement>("status");

// --8<-- [start:describe-error]
/** An API error's first `detail` (and its `code`), or the HTTP status when it has none. */
export function describeError(error: unknown, response: Response): { code: string; detail: string } {
  const errors = (error as { errors?: { code?: unknown; detail?: unknown }[] } | undefined)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (first && typeof first.detail === "string") {
    return { code: typeof first.code === "string" ? first.code : "", detail: first.detail };
  }
  return { code: `http_${response.status}`, detail: `HTTP ${response.status}` };
}
// --8<-- [end:describe-error]

function showError(failure: { code: string; detail: string }): void {
  messageBox.textContent = failure.detail;
  messageBox.dataset.code = failure.code;
  messageBox.hidden = false;
  statusLine.textContent = "";
}

function showStatus(text: string): void {
  messageBox.hidden = true;
  messageBox.textContent = "";
  delete messageBox.dataset.code;
  statusLine.textContent = text;
}

// --8<-- [start:to-event]
/** The other participant, as the event's title: every lesson names its people. */
function otherParticipant(lesson: Lesson, me: Me): string {
  return lesson.tutor === me.id ? lesson.student_display_name : lesson.tutor_display_name;
}

function toEvent(lesson: Lesson, me: Me): EventInput {
  return {
    id: String(lesson.id),
    title: `Lesson with ${otherParticipant(lesson, me)}`,
    // UTC instants: FullCalendar shows them in its `timeZone`, the user's.
    start: lesson.utc_start,
    end: lesson.utc_end,
    editable: lesson.status === "scheduled",
    extendedProps: { status: lesson.status },
  };
}
// --8<-- [end:to-event]

// --8<-- [start:events]
/**
 * `events` as a function: the URL-feed form (`events: "/api/lessons/my/"`) can send no
 * Authorization header. FullCalendar's `startStr`/`endStr` carry the zone's offset
 * (`2026-11-30T00:00:00+02:00`); openapi-fetch encodes query values (`+` as `%2B`), as
 * URLSearchParams does. A URL built with a template literal would send a bare `+`, which
 * a query string reads as a space (400).
 */
function lessonsSource(api: Api, me: Me) {
  return async (info: EventSourceFuncInfo): Promise<EventInput[]> => {
    const { data, error, response } = await api.GET("/api/lessons/my/", {
      params: { query: { start: info.startStr, end: info.endStr, status: "scheduled,completed" } },
    });
    if (data === undefined) {
      const failure = describeError(error, response);
      showError(failure);
      throw new Error(failure.detail);
    }
    return data.results.map((lesson) => toEvent(lesson, me));
  };
}
// --8<-- [end:events]

// --8<-- [start:reschedule]
/** eventDrop and eventResize: save the new times, or put the lesson back and say why. */
function rescheduler(api: Api) {
  return async (info: EventChangeInfo): Promise<void> => {
    const { event } = info;
    if (event.start === null || event.end === null) {
      info.revert();
      return;
    }
    try {
      const { data, error, response } = await api.PATCH("/api/lessons/{id}/reschedule/", {
        params: { path: { id: Number(event.id) } },
        body: { start: event.start.toISOString(), end: event.end.toISOString() },
      });
      if (data === undefined) {
        info.revert();
        showError(describeError(error, response));
        return;
      }
      showStatus(`Lesson ${data.id} moved to ${data.user_local_start} – ${data.user_local_end}`);
    } catch (failure) {
      // No answer at all (network, CORS): the lesson is where it was.
      info.revert();
      showError({ code: "network", detail: String(failure) });
    }
  };
}
// --8<-- [end:reschedule]

// --8<-- [start:cancel]
/** eventClick: confirm, cancel the lesson, refetch. */
function canceller(api: Api, calendar: () => Calendar) {
  return async (info: EventClickInfo): Promise<void> => {
    info.jsEvent.preventDefault();
    if (info.event.extendedProps.status !== "scheduled") {
      return;
    }
    if (!window.confirm(`Cancel "${info.event.title}"?`)) {
      return;
    }
    const { data, error, response } = await api.POST("/api/lessons/{id}/cancel/", {
      params: { path: { id: Number(info.event.id) } },
      body: { reason: "Cancelled from the calendar" },
    });
    if (data === undefined) {
      showError(describeError(error, response));
      return;
    }
    showStatus(`Lesson ${data.id} cancelled`);
    calendar().refetchEvents();
  };
}
// --8<-- [end:cancel]

// --8<-- [start:calendar]
/** The calendar in the user's zone, over their lessons. */
export function lessonsCalendar(target: HTMLElement, api: Api, me: Me): Calendar {
  let calendar: Calendar | undefined;
  calendar = new Calendar(target, {
    plugins: [classicThemePlugin, dayGridPlugin, timeGridPlugin, interactionPlugin],
    timeZone: me.timezone, // the user's zone, e.g. Europe/Kyiv; not the browser's
    initialView: query.get("view") ?? "timeGridWeek",
    ...(query.get("date") ? { initialDate: query.get("date") ?? undefined } : {}),
    headerToolbar: { start: "prev,next today", center: "title", end: "timeGridWeek,dayGridMonth" },
    firstDay: 1,
    slotMinTime: "06:00:00",
    slotMaxTime: "23:00:00",
    scrollTime: "08:00:00",
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    slotHeaderFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    editable: true,
    events: lessonsSource(api, me),
    eventDrop: rescheduler(api),
    eventResize: rescheduler(api),
    eventClick: canceller(api, () => calendar as Calendar),
    // The lesson's id on its element (not on a drag's mirror): for tests and styling.
    eventDidMount: (info) => {
      if (!info.isMirror) {
        info.el.dataset.lessonId = info.event.id;
      }
    },
  });
  calendar.render();
  return calendar;
}
// --8<-- [end:calendar]

let current: Calendar | undefined;

// --8<-- [start:sign-in]
async function signIn(username: string, password: string): Promise<void> {
  const anonymous = createClient<paths>({ baseUrl: API_URL });
  const login = await anonymous.POST("/api/auth/token/", { body: { username, password } });
  if (login.data === undefined) {
    showError(describeError(login.error, login.response));
    return;
  }
  const api = signedIn(API_URL, login.data.token);
  const me = await api.GET("/api/auth/me/");
  if (me.data === undefined) {
    showError(describeError(me.error, me.response));
    return;
  }
  const who = element<HTMLParagraphElement>("who");
  who.textContent = `${me.data.display_name} · ${me.data.timezone}`;
  who.dataset.timezone = me.data.timezone;
  who.hidden = false;
  showStatus("");
  current?.destroy();
  current = lessonsCalendar(element("calendar"), api, me.data);
}
// --8<-- [end:sign-in]

element<HTMLFormElement>("sign-in").addEventListener("submit", (submitted) => {
  submitted.preventDefault();
  const form = new FormData(submitted.currentTarget as HTMLFormElement);
  signIn(String(form.get("username")), String(form.get("password"))).catch((failure: unknown) =>
    showError({ code: "network", detail: `${API_URL}: ${String(failure)}` }),
  );
});
