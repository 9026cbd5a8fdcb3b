/**
 * Cron validation with a maintained parser (`cron-parser`), for the two dialects the estate takes:
 * Kubernetes CronJob schedules and AWS cron expressions (AWS Backup plans and restore testing).
 * Each function returns what is wrong, in words that name the field and what it allows, or
 * `undefined` for a schedule the service will accept and that runs at all.
 */
import { CronExpressionParser } from "cron-parser";

const KUBERNETES_FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;

/** Month and day names, the only letters a Kubernetes schedule may hold. */
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;

/**
 * The descriptors Kubernetes accepts: it parses `spec.schedule` with robfig/cron v3's
 * `ParseStandard` (github.com/robfig/cron, parser.go `parseDescriptor`). `@every <duration>` is
 * left out: the estate's backup-age alerts need a calendar schedule.
 */
const KUBERNETES_MACROS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** A fixed date, so that validating a schedule never depends on the clock. */
const PARSE_OPTIONS = { tz: "UTC", currentDate: "2026-01-01T00:00:00Z" } as const;

/** cron-parser's own message, less its error-class prefix ("Constraint error, got value 25 expected range 0-23"). */
function parserMessage(err: unknown): string {
    return (err instanceof Error ? err.message : String(err))
        .replace(/^(Constraint|Validation) error, /, "")
        .replace(/^got (?:value|range) (\S+) expected range (\S+)$/, "$1 is out of range: allowed $2")
        .replace(/^cannot repeat at every 0 time\.?$/, "a step of 0 never advances");
}

/** Parses `expression` with cron-parser and returns its complaint, if any. */
function parseProblem(expression: string, strict: boolean): string | undefined {
    try {
        CronExpressionParser.parse(expression, { ...PARSE_OPTIONS, strict });
        return undefined;
    } catch (err) {
        return parserMessage(err);
    }
}

/**
 * What is wrong with a Kubernetes CronJob schedule, or `undefined`: five fields (minute 0-59, hour
 * 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-6 or SUN-SAT) of numbers, `*`,
 * `?`, ranges, steps and lists, or one of `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
 * `@midnight`, `@hourly`. The ranges are robfig/cron v3's (spec.go, `bounds`), which Kubernetes
 * uses: day-of-week stops at 6, and `L`, `W`, `#` and `H` are not supported. No `TZ=`/`CRON_TZ=`
 * prefix: the estate's CronJobs set `timeZone: Etc/UTC`, and Kubernetes refuses both at once.
 *
 * cron-parser runs without its strict mode here: strict mode requires six fields (seconds first)
 * and refuses a day-of-month together with a day-of-week, which Vixie cron and Kubernetes allow
 * (either matches). What strict mode adds otherwise (no empty expression, no `H`) is checked here.
 */
export function kubernetesCronProblem(expression: unknown): string | undefined {
    if (typeof expression !== "string") {
        return `is not a string (got ${typeof expression})`;
    }
    if (/TZ=/.test(expression)) {
        return "has a TZ= or CRON_TZ= prefix: the estate's CronJobs run in UTC (timeZone: Etc/UTC), and Kubernetes refuses a prefix next to it";
    }
    const trimmed = expression.trim();
    if (/^cron\(/.test(trimmed)) {
        return "is an AWS cron expression: a Kubernetes schedule is the five fields alone, such as 0 2 * * *";
    }
    if (trimmed.startsWith("@")) {
        return trimmed in KUBERNETES_MACROS ? undefined : `is not a known macro (one of ${Object.keys(KUBERNETES_MACROS).join(", ")})`;
    }
    const fields = trimmed.split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 5) {
        return `has ${fields.length} field${fields.length === 1 ? "" : "s"}, expected 5 (minute hour day-of-month month day-of-week)`;
    }
    // Each field alone, the others `*`, so that the complaint names the field.
    for (const [i, field] of fields.entries()) {
        const name = KUBERNETES_FIELDS[i]!;
        if (!/^[0-9A-Za-z*?,/-]+$/.test(field) || /[A-Za-z]/.test(field.replace(NAMES, ""))) {
            return `has an invalid ${name} field ${JSON.stringify(field)}: use numbers, names (JAN-DEC, SUN-SAT), *, ?, ranges (a-b), steps (*/n) and lists (a,b); Kubernetes does not support L, W, # or H`;
        }
        if (name === "day-of-week" && (field.match(/\d+/g) ?? []).some((n) => Number(n) > 6 && !field.includes(`/${n}`))) {
            return `has an invalid day-of-week field ${JSON.stringify(field)}: allowed 0-6 (Sunday is 0) or SUN-SAT`;
        }
        const alone = fields.map((other, j) => (j === i ? other : "*")).join(" ");
        const problem = parseProblem(alone, false);
        if (problem !== undefined) {
            return `has an invalid ${name} field ${JSON.stringify(field)}: ${problem}`;
        }
    }
    const problem = parseProblem(trimmed, false);
    return problem === undefined ? undefined : `never runs or cannot be read: ${problem}`;
}

const AWS_FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week", "year"] as const;

