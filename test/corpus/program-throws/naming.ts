// Bucket names must be 3-63 characters of lower-case letters, digits, dots and hyphens
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). The program
// checks its own input and throws, as a program should: the check must report this as the
// program's failure (exit 3), with its message and where it was thrown, not as a bug of its own.
const VALID = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function bucketName(team: string, purpose: string): string {
    const name = `${team}-${purpose}`;
    if (!VALID.test(name)) {
        throw new Error(`invalid bucket name "${name}": use lower-case letters, digits and hyphens (set bucket-naming:team)`);
    }
    return name;
}
