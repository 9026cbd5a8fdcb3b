import { describe, expect, it } from "vitest";
import {
    cronIntervalMinutes,
    AWS_BACKUP_MAX_RETENTION_DAYS,
    BACKUP_WINDOWS,
    CONTINUOUS_BACKUP_MAX_DAYS,
    CONTINUOUS_SCHEDULE,
    NATIVE_BACKUP_MAX_DAYS,
    RESTORE_TESTING_SCHEDULE,
    TIER_SCHEDULES,
    backupRules,
    findDataObjectivesProblem,
    findObjectiveProblems,
    isAwsCron,
    nativeBackupRetentionDays,
    usesAwsBackup,
    vaultLockBounds,
    walArchiveTimeoutSeconds,
} from "../../../components/backup/objectives";
import type { RetentionTiers } from "../../../components/backup/retention";

const PROD: RetentionTiers = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
const DEV: RetentionTiers = { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 };

describe("nativeBackupRetentionDays (RDS, Aurora, DocumentDB retention; ElastiCache snapshot limit; AWS Backup continuous)", () => {
    it("is the daily objective within 7..35 for protected data and 1..35 otherwise", () => {
        expect(nativeBackupRetentionDays(PROD, { protectData: true })).toBe(30);
        expect(nativeBackupRetentionDays({ dailyDays: 3 }, { protectData: true })).toBe(7);
        expect(nativeBackupRetentionDays({ dailyDays: 3 }, { protectData: false })).toBe(3);
        expect(nativeBackupRetentionDays({ dailyDays: 1 }, { protectData: false })).toBe(1);
        expect(nativeBackupRetentionDays({ dailyDays: 90 }, { protectData: true })).toBe(35);
        expect(nativeBackupRetentionDays({ dailyDays: 90 }, { protectData: false })).toBe(35);
        expect([1, 7, 30, 35, 36, 3650].map((dailyDays) => nativeBackupRetentionDays({ dailyDays }, { protectData: true }))).toEqual([7, 7, 30, 35, 35, 35]);
        expect([1, 3, 30, 90].map((dailyDays) => nativeBackupRetentionDays({ dailyDays }, { protectData: false }))).toEqual([1, 3, 30, 35]);
    });

    it("never turns backups off, and never exceeds what AWS accepts", () => {
        for (const protectData of [true, false]) {
            for (let dailyDays = 1; dailyDays <= 3650; dailyDays++) {
                const days = nativeBackupRetentionDays({ dailyDays }, { protectData });
                expect(days).toBeGreaterThanOrEqual(protectData ? 7 : 1);
                expect(days).toBeLessThanOrEqual(NATIVE_BACKUP_MAX_DAYS);
                expect(days).toBeLessThanOrEqual(CONTINUOUS_BACKUP_MAX_DAYS);
            }
        }
    });
});

describe("walArchiveTimeoutSeconds (CloudNativePG archive_timeout from the RPO)", () => {
    it("is half the RPO, within 60..300 seconds", () => {
        expect(walArchiveTimeoutSeconds(15)).toBe(300);
        expect(walArchiveTimeoutSeconds(5)).toBe(150);
        expect(walArchiveTimeoutSeconds(2)).toBe(60);
        expect(walArchiveTimeoutSeconds(1440)).toBe(300);
    });

    it("is never above the RPO, for every RPO the config allows", () => {
        for (let rpo = 1; rpo <= 10080; rpo++) {
            const seconds = walArchiveTimeoutSeconds(rpo);
            expect(seconds).toBeLessThanOrEqual(rpo * 60);
            expect(seconds).toBeGreaterThanOrEqual(60);
        }
    });
});

