/**
 * Which IPv4 CIDR blocks may be allowed to reach a data service. Pure, so the config schema and the
 * components share the rule: never `/0`, at most a `/8`.
 */

/** The shortest IPv4 prefix accepted as an allowed source: anything wider is not "a network of ours". */
export const MIN_CIDR_PREFIX = 8;

/** An IPv4 CIDR block, `a.b.c.d/n`, each octet 0-255 without leading zeros. */
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Why a CIDR block may not be an allowed source (without the value), or undefined when it may. */
export function cidrProblem(cidr: unknown): string | undefined {
    if (typeof cidr !== "string" || !IPV4_CIDR.test(cidr)) {
        return "must be an IPv4 CIDR block such as 10.0.0.0/16";
    }
    const prefix = Number(cidr.split("/")[1]);
    if (prefix === 0) {
        return `must not be a /0 such as 0.0.0.0/0: a data service is never open to the internet`;
    }
    if (prefix < MIN_CIDR_PREFIX) {
        return `must be a /${MIN_CIDR_PREFIX} or narrower: a data service admits only networks of the estate`;
    }
    return undefined;
}
