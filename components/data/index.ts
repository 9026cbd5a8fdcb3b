export * from "./clients";
export * from "./connection";
// The objectives the components take, and every setting derived from them, live with the backups.
export type { DataObjectives } from "../backup/objectives";
export * from "./network";
export * from "./monitored";
export * from "./managed-postgres";
export * from "./cluster-postgres";
export * from "./managed-mongo";
export * from "./cluster-mongo";
export * from "./managed-redis";
export * from "./cluster-redis";