describe("findDataObjectivesProblem (the objectives argument of the data components)", () => {
    it("accepts integers >= 1 and names the first bad field", () => {
        expect(findDataObjectivesProblem({ rpoMinutes: 15, dailyBackupDays: 30 })).toBeUndefined();
        expect(findDataObjectivesProblem(undefined)).toEqual({ argument: "objectives", problem: "is required ({ rpoMinutes, dailyBackupDays })" });
        expect(findDataObjectivesProblem({ rpoMinutes: 1.5, dailyBackupDays: 30 })).toEqual({ argument: "objectives.rpoMinutes", problem: "must be an integer >= 1 (got 1.5)" });
        expect(findDataObjectivesProblem({ rpoMinutes: 15, dailyBackupDays: 0 })).toEqual({ argument: "objectives.dailyBackupDays", problem: "must be an integer >= 1 (got 0)" });
    });
});

describe("isAwsCron", () => {
    it.each([TIER_SCHEDULES.daily, TIER_SCHEDULES.weekly, TIER_SCHEDULES.monthly, TIER_SCHEDULES.yearly, CONTINUOUS_SCHEDULE, RESTORE_TESTING_SCHEDULE, "cron(30 2 ? * MON-FRI *)"])(
        "accepts %s",
        (expression) => {
            expect(isAwsCron(expression)).toBe(true);
        },
    );

    it.each([
        ["a five-field Unix cron", "0 3 * * *"],
        ["no cron() wrapper", "0 3 * * ? *"],
        ["both day fields set", "cron(0 3 1 * MON *)"],
        ["neither day field '?'", "cron(0 3 * * * *)"],
        ["more often than hourly", "cron(*/5 * * * ? *)"],
        ["a minute above 59", "cron(60 3 * * ? *)"],
        ["a rate expression", "rate(1 day)"],
        ["not a string", 42],
    ])("refuses %s", (_why, expression) => {
        expect(isAwsCron(expression)).toBe(false);
    });
});

describe("schedules and windows", () => {
    it("start every tier at the same time, so overlapping rules make one backup kept the longest", () => {
        expect(TIER_SCHEDULES).toEqual({
            daily: "cron(0 3 * * ? *)",
            weekly: "cron(0 3 ? * SUN *)",
            monthly: "cron(0 3 1 * ? *)",
            yearly: "cron(0 3 1 1 ? *)",
        });
    });

    it("keep the native backup window, the continuous rule and maintenance clear of the AWS Backup start window", () => {
        const nativeEnd = Number(BACKUP_WINDOWS.native.split("-")[1]!.split(":")[0]);
        expect(nativeEnd).toBeLessThanOrEqual(BACKUP_WINDOWS.continuousStart.hour);
        // Each rule's start window is 60 minutes.
        expect(BACKUP_WINDOWS.continuousStart.hour + 1).toBeLessThan(BACKUP_WINDOWS.awsBackupStart.hour);
        // AWS Backup cannot start a database backup in the hour before maintenance.
        const maintenanceStart = Number(/^sun:(\d\d):/.exec(BACKUP_WINDOWS.maintenance)![1]);
        expect(BACKUP_WINDOWS.awsBackupStart.hour + 1).toBeLessThanOrEqual(maintenanceStart - 1);
    });

    it("start CloudNativePG's daily base backup inside the native window (six-field cron, seconds first)", () => {
        const [seconds, minute, hour, ...rest] = BACKUP_WINDOWS.clusterBaseBackupSchedule.split(" ");
        expect([seconds, rest]).toEqual(["0", ["*", "*", "*"]]);
        const [from, to] = BACKUP_WINDOWS.native.split("-").map((t) => Number(t.split(":")[0]) * 60 + Number(t.split(":")[1]));
        const start = Number(hour) * 60 + Number(minute);
        expect(start).toBeGreaterThanOrEqual(from!);
        expect(start).toBeLessThan(to!);
    });
});

