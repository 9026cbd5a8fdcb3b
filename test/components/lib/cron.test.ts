import { describe, expect, it } from "vitest";
import { awsCronProblem, kubernetesCronProblem } from "../../../components/lib/cron";

describe("kubernetesCronProblem (robfig/cron's ranges, as Kubernetes parses spec.schedule)", () => {
    it.each(["0 2 * * *", "0 5 15 * *", "*/15 * * * *", "0 2 * * 0", "0 2 1 * 1", "0 2 ? * *", "30 1 * * MON-FRI", "0 0 1 JAN *", "0-30/5 2,14 * * *", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually", "@hourly"])(
        "accepts %s",
        (schedule) => {
            expect(kubernetesCronProblem(schedule)).toBeUndefined();
        },
    );

    it.each([
        ["hour 25", "0 25 * * *", 'has an invalid hour field "25": 25 is out of range: allowed 0-23'],
        ["minute 99", "99 2 * * *", 'has an invalid minute field "99": 99 is out of range: allowed 0-59'],
        ["day 32", "0 2 32 * *", 'has an invalid day-of-month field "32": 32 is out of range: allowed 1-31'],
        ["month 13", "0 2 * 13 *", 'has an invalid month field "13": 13 is out of range: allowed 1-12'],
        ["weekday 8", "0 2 * * 8", 'has an invalid day-of-week field "8": allowed 0-6 (Sunday is 0) or SUN-SAT'],
        ["weekday 7 (robfig/cron stops at 6)", "0 2 * * 7", 'has an invalid day-of-week field "7": allowed 0-6 (Sunday is 0) or SUN-SAT'],
        ["a step of 0", "*/0 * * * *", 'has an invalid minute field "*/0": a step of 0 never advances'],
        ["a backwards range", "0 5-1 * * *", 'has an invalid hour field "5-1": Invalid range: 5-1, min(5) > max(1)'],
        ["a day that never comes", "0 2 31 2 *", "never runs or cannot be read: Invalid explicit day of month definition"],
        ["L, which Kubernetes does not support", "0 2 L * *", 'has an invalid day-of-month field "L": use numbers'],
        ["H", "H 2 * * *", 'has an invalid minute field "H": use numbers'],
        ["four fields", "0 2 * *", "has 4 fields, expected 5"],
        ["six fields", "0 0 2 * * *", "has 6 fields, expected 5"],
        ["an AWS cron expression", "cron(0 2 * * ? *)", "is an AWS cron expression"],
        ["an unknown macro", "@every 1h", "is not a known macro"],
        ["a time zone prefix", "CRON_TZ=UTC 0 2 * * *", "has a TZ= or CRON_TZ= prefix"],
        ["not a string", 5, "is not a string"],
    ])("refuses %s", (_why, schedule, problem) => {
        expect(kubernetesCronProblem(schedule)).toContain(problem);
    });
});

describe("awsCronProblem (AWS's cron syntax: eb-cron-expressions.html)", () => {
    it.each([
        "cron(0 3 * * ? *)",
        "cron(0 3 ? * SUN *)",
        "cron(0 3 1 * ? *)",
        "cron(0 3 1 1 ? *)",
        "cron(0 8 15 * ? *)",
        "cron(30 2 ? * MON-FRI *)",
        "cron(0 2 ? * 1-7 *)",
        "cron(0 2 ? * 7 *)",
        "cron(0 2 ? * 6L *)",
        "cron(0 2 ? * L *)",
        "cron(0 2 ? * 3#2 *)",
        "cron(0 2 L * ? *)",
        "cron(0 2 3W * ? *)",
        "cron(0 0/6 * * ? *)",
        "cron(0 2 * * ? 2026-2030)",
    ])("accepts %s", (expression) => {
        expect(awsCronProblem(expression)).toBeUndefined();
    });

    it.each([
        ["hour 25", "cron(0 25 * * ? *)", 'has an invalid hour field "25": 25 is out of range: allowed 0-23'],
        ["minute 99", "cron(99 2 * * ? *)", 'has an invalid minute field "99": AWS Backup runs at most hourly, so one minute from 0 to 59'],
        ["day 32", "cron(0 2 32 * ? *)", 'has an invalid day-of-month field "32": 32 is out of range: allowed 1-31'],
        ["month 13", "cron(0 2 * 13 ? *)", 'has an invalid month field "13": 13 is out of range: allowed 1-12'],
        ["weekday 8", "cron(0 2 ? * 8 *)", 'has an invalid day-of-week field "8": 8 is out of range: allowed 1-7 (Sunday is 1) or SUN-SAT'],
        ["weekday 0 (AWS counts from 1)", "cron(0 2 ? * 0 *)", 'has an invalid day-of-week field "0": 0 is out of range: allowed 1-7'],
        ["a step of 0", "cron(0 */0 * * ? *)", 'has an invalid hour field "*/0": a step of 0 never advances'],
        ["year 2300", "cron(0 2 * * ? 2300)", 'has an invalid year field "2300": 2300 is out of range: allowed 1970-2199'],
        ["a sixth occurrence of a weekday", "cron(0 2 ? * 3#6 *)", 'has an invalid day-of-week field "3#6"'],
        ["both day fields set", "cron(0 2 1 * MON *)", 'must have ? in exactly one of day-of-month and day-of-week (got "1" and "MON")'],
        ["neither day field ?", "cron(0 2 * * * *)", "must have ? in exactly one of day-of-month and day-of-week"],
        ["both day fields ?", "cron(0 2 ? * ? *)", "must have ? in exactly one of day-of-month and day-of-week"],
        ["more often than hourly", "cron(*/5 * * * ? *)", 'has an invalid minute field "*/5"'],
        ["a day that never comes", "cron(0 2 30 2 ? *)", "never runs or cannot be read"],
        ["a Unix cron", "0 3 * * *", "is not of the form cron("],
        ["five fields", "cron(0 3 * * ?)", "has 5 fields, expected 6"],
    ])("refuses %s", (_why, expression, problem) => {
        expect(awsCronProblem(expression)).toContain(problem);
    });
});