/**
 * What is wrong with an AWS cron expression, or `undefined`. The syntax is AWS's, not Unix cron's
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html, "Cron
 * expressions reference", which AWS Backup's schedules follow): `cron(minute hour day-of-month
 * month day-of-week year)`, six fields; minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or
 * JAN-DEC, day-of-week 1-7 or SUN-SAT (1 is Sunday), year 1970-2199; and "if you specify a value
 * or a * in one of the day-of-month and day-of-week fields, you must use a ? in the other".
 *
 * cron-parser validates the first five fields in strict mode (it has no year field, and counts the
 * days of the week from 0, so AWS's day-of-week numbers are shifted down by one before it reads
 * them); the year, the day-of-week range and the `?` rule are checked here. AWS Backup schedules
 * at most hourly, so the minute must be a single number.
 */
export function awsCronProblem(expression: unknown): string | undefined {
    if (typeof expression !== "string") {
        return `is not a string (got ${typeof expression})`;
    }
    const match = /^cron\((.*)\)$/.exec(expression.trim());
    if (!match) {
        return "is not of the form cron(minute hour day-of-month month day-of-week year)";
    }
    const fields = match[1]!.trim().split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 6) {
        return `has ${fields.length} field${fields.length === 1 ? "" : "s"}, expected 6 (minute hour day-of-month month day-of-week year)`;
    }
    const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
        return `must have ? in exactly one of day-of-month and day-of-week (got ${JSON.stringify(dayOfMonth)} and ${JSON.stringify(dayOfWeek)})`;
    }
    if (!/^\d{1,2}$/.test(minute) || Number(minute) > 59) {
        return `has an invalid minute field ${JSON.stringify(minute)}: AWS Backup runs at most hourly, so one minute from 0 to 59`;
    }
    const yearProblem = awsYearProblem(year);
    if (yearProblem !== undefined) {
        return `has an invalid year field ${JSON.stringify(year)}: ${yearProblem}`;
    }
    const weekdayProblem = awsDayOfWeekProblem(dayOfWeek);
    if (weekdayProblem !== undefined) {
        return `has an invalid day-of-week field ${JSON.stringify(dayOfWeek)}: ${weekdayProblem}`;
    }
    // cron-parser has no W: a nearest-weekday day is checked as the day itself (3W as 3, LW as L).
    const unixDayOfMonth = dayOfMonth.replace(/^(\d+|L)W$/, "$1");
    const translated = [minute, hour, unixDayOfMonth, month, translateWeekday(dayOfWeek)];
    for (const [i, field] of translated.entries()) {
        // Each field alone, so that the complaint names it; the day fields keep each other's `?`.
        const alone = ["0", "*", "*", "*", "?"];
        alone[i] = field;
        if (i === 4) {
            alone[2] = "?";
        }
        const problem = parseProblem(`0 ${alone.join(" ")}`, true);
        if (problem !== undefined) {
            return `has an invalid ${AWS_FIELDS[i]} field ${JSON.stringify(fields[i])}: ${problem}`;
        }
    }
    const problem = parseProblem(`0 ${translated.join(" ")}`, true);
    return problem === undefined ? undefined : `never runs or cannot be read: ${problem}`;
}

/** AWS's day-of-week: 1-7 or SUN-SAT, `?`, `*`, ranges, lists, `nL` and `n#k`. */
function awsDayOfWeekProblem(field: string): string | undefined {
    if (field === "?" || field === "*") {
        return undefined;
    }
    if (!/^[0-9A-Za-z,#*/-]+$/.test(field)) {
        return "allowed 1-7 (Sunday is 1) or SUN-SAT, with , - * ? L #";
    }
    for (const n of field.match(/\d+/g) ?? []) {
        const afterHash = field.includes(`#${n}`);
        const isStep = field.includes(`/${n}`);
        if (!afterHash && !isStep && (Number(n) < 1 || Number(n) > 7)) {
            return `${n} is out of range: allowed 1-7 (Sunday is 1) or SUN-SAT`;
        }
    }
    return undefined;
}

/**
 * AWS's day-of-week (1 = Sunday, a lone L = Saturday) in cron-parser's numbers (0 = Sunday); names
 * stay names, `#k` occurrence numbers and steps stay as they are.
 */
function translateWeekday(field: string): string {
    if (field === "?" || field === "*") {
        return field;
    }
    if (field === "L") {
        return "6";
    }
    return field
        .split(",")
        .map((part) => {
            const [days, occurrence] = part.split("#") as [string, string | undefined];
            const [range, step] = days.split("/") as [string, string | undefined];
            const shifted = range.replace(/\d+/g, (n) => String(Number(n) - 1));
            return `${shifted}${step !== undefined ? `/${step}` : ""}${occurrence !== undefined ? `#${occurrence}` : ""}`;
        })
        .join(",");
}

/** AWS's year field: 1970-2199, with , - * /. */
function awsYearProblem(field: string): string | undefined {
    if (field === "*") {
        return undefined;
    }
    for (const part of field.split(",")) {
        const m = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
        if (!m) {
            return "allowed 1970-2199, with , - * /";
        }
        const [, start, end, step] = m;
        for (const year of [start, end]) {
            if (year !== undefined && year !== "*" && (Number(year) < 1970 || Number(year) > 2199)) {
                return `${year} is out of range: allowed 1970-2199`;
            }
        }
        if (end !== undefined && Number(end) < Number(start)) {
            return `the range ${start}-${end} runs backwards`;
        }
        if (step !== undefined && Number(step) === 0) {
            return "a step of 0 never advances";
        }
    }
    return undefined;
}