describe("backupRules", () => {
    it("has one rule per tier, deleted at the tier's objective in days, without continuous backup unless asked", () => {
        expect(backupRules(DEV)).toEqual([
            { name: "daily", tier: "daily", schedule: TIER_SCHEDULES.daily, continuous: false, deleteAfterDays: 7 },
            { name: "weekly", tier: "weekly", schedule: TIER_SCHEDULES.weekly, continuous: false, deleteAfterDays: 28 },
            { name: "monthly", tier: "monthly", schedule: TIER_SCHEDULES.monthly, continuous: false, deleteAfterDays: 93 },
            { name: "yearly", tier: "yearly", schedule: TIER_SCHEDULES.yearly, continuous: false, deleteAfterDays: 366 },
        ]);
    });

    it("makes the daily rule continuous when the continuous days cover the daily objective (prod)", () => {
        const rules = backupRules(PROD, { continuousDays: 30 });
        expect(rules.map((r) => [r.name, r.continuous, r.deleteAfterDays])).toEqual([
            ["daily", true, 30],
            ["weekly", false, 84],
            ["monthly", false, 372],
            ["yearly", false, 2562],
        ]);
    });

    it("keeps the daily continuous rule as long as the continuous days when they exceed the daily objective", () => {
        const [daily] = backupRules({ ...PROD, dailyDays: 3 }, { continuousDays: 7 });
        expect(daily).toMatchObject({ name: "daily", continuous: true, deleteAfterDays: 7 });
    });

    it("adds a separate continuous rule when the daily tier is kept longer than continuous backups can be", () => {
        const rules = backupRules({ ...PROD, dailyDays: 60 }, { continuousDays: 35 });
        expect(rules.slice(0, 2)).toEqual([
            { name: "continuous", schedule: CONTINUOUS_SCHEDULE, continuous: true, deleteAfterDays: 35 },
            { name: "daily", tier: "daily", schedule: TIER_SCHEDULES.daily, continuous: false, deleteAfterDays: 60 },
        ]);
    });

    it("takes schedule overrides per tier", () => {
        const rules = backupRules(DEV, { schedules: { weekly: "cron(0 5 ? * SAT *)" } });
        expect(rules.find((r) => r.name === "weekly")!.schedule).toBe("cron(0 5 ? * SAT *)");
        expect(rules.find((r) => r.name === "daily")!.schedule).toBe(TIER_SCHEDULES.daily);
    });

    it("moves no tier to cold storage, which AWS Backup ignores for RDS, Aurora and DocumentDB, and keeps every tier within 36500 days", () => {
        for (const yearlyYears of [1, 7, 99]) {
            for (const monthlyMonths of [1, 3, 4, 12, 1177]) {
                for (const rule of backupRules({ dailyDays: 400, weeklyWeeks: 52, monthlyMonths, yearlyYears }, { continuousDays: 35 })) {
                    expect(Object.keys(rule)).not.toContain("coldStorageAfterDays");
                    expect(rule.deleteAfterDays).toBeLessThanOrEqual(AWS_BACKUP_MAX_RETENTION_DAYS);
                }
            }
        }
    });
});

describe("vaultLockBounds", () => {
    it("spans exactly the rules' retentions", () => {
        expect(vaultLockBounds(backupRules(PROD, { continuousDays: 30 }))).toEqual({ minRetentionDays: 30, maxRetentionDays: 2562 });
        expect(vaultLockBounds(backupRules({ ...PROD, dailyDays: 60 }, { continuousDays: 35 }))).toEqual({ minRetentionDays: 35, maxRetentionDays: 2562 });
    });
});

