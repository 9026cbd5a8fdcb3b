/**
 * Database identifiers: pure data, shared by the components and the config schema.
 * RDS and DocumentDB identifiers are 1-63 letters, digits or hyphens, start with a letter, and
 * neither end with a hyphen nor contain two in a row (RDS API reference, CreateDBInstance
 * `DBInstanceIdentifier`; DocumentDB CreateDBCluster `DBClusterIdentifier`). RDS stores them in
 * lower case, so the estate asks for lower case.
 */
export const DATABASE_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/;
