/**
 * What the demo server accepts, as JSON schemas Fastify validates every request against (Ajv, no
 * type coercion, every error reported), and how a refusal reads: one JSON `{ error }` whose message
 * names each field and quotes at most a short excerpt of what was sent.
 */
import type { FastifyError } from "fastify";

/** Longest todo or post title, in characters. */
export const MAX_TITLE_LENGTH = 200;
/** Longest post body, in characters. */
export const MAX_POST_BODY_LENGTH = 5000;
/** Largest request body, in bytes (Fastify answers 413 past it). */
export const BODY_LIMIT_BYTES = 1_000_000;
/** Longest delay the slow switch takes, in ms. */
export const MAX_DELAY_MS = 10_000;

/** A refusal with its HTTP status; `extra` is merged into the JSON answer (409's `current`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** At most `max` characters of `text`, with "…" when cut: what a message may quote of user input. */
export function excerpt(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const title = { type: "string", maxLength: MAX_TITLE_LENGTH } as const;
const object = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: "object", properties, required, additionalProperties: false }) as const;

export const schemas = {
  newTodo: object({ title, completed: { type: "boolean" } }, ["title"]),
  todoPatch: object({ title, completed: { type: "boolean" } }),
  newPost: object({ title, body: { type: "string", maxLength: MAX_POST_BODY_LENGTH } }, ["title"]),
  postPatch: object({ title, body: { type: "string", maxLength: MAX_POST_BODY_LENGTH } }),
  newCheckbox: object({ checked: { type: "boolean" }, position: { type: "integer", minimum: 0 } }),
  checkboxPatch: object({ checked: { type: "boolean" } }),
  control: object({ failWrites: { type: "boolean" }, delayMs: { type: "integer", minimum: 0, maximum: MAX_DELAY_MS } }),
  signIn: object({ username: { type: "string", maxLength: 100 }, password: { type: "string", maxLength: 100 } }, ["username", "password"]),
};

/** The Ajv options Fastify compiles the schemas with: no coercion ("yes" is not a boolean), every error, the refused value. */
export const ajvOptions = { coerceTypes: false, removeAdditional: false, allErrors: true, verbose: true } as const;

/** Trims a validated title; a blank one is refused. */
export function requireTitle(value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new HttpError(400, "title must not be blank.");
  return trimmed;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
}

/** One sentence per refused field, e.g. `completed must be a boolean (got "yes")`. */
export function describeValidation(error: FastifyError): string {
  const problems = (error.validation as AjvError[] | undefined) ?? [];
  const where = error.validationContext ?? "body";
  const sentences = problems.map((problem) => {
    const field = problem.instancePath.replace(/^\//, "").replace(/\//g, ".") || where;
    switch (problem.keyword) {
      case "type":
        return `${field} must be ${article(String(problem.params.type))} (got ${describeValue(problem.data)})`;
      case "maxLength":
        return `${field} must be at most ${String(problem.params.limit)} characters (got ${lengthOf(problem.data)})`;
      case "minimum":
        return `${field} must be ${String(problem.params.limit)} or more (got ${describeValue(problem.data)})`;
      case "maximum":
        return `${field} must be ${String(problem.params.limit)} or less (got ${describeValue(problem.data)})`;
      case "required":
        return `${String(problem.params.missingProperty)} is required`;
      case "additionalProperties":
        return `${String(problem.params.additionalProperty)} is not a field of this request`;
      default:
        return `${field} ${problem.message ?? "is invalid"}`;
    }
  });
  return sentences.length > 0 ? `Invalid request ${where}: ${sentences.join("; ")}.` : `Invalid request: ${error.message}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function lengthOf(value: unknown): string {
  return typeof value === "string" ? `${value.length.toLocaleString("en-US")}` : describeValue(value);
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(excerpt(value));
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