describe("findObjectiveProblems", () => {
    const ok = { rpoMinutes: 15, retention: PROD, databases: { postgres: "managed", mongo: "managed" } } as const;

    it("accepts the prod objectives with managed databases, and the dev ones in the cluster", () => {
        expect(findObjectiveProblems(ok)).toEqual([]);
        expect(findObjectiveProblems({ rpoMinutes: 1440, retention: DEV, databases: { postgres: "cluster", mongo: "cluster" } })).toEqual([]);
    });

    it("accepts a sub-day RPO for in-cluster PostgreSQL (WAL archiving), down to a minute", () => {
        expect(findObjectiveProblems({ rpoMinutes: 1, retention: DEV, databases: { postgres: "cluster" } })).toEqual([]);
    });

    it("accepts any RPO when no database of record exists", () => {
        expect(findObjectiveProblems({ rpoMinutes: 1, retention: DEV, databases: {} })).toEqual([]);
    });

    it("refuses an RPO below the 5 minutes managed point-in-time recovery reaches", () => {
        expect(findObjectiveProblems({ ...ok, rpoMinutes: 4 })).toEqual([
            {
                key: "dr.rpoMinutes",
                message:
                    "must be at least 5 with data.postgres.placement managed and data.mongo.placement managed: RDS and DocumentDB " +
                    "point-in-time recovery restores to within the last 5 minutes (got 4)",
            },
        ]);
    });

    it("names full config keys with a prefix", () => {
        expect(findObjectiveProblems({ ...ok, rpoMinutes: 2, databases: { postgres: "managed" } }, { keyPrefix: "estate:" })).toEqual([
            {
                key: "estate:dr.rpoMinutes",
                message:
                    "must be at least 5 with estate:data.postgres.placement managed: RDS and DocumentDB point-in-time recovery restores " +
                    "to within the last 5 minutes (got 2)",
            },
        ]);
    });

    it("refuses a sub-day RPO for in-cluster MongoDB, which has only a daily dump", () => {
        expect(findObjectiveProblems({ rpoMinutes: 60, retention: DEV, databases: { mongo: "cluster" } })).toEqual([
            {
                key: "dr.rpoMinutes",
                message:
                    "must be at least 1440 (a day) with data.mongo.placement cluster: in-cluster MongoDB is backed up by a daily mongodump " +
                    "only, which can lose up to a day of writes (got 60); use placement managed (DocumentDB point-in-time recovery) or raise the RPO",
            },
        ]);
    });

    it("refuses tiers AWS Backup cannot keep while a database is managed, and accepts them otherwise", () => {
        const longest = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 1200, yearlyYears: 100 };
        expect(findObjectiveProblems({ ...ok, retention: longest })).toEqual([
            {
                key: "dr.retention.monthlyMonths",
                message:
                    "must be at most 1177 while a database is managed: AWS Backup keeps a recovery point at most 36500 days and the " +
                    "estate counts 31 days per unit (got 1200, 37200 days)",
            },
            {
                key: "dr.retention.yearlyYears",
                message:
                    "must be at most 99 while a database is managed: AWS Backup keeps a recovery point at most 36500 days and the " +
                    "estate counts 366 days per unit (got 100, 36600 days)",
            },
        ]);
        expect(findObjectiveProblems({ ...ok, retention: { ...longest, monthlyMonths: 1177, yearlyYears: 99 } })).toEqual([]);
        // The backup bucket's lifecycle keeps any tier.
        expect(findObjectiveProblems({ rpoMinutes: 1440, retention: longest, databases: { postgres: "cluster" } })).toEqual([]);
    });

    it("knows when AWS Backup is in use", () => {
        expect(usesAwsBackup({ postgres: "managed" })).toBe(true);
        expect(usesAwsBackup({ mongo: "managed", postgres: "cluster" })).toBe(true);
        expect(usesAwsBackup({ postgres: "cluster", mongo: "cluster" })).toBe(false);
        expect(usesAwsBackup({})).toBe(false);
    });
});

describe("cronIntervalMinutes", () => {
    it.each([
        ["0 2 * * *", 1440],
        ["@daily", 1440],
        ["15 * * * *", 60],
        ["*/15 * * * *", 15],
        ["0 */6 * * *", 360],
        ["0 3 * * 0", 10080],
        ["0 5 15 * *", 44640],
        ["@monthly", 44640],
        ["0 0 1 1 *", 527040],
    ])("%s runs at most every %i minutes (the DR alerts' allowed age)", (schedule, minutes) => {
        expect(cronIntervalMinutes(schedule)).toBe(minutes);
    });
});
